#pragma once
// The logged-in browsers the traffic shares: the latest sessions (which the API loops pick from)
// and a sample spread over the whole run (every so many logins), so a Redis restart is checked
// against sessions both minutes old and fresh. Sessions that are logged out never enter it.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

namespace icg::soak {

struct PooledSession {
    std::string cookie;  // the session cookie's value
    int number = 0;      // the login it came from, 1 for the first
    double created = 0;  // seconds into the run
};

// Thread-safe.
class SessionPool {
public:
    static constexpr std::size_t kRecent = 48;
    static constexpr std::size_t kSampled = 64;
    static constexpr int kSampleEvery = 20;

    void add(PooledSession session);
    std::optional<PooledSession> pick(std::mt19937& random) const;
    // Waits for the first session (the login loop adds it within a second or so), a stop or `until`.
    bool wait_for_first(std::stop_token stop, std::chrono::steady_clock::time_point until);
    // The recent ones and the sample, without duplicates: what a Redis restart must keep.
    std::vector<PooledSession> snapshot() const;
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable_any added_;
    std::deque<PooledSession> recent_;
    std::deque<PooledSession> sampled_;
};

}  // namespace icg::soak
