#pragma once
// What a soak run found, the checks that decide whether it passed, and the report: plain text
// for people (ending with "N passed, N failed") and, when asked, JSON for tools.
#include "fault_injector.hpp"
#include "fault_schedule.hpp"
#include "process_sampler.hpp"
#include "request_log.hpp"
#include "soak_options.hpp"

#include <sys/types.h>

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace icg::soak {

// Answers whose request was in flight up to this long after a window ended still count as the
// fault's: the gateway finishes what it had begun (a 504 comes response_timeout after the send).
inline constexpr double kWindowGrace = 2.0;

struct SoakFacts {
    SoakOptions options;
    double warmup = 0;       // seconds; the trend is measured after it
    double traffic_end = 0;  // when the last loop stopped
    pid_t gateway_pid = 0;
    std::uint16_t gateway_port = 0;
    std::uint16_t mock_port = 0;
    std::uint16_t redis_port = 0;
    int max_upstream_connections = 0;  // the gateway's proxy.max_connections
    std::uint64_t logins = 0;
    std::uint64_t logouts = 0;

    std::vector<ProcessSample> samples;
    std::optional<ProcessSample> before_traffic;  // the idle gateway, just before the first request
    std::optional<ProcessSample> after_traffic;   // once it had let go of its upstream connections
    std::map<std::string, long> fds_before;       // descriptor kinds at those two moments
    std::map<std::string, long> fds_after;
    std::map<std::string, long> sockets_before;  // TCP sockets by peer and state at those moments
    std::map<std::string, long> sockets_after;
    std::optional<double> idle_after;  // seconds from the traffic's end until then
    double idle_seconds_waited = 0;    // how long it was waited for
    std::optional<double> gateway_died_at;
    std::optional<std::string> gateway_exit;  // how it ended after SIGTERM; nullopt: still fine
    bool gateway_exit_clean = false;
    std::string gateway_output_tail;  // the last lines it printed, when it did not exit cleanly

    std::size_t faults_planned = 0;
    std::vector<FaultWindow> windows;
    std::vector<RedisRestartResult> redis_restarts;
    std::vector<std::string> fault_errors;

    std::array<KindTotals, kRequestKinds> requests{};
    std::vector<Incident> incidents;
};

struct Trend {
    std::size_t points = 0;
    double rss_kib_per_min = 0;
    double anon_kib_per_min = 0;
    double fds_per_min = 0;
    long max_upstream = 0;
    long rss_first_kib = 0;  // mean of the first and last ten samples after warm-up
    long rss_last_kib = 0;
};
std::optional<Trend> trend_after(const std::vector<ProcessSample>& samples, double warmup);

struct Check {
    std::string name;
    bool passed = false;
    std::string detail;
};
std::vector<Check> evaluate(const SoakFacts& facts);
// What the run saw that is worth saying but decides nothing.
std::vector<std::string> notes(const SoakFacts& facts);

void print_report(std::ostream& out, const SoakFacts& facts, const std::vector<Check>& checks);
void write_json(const std::filesystem::path& file, const SoakFacts& facts, const std::vector<Check>& checks);

}  // namespace icg::soak
