#pragma once
// Intercom limits calls per app and per workspace in 10-second windows and reports the latest
// figures on every answer (X-RateLimit-Remaining, X-RateLimit-Reset in Unix seconds); its 429
// carries no Retry-After. The gateway remembers which workspaces have nothing left until when, so
// calls for such a workspace are answered 429 at once without reaching Intercom: one service's
// burst cannot burn the quota for every other caller of that workspace. Browsers and services
// share one instance. Only exhausted workspaces are kept, so the table stays small.
#include "http/message.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace icg::core {
class Clock;
}

namespace icg::proxy {

class WorkspaceRateLimits {
public:
    // Intercom's windows are 10 s; a Reset further ahead than this is not believed.
    static constexpr std::chrono::seconds longest_hold{60};

    explicit WorkspaceRateLimits(const core::Clock& clock);

    // How long the workspace's callers must wait (whole seconds, at least 1), while it has no
    // calls left and its window has not reset; nullopt when a call may go.
    std::optional<std::chrono::seconds> hold(std::string_view workspace_id);

    // Learns from an answer about the workspace: its figures, or a 429 that comes without them.
    void observe(std::string_view workspace_id, unsigned status, const http::Headers& upstream_headers);

    // The Retry-After for a 429 from Intercom: until its X-RateLimit-Reset, or a whole window
    // when it gave none.
    std::chrono::seconds retry_after(const http::Headers& upstream_headers) const;

private:
    std::int64_t now_unix() const;
    std::chrono::seconds until(std::int64_t reset) const;

    const core::Clock& clock_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::int64_t> exhausted_until_;  // workspace → reset (Unix seconds)
    std::atomic<std::size_t> exhausted_count_{0};                    // read without the lock on the hot path
};

}  // namespace icg::proxy
