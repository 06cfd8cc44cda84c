#pragma once
// Reads of one key shared among the requests that miss the cache at once: the first leads (reads
// Redis), the others wait for it to end and then look in the cache again. A thousand requests of
// one session whose entry just went stale make one Redis read, not a thousand.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace icg::core {
class Wakeup;
}

namespace icg::cache {

class SharedReads {
public:
    // Held by the request that reads for a key: ending it, however the read ends, wakes the followers.
    class Lead {
    public:
        Lead(SharedReads& reads, std::string key) : reads_(&reads), key_(std::move(key)) {}
        Lead(Lead&& other) noexcept : reads_(std::exchange(other.reads_, nullptr)), key_(std::move(other.key_)) {}
        Lead(const Lead&) = delete;
        Lead& operator=(const Lead&) = delete;
        Lead& operator=(Lead&&) = delete;
        ~Lead();

    private:
        SharedReads* reads_;
        std::string key_;
    };

    // A Lead when nobody is reading `key`; otherwise waits (at most `patience`) for the leader to
    // end and returns nullopt: look in the cache again, and on a miss read without leading.
    boost::asio::awaitable<std::optional<Lead>> lead_or_follow(const std::string& key,
                                                               std::chrono::milliseconds patience);

private:
    std::mutex mutex_;
    std::map<std::string, std::vector<std::shared_ptr<core::Wakeup>>, std::less<>> flights_;  // key → followers
};

}  // namespace icg::cache
