#include "fault_schedule.hpp"

#include <algorithm>
#include <array>

namespace icg::soak {
namespace {

constexpr double kCyclePeriod = 100;
// Runs at least this long start their first cycle at kEarlyStart, inside the warm-up.
constexpr double kLongRun = 300;
constexpr double kEarlyStart = 20;

struct CycleStep {
    FaultKind kind;
    double offset;  // from the cycle's start
    double hold;
};

// Redis stays down 2 s (every route needing it answers 503 meanwhile) and the gateway needs a
// moment to reconnect, so the next fault waits 10 s. Stalls come last: a request stalled near a
// stall's end holds its client for the gateway's proxy.response_timeout after it, which would
// leave a fault that followed with no traffic to act on. Gaps of 4 s or more between windows
// leave the 2 s grace after each one clear of the next.
constexpr std::array<CycleStep, 4> kCycle{{
    {FaultKind::redis_restart, 0, 2},
    {FaultKind::upstream_error500, 10, 4},
    {FaultKind::upstream_reset, 18, 4},
    {FaultKind::upstream_stall, 26, 5},
}};

// Short runs have no room for a whole cycle in their warm-up: they go through every fault once,
// briefly, in its first 10 s instead, so the first-time costs of each failure path (buffers of a
// reconnect, a dropped pool, error pages) are paid before the trend is measured, as a long run's
// first cycle does.
constexpr std::array<CycleStep, 4> kPriming{{
    {FaultKind::redis_restart, 1, 1},
    {FaultKind::upstream_error500, 4.5, 1},
    {FaultKind::upstream_reset, 6.5, 1},
    {FaultKind::upstream_stall, 8.5, 1},
}};
constexpr double kPrimingNeeds = 10;  // seconds of warm-up

// What a window adds beyond its hold: Redis takes a few seconds to restart and be reconnected.
double expected_overrun(FaultKind kind) {
    return kind == FaultKind::redis_restart ? 6 : 1;
}

}  // namespace

std::string_view fault_name(FaultKind kind) noexcept {
    switch (kind) {
        case FaultKind::redis_restart:
            return "redis-restart";
        case FaultKind::upstream_error500:
            return "upstream-500";
        case FaultKind::upstream_stall:
            return "upstream-stall";
        case FaultKind::upstream_reset:
            return "upstream-reset";
    }
    return "unknown";
}

std::vector<unsigned> fault_statuses(FaultKind kind) {
    switch (kind) {
        case FaultKind::redis_restart:
            return {503};
        case FaultKind::upstream_error500:
            return {500};
        case FaultKind::upstream_stall:
            return {504};
        case FaultKind::upstream_reset:
            return {502};
    }
    return {};
}

std::string_view mock_fault_mode(FaultKind kind) noexcept {
    switch (kind) {
        case FaultKind::redis_restart:
            return "";
        case FaultKind::upstream_error500:
            return "error500";
        case FaultKind::upstream_stall:
            return "stall";
        case FaultKind::upstream_reset:
            return "reset";
    }
    return "";
}

std::vector<PlannedFault> plan_faults(double duration, double warmup) {
    std::vector<PlannedFault> plan;
    const bool long_run = duration >= kLongRun;
    if (!long_run && warmup >= kPrimingNeeds)
        for (const auto& step : kPriming) plan.push_back({step.kind, step.offset, step.hold});
    const double first = long_run ? kEarlyStart : warmup + 2;
    // The quiet tail: a tenth of the run, at least 10 s.
    const double last_end = duration - std::max(10.0, duration / 10);
    for (double cycle = first; cycle < last_end; cycle += kCyclePeriod) {
        for (const auto& step : kCycle) {
            const double start = cycle + step.offset;
            if (start + step.hold + expected_overrun(step.kind) > last_end) continue;
            plan.push_back({step.kind, start, step.hold});
        }
    }
    return plan;
}

std::size_t FaultLog::begin(FaultKind kind, double now) {
    std::lock_guard lock(mutex_);
    const int ordinal =
        1 + int(std::count_if(windows_.begin(), windows_.end(), [&](const auto& w) { return w.kind == kind; }));
    windows_.push_back({kind, ordinal, now, -1, {}});
    return windows_.size() - 1;
}

void FaultLog::end(std::size_t index, double now, std::string note) {
    std::lock_guard lock(mutex_);
    if (index >= windows_.size()) return;
    windows_[index].end = now;
    windows_[index].note = std::move(note);
}

std::vector<FaultWindow> FaultLog::windows() const {
    std::lock_guard lock(mutex_);
    return windows_;
}

std::optional<FaultWindow> FaultLog::current() const {
    std::lock_guard lock(mutex_);
    if (!windows_.empty() && windows_.back().end < 0) return windows_.back();
    return std::nullopt;
}

bool FaultLog::overlaps(double from, double to, double grace, double open_until) const {
    std::lock_guard lock(mutex_);
    return std::any_of(windows_.begin(), windows_.end(), [&](const FaultWindow& w) {
        const double end = (w.end < 0 ? open_until : w.end) + grace;
        return from <= end && to >= w.start;
    });
}

}  // namespace icg::soak
