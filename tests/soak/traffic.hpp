#pragma once
// The soak's client load: one thread per kind of traffic, each a loop of bounded requests that
// ends by itself at the deadline (or when asked to stop), recording every answer.
//   logins    new browsers through the real login flow; one in four logs out again
//   api x2    GET /intercom/contacts[/id] and /intercom/me over keep-alive connections
//   uploads   POST /intercom/echo/... of 0 B to 1 MiB, Content-Length or chunked, hashes checked
//   downloads GET /intercom/stream?bytes=N of 1-4 MiB, plain or chunked, hashes checked
//   aborts    uploads and downloads the client abandons midway with a TCP reset
#include "endpoints.hpp"
#include "login_flow.hpp"
#include "request_log.hpp"
#include "run_clock.hpp"
#include "session_pool.hpp"

#include <cstdint>
#include <map>
#include <random>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace icg::soak {

class Traffic {
public:
    Traffic(const Endpoints& endpoints, SessionPool& pool, RequestLog& log, const RunClock& clock, double deadline,
            std::uint32_t seed);
    ~Traffic();
    Traffic(const Traffic&) = delete;
    Traffic& operator=(const Traffic&) = delete;

    void start(std::stop_token stop);
    void join();
    std::uint64_t logins() const { return logins_.load(); }
    std::uint64_t logouts() const { return logouts_.load(); }

private:
    bool running(const std::stop_token& stop) const;
    void guarded(const char* name, std::stop_token stop, void (Traffic::*loop)(std::stop_token, std::mt19937&),
                 std::uint32_t stream);
    void login_loop(std::stop_token stop, std::mt19937& random);
    void api_loop(std::stop_token stop, std::mt19937& random);
    void upload_loop(std::stop_token stop, std::mt19937& random);
    void download_loop(std::stop_token stop, std::mt19937& random);
    void abort_loop(std::stop_token stop, std::mt19937& random);
    void abort_upload(std::mt19937& random, const PooledSession& session);
    void abort_download(std::mt19937& random, const PooledSession& session);

    void note(RequestKind kind, double start, unsigned status, unsigned expected, bool body_ok, std::string detail);
    void note_failure(RequestKind kind, double start, const std::exception& e);

    Endpoints endpoints_;
    SessionPool& pool_;
    RequestLog& log_;
    const RunClock& clock_;
    const double deadline_;
    const std::uint32_t seed_;
    LoginFlow login_flow_;
    std::map<std::uint64_t, std::string> stream_digests_;  // SHA-256 of /stream bodies, by length
    std::atomic<std::uint64_t> logins_{0};
    std::atomic<std::uint64_t> logouts_{0};
    std::vector<std::jthread> threads_;
};

}  // namespace icg::soak
