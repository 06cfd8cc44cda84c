#pragma once
// Intercom's rate limit as mock-intercom plays it: a number of requests per workspace in fixed
// windows, told in X-RateLimit-Limit/-Remaining/-Reset on every API answer, 429 beyond it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace icg::http {
struct Response;
}  // namespace icg::http

namespace icg::mock {

struct RateLimit {
    // Far above what any test, the soak's closed loops or a benchmark sends to one workspace, so only
    // tests that set a limit (POST /__mock/rate-limit) ever meet it.
    std::uint64_t limit = 100'000;
    std::chrono::milliseconds window{10'000};
};

// One request's view of its workspace's window: the X-RateLimit-* values and whether it may pass.
struct Quota {
    std::uint64_t limit = 0;
    std::uint64_t remaining = 0;
    std::int64_t reset = 0;  // Unix seconds at which the window ends, rounded up to a whole second
    std::chrono::milliseconds window{0};
    bool allowed = true;
};

// Not thread-safe: MockIntercom calls it under its state mutex. Workspaces are indexes 0..n-1.
class RateLimiter {
public:
    using TimePoint = std::chrono::system_clock::time_point;

    RateLimiter(RateLimit limit, std::size_t workspaces);

    // Every workspace starts a fresh window under the new limit.
    void configure(RateLimit limit);
    // Counts one request of `workspace`, refused ones too. A window starts with the first request
    // after the previous one ended (not on clock boundaries), so a test's burst never straddles two.
    Quota charge(std::size_t workspace, TimePoint now);
    // The window as it stands, without counting; a request with no workspace (no valid token) sees
    // a fresh window.
    Quota peek(std::optional<std::size_t> workspace, TimePoint now) const;

private:
    struct Window {
        bool open = false;
        TimePoint start;
        std::uint64_t used = 0;
    };

    bool current(const Window& window, TimePoint now) const;
    Quota quota(const Window& window) const;

    RateLimit limit_;
    std::vector<Window> windows_;
};

// Intercom's words: "Exceeded rate limit of 1000 in 10_seconds".
std::string exceeded_message(const Quota& quota);

// X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset; never Retry-After, which Intercom
// does not send.
void add_rate_limit_headers(http::Response& response, const Quota& quota);

}  // namespace icg::mock
