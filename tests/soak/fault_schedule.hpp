#pragma once
// When the soak injects which fault (planned up front from the run's length), and when each one
// really began and ended (recorded as it happens), so every answer can be judged by whether a
// fault was in force while it was in flight.
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace icg::soak {

enum class FaultKind { redis_restart, upstream_error500, upstream_stall, upstream_reset };

std::string_view fault_name(FaultKind kind) noexcept;
// What the gateway answers when the fault hits a request: 503 without Redis, Intercom's own 500,
// 504 for a stalled upstream, 502 for one that closed without an answer.
std::vector<unsigned> fault_statuses(FaultKind kind);
// The mock's /__mock/api-fault mode for an upstream fault; empty for redis_restart.
std::string_view mock_fault_mode(FaultKind kind) noexcept;

struct PlannedFault {
    FaultKind kind;
    double start = 0;  // seconds into the run
    double hold = 0;   // how long the fault is applied (Redis: how long it stays down)
};

// One cycle of every fault, repeated every 100 s from early on (runs of 5 minutes or more: inside
// the warm-up, so the first-time costs of each failure path are paid before the trend is
// measured) or from just after the warm-up (shorter runs, which go through every fault briefly in
// their warm-up instead), never in the last tenth of the run, kept quiet so the trend ends on
// steady traffic.
std::vector<PlannedFault> plan_faults(double duration, double warmup);

struct FaultWindow {
    FaultKind kind;
    int ordinal = 0;   // 1 for the first window of its kind
    double start = 0;  // just before the fault was applied
    double end = -1;   // just after it was removed (and, for Redis, the gateway was ready again); -1: still on
    std::string note;
};

// Thread-safe record of the windows as they happen.
class FaultLog {
public:
    // Returns the window's index, for end().
    std::size_t begin(FaultKind kind, double now);
    void end(std::size_t index, double now, std::string note = {});

    std::vector<FaultWindow> windows() const;
    std::optional<FaultWindow> current() const;
    // Whether [from, to] overlaps any window extended by `grace` seconds after its end; a window
    // still on counts as lasting until `open_until`.
    bool overlaps(double from, double to, double grace, double open_until) const;

private:
    mutable std::mutex mutex_;
    std::vector<FaultWindow> windows_;
};

}  // namespace icg::soak
