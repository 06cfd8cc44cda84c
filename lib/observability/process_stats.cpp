#include "observability/process_stats.hpp"

#include "observability/gateway_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace icg::observability {
namespace {

// The fields of /proc/self/stat the metrics use; all 0 when it cannot be read.
struct ProcStat {
    double cpu_seconds = 0;
    double start_seconds_after_boot = 0;
    double virtual_bytes = 0;
    double resident_bytes = 0;
};

double boot_time_seconds() {
    std::ifstream in("/proc/stat");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
    return 0;
}

ProcStat read_proc_stat() {
    ProcStat out;
    std::ifstream in("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its
    // last ')'. What follows starts at field 3 (state).
    const auto close = text.rfind(')');
    if (close == std::string::npos) return out;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    const double page = double(sysconf(_SC_PAGESIZE));
    for (int number = 3; fields >> field; ++number) {
        if (number == 14 || number == 15) out.cpu_seconds += std::stod(field) / ticks;  // utime, stime
        if (number == 22) out.start_seconds_after_boot = std::stod(field) / ticks;
        if (number == 23) out.virtual_bytes = std::stod(field);
        if (number == 24) {
            out.resident_bytes = std::stod(field) * page;
            break;
        }
    }
    return out;
}

double open_descriptors() {
    std::error_code ec;
    double count = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++count;
    return count > 0 ? count - 1 : 0;  // less the one this listing holds
}

double max_descriptors() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    return limit.rlim_cur == RLIM_INFINITY ? 0 : double(limit.rlim_cur);
}

}  // namespace

void add_process_metrics(GatewayMetrics& metrics) {
    using Kind = GatewayMetrics::Kind;
    metrics.add_sampled("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", Kind::counter, {},
                        [] { return read_proc_stat().cpu_seconds; });
    metrics.add_sampled("process_resident_memory_bytes", "Resident memory size in bytes.", Kind::gauge, {},
                        [] { return read_proc_stat().resident_bytes; });
    metrics.add_sampled("process_virtual_memory_bytes", "Virtual memory size in bytes.", Kind::gauge, {},
                        [] { return read_proc_stat().virtual_bytes; });
    metrics.add_sampled("process_open_fds", "Open file descriptors.", Kind::gauge, {}, open_descriptors);
    metrics.add_sampled("process_max_fds", "The limit on open file descriptors.", Kind::gauge, {}, max_descriptors);
    // Read once: /proc/stat (the boot time) is not read again at each scrape.
    const double started = boot_time_seconds() + read_proc_stat().start_seconds_after_boot;
    metrics.add_sampled("process_start_time_seconds", "Start time of the process since the epoch, in seconds.",
                        Kind::gauge, {}, [started] { return started; });
}

}  // namespace icg::observability
