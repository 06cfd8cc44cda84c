#include "proxy/workspace_rate_limits.hpp"

#include "core/clock.hpp"

#include <algorithm>
#include <charconv>

namespace icg::proxy {

namespace {

constexpr std::chrono::seconds intercom_window{10};

std::optional<std::int64_t> whole_number(std::string_view text) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

}  // namespace

WorkspaceRateLimits::WorkspaceRateLimits(const core::Clock& clock) : clock_(clock) {}

std::int64_t WorkspaceRateLimits::now_unix() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

std::chrono::seconds WorkspaceRateLimits::until(std::int64_t reset) const {
    const std::chrono::seconds left(reset - now_unix());
    return std::clamp(left, std::chrono::seconds(1), longest_hold);
}

std::optional<std::chrono::seconds> WorkspaceRateLimits::hold(std::string_view workspace_id) {
    if (exhausted_count_.load(std::memory_order_relaxed) == 0 || workspace_id.empty()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = exhausted_until_.find(std::string(workspace_id));
    if (it == exhausted_until_.end()) return std::nullopt;
    if (it->second <= now_unix()) {  // a new window has begun
        exhausted_until_.erase(it);
        exhausted_count_.store(exhausted_until_.size(), std::memory_order_relaxed);
        return std::nullopt;
    }
    return until(it->second);
}

void WorkspaceRateLimits::observe(std::string_view workspace_id, unsigned status, const http::Headers& headers) {
    if (workspace_id.empty()) return;
    const auto remaining = whole_number(headers.get("X-RateLimit-Remaining"));
    // Intercom's own figures decide; a 429 without them means none are left.
    const bool exhausted = remaining ? *remaining <= 0 : status == 429;
    if (!exhausted) {
        if (exhausted_count_.load(std::memory_order_relaxed) == 0) return;  // the usual case: nothing to forget
        std::lock_guard lock(mutex_);
        exhausted_until_.erase(std::string(workspace_id));
        exhausted_count_.store(exhausted_until_.size(), std::memory_order_relaxed);
        return;
    }
    const auto now = now_unix();
    auto reset = whole_number(headers.get("X-RateLimit-Reset"));
    if (!reset || *reset <= now) {
        if (status != 429) return;  // none left, but the window is over already
        reset = now + intercom_window.count();
    }
    const std::int64_t until_unix = std::min(*reset, now + longest_hold.count());
    std::lock_guard lock(mutex_);
    exhausted_until_.insert_or_assign(std::string(workspace_id), until_unix);
    // Workspaces whose window is over are forgotten on the way, so the table never grows stale.
    if (exhausted_until_.size() > 1024)
        std::erase_if(exhausted_until_, [now](const auto& e) { return e.second <= now; });
    exhausted_count_.store(exhausted_until_.size(), std::memory_order_relaxed);
}

std::chrono::seconds WorkspaceRateLimits::retry_after(const http::Headers& headers) const {
    const auto reset = whole_number(headers.get("X-RateLimit-Reset"));
    if (!reset || *reset <= now_unix()) return intercom_window;
    return until(*reset);
}

}  // namespace icg::proxy
