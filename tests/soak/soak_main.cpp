// soak: mixed traffic against a real gateway, Redis and mock Intercom for minutes, with faults on
// a schedule, checking that the gateway stays flat (memory, descriptors, upstream connections) and
// correct (no 5xx outside the faults, no wrong bodies, no session lost to a Redis restart).
// Wiring only: each part lives in its own file next to this one.
#include "endpoints.hpp"
#include "fault_injector.hpp"
#include "fault_schedule.hpp"
#include "process_sampler.hpp"
#include "request_log.hpp"
#include "run_clock.hpp"
#include "session_pool.hpp"
#include "soak_environment.hpp"
#include "soak_options.hpp"
#include "soak_report.hpp"
#include "traffic.hpp"

#include "support/eventually.hpp"

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace {
using namespace icg::soak;
namespace testing = icg::testing;

// The login's client keeps idle upstream connections 15 s, the proxy's pool 10 s
// (proxy.pool_idle_timeout): idle again within this, or the report says what was left.
constexpr auto kIdleWithin = std::chrono::seconds(17);

std::string stamp(const RunClock& clock) {
    char text[32];
    std::snprintf(text, sizeof text, "[%6.1fs] ", clock.now());
    return text;
}

void print_progress(const RunClock& clock, const RequestLog& log, const Traffic& traffic, const ProcessSampler& sampler,
                    const FaultLog& faults) {
    const auto totals = log.totals();
    const auto sample = sampler.latest();
    const auto fault = faults.current();
    char line[320];
    std::snprintf(
        line, sizeof line,
        "%llu requests (5xx %llu, no answer %llu, wrong body %llu), %llu logins; RSS %.1f MiB, fds %ld, "
        "upstream %ld; fault: %s",
        (unsigned long long)totals.requests, (unsigned long long)totals.server_errors,
        (unsigned long long)totals.transport_errors, (unsigned long long)totals.wrong_bodies,
        (unsigned long long)traffic.logins(), sample ? double(sample->rss_kib) / 1024 : 0.0, sample ? sample->fds : -1L,
        sample ? sample->upstream : -1L,
        fault ? (std::string(fault_name(fault->kind)) + " #" + std::to_string(fault->ordinal)).c_str() : "none");
    std::cout << stamp(clock) << line << "\n" << std::flush;
}

// The last `count` lines of a process's output.
std::string last_lines(const std::string& output, std::size_t count) {
    std::size_t at = output.size();
    while (count-- > 0 && at > 0) {
        const auto newline = output.rfind('\n', at - 1);
        if (newline == std::string::npos) return output;
        at = newline;
    }
    return output.substr(at == output.size() ? at : at + 1);
}

int run(SoakOptions options) {
    if (options.seed == 0) options.seed = std::random_device{}() | 1u;
    const double duration = double(options.duration.count());
    // The first fifth of the run (at least 10 s): pools, caches and allocator arenas fill up.
    const double warmup = std::max(10.0, duration / 5);

    std::cout << "soak: starting redis-server, mock-intercom and intercom-gateway (" << ICG_GATEWAY_BIN << ")\n"
              << std::flush;
    SoakEnvironment environment;
    const pid_t gateway_pid = environment.gateway().process().pid();
    const Endpoints endpoints{environment.gateway_port(), environment.mock().port(),
                              environment.certificates().ca_file};
    const auto plan = plan_faults(duration, warmup);
    std::cout << "soak: " << options.duration.count() << " s of traffic, warm-up " << warmup << " s, seed "
              << options.seed << "; gateway pid " << gateway_pid << " on port " << endpoints.gateway_port
              << ", mock on " << endpoints.mock_port << ", redis on " << environment.redis().port() << "\n";
    std::cout << "soak: fault plan:";
    for (const auto& f : plan) std::cout << " " << fault_name(f.kind) << "@" << f.start << "s";
    std::cout << (plan.empty() ? " none (the run is too short)\n" : "\n") << std::flush;

    // The idle gateway, before any traffic: what it should come back to afterwards.
    const auto before_traffic = sample_process(gateway_pid, endpoints.mock_port);
    const auto fds_before = descriptor_kinds(gateway_pid);
    const auto redis_port = environment.redis().port();
    const auto sockets_before = tcp_sockets(gateway_pid, endpoints.gateway_port, redis_port, endpoints.mock_port);
    RunClock clock;
    std::stop_source stop;
    RequestLog log;
    SessionPool pool;
    FaultLog faults;
    ProcessSampler sampler(gateway_pid, endpoints.mock_port, clock);
    sampler.start([&] {
        std::cout << stamp(clock) << "the gateway's process is gone: stopping the traffic\n" << std::flush;
        stop.request_stop();
    });
    FaultInjector injector(plan, faults, clock, endpoints, environment.redis(), environment.mock(), pool,
                           [&](std::chrono::milliseconds timeout) { return environment.wait_until_ready(timeout); });
    Traffic traffic(endpoints, pool, log, clock, duration, options.seed);
    traffic.start(stop.get_token());
    // Progress lines at fixed times until the deadline; the stop token ends the wait early.
    std::jthread progress([&] {
        std::mutex mutex;
        std::condition_variable_any tick;
        const double every = double(options.progress_every.count());
        for (double next = every;; next += every) {
            const double until = std::min(next, duration);
            std::unique_lock lock(mutex);
            tick.wait_until(lock, stop.get_token(), clock.at(until), [] { return false; });
            lock.unlock();
            print_progress(clock, log, traffic, sampler, faults);
            if (until >= duration || stop.stop_requested()) return;
        }
    });
    // On this thread, which outlives Redis (see FaultInjector::run).
    injector.run(stop.get_token());
    traffic.join();  // each loop ends by itself at the deadline, after its current request
    const double traffic_end = clock.now();
    progress.join();
    sampler.stop();
    // Idle again: every upstream connection should be gone once the pools' idle timeouts passed.
    std::optional<ProcessSample> after_traffic;
    std::optional<double> idle_after;
    if (!sampler.died_at()) {
        std::cout << stamp(clock) << "traffic over; waiting for the gateway to close its idle upstream connections\n"
                  << std::flush;
        testing::eventually(
            [&] {
                after_traffic = sample_process(gateway_pid, endpoints.mock_port);
                return !after_traffic || after_traffic->upstream == 0;
            },
            kIdleWithin, std::chrono::milliseconds(250));
        if (after_traffic && after_traffic->upstream == 0) idle_after = clock.now() - traffic_end;
    }
    const auto fds_after = descriptor_kinds(gateway_pid);
    const auto sockets_after = tcp_sockets(gateway_pid, endpoints.gateway_port, redis_port, endpoints.mock_port);

    SoakFacts facts;
    facts.options = options;
    facts.warmup = warmup;
    facts.traffic_end = traffic_end;
    facts.gateway_pid = gateway_pid;
    facts.gateway_port = endpoints.gateway_port;
    facts.mock_port = endpoints.mock_port;
    facts.redis_port = environment.redis().port();
    facts.max_upstream_connections = SoakGatewayLimits::max_upstream_connections;
    facts.logins = traffic.logins();
    facts.logouts = traffic.logouts();
    facts.samples = sampler.samples();
    facts.before_traffic = before_traffic;
    facts.after_traffic = after_traffic;
    facts.idle_after = idle_after;
    facts.fds_before = fds_before;
    facts.fds_after = fds_after;
    facts.sockets_before = sockets_before;
    facts.sockets_after = sockets_after;
    facts.idle_seconds_waited = double(kIdleWithin.count());
    facts.gateway_died_at = sampler.died_at();
    facts.faults_planned = injector.planned();
    facts.windows = faults.windows();
    facts.redis_restarts = injector.redis_restarts();
    facts.fault_errors = injector.errors();
    facts.requests = log.by_kind();
    facts.incidents = log.incidents();

    const auto exit = environment.stop_gateway();
    facts.gateway_exit = exit.describe();
    facts.gateway_exit_clean = exit.success();
    if (!exit.success()) facts.gateway_output_tail = last_lines(environment.gateway().process().output(), 40);
    if (options.logs_dir) {
        environment.copy_logs(*options.logs_dir);
        std::cout << "soak: logs copied to " << options.logs_dir->string() << "\n";
    }

    const auto checks = evaluate(facts);
    if (options.json_file) write_json(*options.json_file, facts, checks);
    print_report(std::cout, facts, checks);
    return std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed; }) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    // A client writing to a connection the gateway has reset must see an error, not die of SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    const std::vector<const char*> args(argv + 1, argv + argc);
    std::optional<SoakOptions> options;
    try {
        options = parse_soak_options(args);
    } catch (const std::exception& e) {
        std::cerr << "soak: " << e.what() << "\n";
        return 2;
    }
    if (!options) {
        std::cout << soak_usage();
        return 0;
    }
    try {
        return run(*options);
    } catch (const std::exception& e) {
        // Nothing was measured: one failed check, so the last line keeps its form.
        std::cout << "soak: could not run: " << e.what() << "\n0 passed, 1 failed\n" << std::flush;
        return 1;
    }
}
