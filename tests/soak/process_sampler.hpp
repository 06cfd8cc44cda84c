#pragma once
// Reads the gateway's footprint from /proc once a second on a thread of its own: resident memory,
// open descriptors, and established TCP connections to the upstream (the mock's port).
#include "run_clock.hpp"

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace icg::soak {

struct ProcessSample {
    double t = 0;                // seconds into the run
    long rss_kib = -1;           // VmRSS
    long anon_kib = -1;          // RssAnon: VmRSS without the pages mapped from files (the binary's code)
    long fds = -1;               // entries of /proc/<pid>/fd
    long upstream = -1;          // ESTABLISHED TCP connections of the process to the upstream port
    long upstream_closing = -1;  // its other sockets to that port (CLOSE_WAIT: closed by the peer, not yet by it)
};

// One reading; nullopt when the process is gone (its /proc entry cannot be read).
std::optional<ProcessSample> sample_process(pid_t pid, std::uint16_t upstream_port);

// The process's descriptors by kind: "socket", "pipe", "anon_inode:[eventfd]", "file", ...
std::map<std::string, long> descriptor_kinds(pid_t pid);

// The process's TCP sockets by peer and state, "client ESTABLISHED", "redis CLOSE_WAIT", ...:
// "client" for connections to `own_port` (accepted ones), "redis" and "upstream" by remote port,
// "listen" for listeners, "other" for the rest.
std::map<std::string, long> tcp_sockets(pid_t pid, std::uint16_t own_port, std::uint16_t redis_port,
                                        std::uint16_t upstream_port);

class ProcessSampler {
public:
    ProcessSampler(pid_t pid, std::uint16_t upstream_port, const RunClock& clock);
    ~ProcessSampler();
    ProcessSampler(const ProcessSampler&) = delete;
    ProcessSampler& operator=(const ProcessSampler&) = delete;

    // Samples at whole seconds of the run until stop(); `on_death` runs once if the process vanishes.
    void start(std::function<void()> on_death);
    void stop();

    std::vector<ProcessSample> samples() const;
    std::optional<ProcessSample> latest() const;
    std::optional<double> died_at() const;

private:
    void run(std::stop_token stop, std::function<void()> on_death);

    const pid_t pid_;
    const std::uint16_t upstream_port_;
    const RunClock& clock_;
    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    std::vector<ProcessSample> samples_;
    std::optional<double> died_at_;
    std::jthread thread_;
};

}  // namespace icg::soak
