#include "mock_rate_limit.hpp"

#include "http/message.hpp"

#include <algorithm>
#include <cassert>

namespace icg::mock {
namespace {

// Unix seconds of `at`, rounded up: a client that waits until then finds the window over.
std::int64_t unix_seconds_up(RateLimiter::TimePoint at) {
    return std::chrono::ceil<std::chrono::seconds>(at.time_since_epoch()).count();
}

}  // namespace

RateLimiter::RateLimiter(RateLimit limit, std::size_t workspaces) : limit_(limit), windows_(workspaces) {}

void RateLimiter::configure(RateLimit limit) {
    limit_ = limit;
    std::fill(windows_.begin(), windows_.end(), Window{});
}

bool RateLimiter::current(const Window& window, TimePoint now) const {
    return window.open && now < window.start + limit_.window;
}

Quota RateLimiter::charge(std::size_t workspace, TimePoint now) {
    assert(workspace < windows_.size());
    auto& window = windows_[workspace];
    if (!current(window, now)) window = Window{true, now, 0};
    ++window.used;
    return quota(window);
}

Quota RateLimiter::peek(std::optional<std::size_t> workspace, TimePoint now) const {
    if (workspace) {
        assert(*workspace < windows_.size());
        if (const auto& window = windows_[*workspace]; current(window, now)) return quota(window);
    }
    return quota(Window{true, now, 0});
}

Quota RateLimiter::quota(const Window& window) const {
    Quota q;
    q.limit = limit_.limit;
    q.remaining = limit_.limit - std::min(window.used, limit_.limit);
    q.reset = unix_seconds_up(window.start + limit_.window);
    q.window = limit_.window;
    q.allowed = window.used <= limit_.limit;
    return q;
}

std::string exceeded_message(const Quota& quota) {
    const auto ms = quota.window.count();
    const std::string window =
        ms % 1000 == 0 ? std::to_string(ms / 1000) + "_seconds" : std::to_string(ms) + "_milliseconds";
    return "Exceeded rate limit of " + std::to_string(quota.limit) + " in " + window;
}

void add_rate_limit_headers(http::Response& response, const Quota& quota) {
    response.headers.set("X-RateLimit-Limit", std::to_string(quota.limit));
    response.headers.set("X-RateLimit-Remaining", std::to_string(quota.remaining));
    response.headers.set("X-RateLimit-Reset", std::to_string(quota.reset));
}

}  // namespace icg::mock
