#pragma once
// Applies the fault plan, recording each window as it begins and ends:
// a Redis restart (stopped, held down, started again on the same port with its append-only file,
// then the gateway awaited until ready and every sampled session checked), and the mock's
// upstream faults (500s, stalls, resets) switched on for a while and off again.
#include "endpoints.hpp"
#include "fault_schedule.hpp"
#include "run_clock.hpp"
#include "session_pool.hpp"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

namespace icg::testing {
class MockIntercom;
class RedisServer;
}  // namespace icg::testing

namespace icg::soak {

struct LostSession {
    int number = 0;
    double created = 0;
    unsigned status = 0;  // what /auth/session answered; 0 when it did not
    std::string detail;
};

struct RedisRestartResult {
    int ordinal = 0;
    double stopped_at = 0;
    double started_at = -1;              // -1: Redis did not start again
    double ready_at = -1;                // -1: the gateway did not become ready again
    long long session_keys_before = -1;  // icg:session:* keys in Redis, -1 when unknown
    long long session_keys_after = -1;
    std::size_t sessions_checked = 0;
    std::size_t sessions_kept = 0;
    std::vector<LostSession> lost;
    std::string error;
};

class FaultInjector {
public:
    FaultInjector(std::vector<PlannedFault> plan, FaultLog& log, const RunClock& clock, const Endpoints& endpoints,
                  testing::RedisServer& redis, testing::MockIntercom& mock, SessionPool& pool,
                  std::function<bool(std::chrono::milliseconds)> wait_until_ready);
    ~FaultInjector();
    FaultInjector(const FaultInjector&) = delete;
    FaultInjector& operator=(const FaultInjector&) = delete;

    // Applies the plan in order and returns after the last fault, or early once `stop` is
    // requested (a fault in force is still undone, and a stopped Redis started again). Must run
    // on a thread that lives until Redis is stopped for good, the main thread: every child of the
    // test support runs under PR_SET_PDEATHSIG (setpriv --pdeathsig KILL), which fires when the
    // *thread* that spawned it exits, so a Redis restarted from a passing thread would die with it.
    void run(std::stop_token stop);

    std::vector<RedisRestartResult> redis_restarts() const;
    std::vector<std::string> errors() const;  // faults that could not be applied or removed
    std::size_t planned() const { return plan_.size(); }

private:
    // Sleeps until `seconds` into the run; false when stopped first.
    bool wait_until(const std::stop_token& stop, double seconds);
    void restart_redis(const std::stop_token& stop, const PlannedFault& fault);
    void upstream_fault(const std::stop_token& stop, const PlannedFault& fault);
    void check_sessions(const std::vector<PooledSession>& sessions, RedisRestartResult& result);
    long long session_keys() const;
    void announce(const std::string& line) const;

    const std::vector<PlannedFault> plan_;
    FaultLog& log_;
    const RunClock& clock_;
    const Endpoints endpoints_;
    testing::RedisServer& redis_;
    testing::MockIntercom& mock_;
    SessionPool& pool_;
    std::function<bool(std::chrono::milliseconds)> wait_until_ready_;

    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    std::vector<RedisRestartResult> restarts_;
    std::vector<std::string> errors_;
};

}  // namespace icg::soak
