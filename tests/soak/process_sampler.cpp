#include "process_sampler.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_set>
#include <utility>

namespace icg::soak {
namespace {

constexpr unsigned long tcp_established = 1;  // TCP_ESTABLISHED in /proc/net/tcp's "st" column

// VmRSS and RssAnon ("VmRSS:  123 kB"); nullopt when the process is gone.
std::optional<std::pair<long, long>> resident_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    std::optional<long> rss, anon;
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:")) rss = std::strtol(line.c_str() + 6, nullptr, 10);
        if (line.starts_with("RssAnon:")) anon = std::strtol(line.c_str() + 8, nullptr, 10);
    }
    if (!rss || !anon) return std::nullopt;
    return std::pair(*rss, *anon);
}

// Descriptor count, and the inodes of the sockets among them ("socket:[12345]").
std::optional<long> descriptors(pid_t pid, std::unordered_set<unsigned long>& socket_inodes) {
    std::error_code ec;
    std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec);
    if (ec) return std::nullopt;
    long count = 0;
    for (const auto& entry : it) {
        ++count;
        std::error_code link_ec;
        const auto target = std::filesystem::read_symlink(entry.path(), link_ec).string();
        if (!link_ec && target.starts_with("socket:["))
            socket_inodes.insert(std::strtoul(target.c_str() + 8, nullptr, 10));
    }
    return count;
}

// One row of /proc/<pid>/net/tcp (its network namespace's IPv4 table): addresses as hex
// "ADDR:PORT", the state as a hex code.
struct TcpRow {
    std::string local;
    std::string remote;
    unsigned long state = 0;
    std::string state_code;  // as the table writes it, for states without a name
    unsigned long inode = 0;
};

// Calls `row` for each socket of the table whose inode is one of `inodes` (the process's own).
void for_each_own_tcp_row(pid_t pid, const std::unordered_set<unsigned long>& inodes,
                          const std::function<void(const TcpRow&)>& row) {
    std::ifstream table("/proc/" + std::to_string(pid) + "/net/tcp");
    std::string line;
    std::getline(table, line);  // the column titles
    while (std::getline(table, line)) {
        // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
        std::istringstream fields(line);
        std::string sl, state, queues, timer, retransmits, uid, timeout;
        TcpRow r;
        if (!(fields >> sl >> r.local >> r.remote >> state >> queues >> timer >> retransmits >> uid >> timeout >>
              r.inode))
            continue;
        if (!inodes.contains(r.inode)) continue;
        r.state = std::strtoul(state.c_str(), nullptr, 16);
        r.state_code = state;
        row(r);
    }
}

unsigned long port_of(const std::string& address) {
    const auto colon = address.find(':');
    return colon == std::string::npos ? 0UL : std::strtoul(address.c_str() + colon + 1, nullptr, 16);
}

// The process's sockets with the upstream port as their remote end (both ends of every loopback
// connection are in the table): ESTABLISHED, and not.
std::pair<long, long> upstream_connections(pid_t pid, std::uint16_t port,
                                           const std::unordered_set<unsigned long>& inodes) {
    long established = 0, other = 0;
    for_each_own_tcp_row(pid, inodes, [&](const TcpRow& r) {
        if (port_of(r.remote) == port) ++(r.state == tcp_established ? established : other);
    });
    return {established, other};
}

}  // namespace

std::optional<ProcessSample> sample_process(pid_t pid, std::uint16_t upstream_port) {
    ProcessSample sample;
    std::unordered_set<unsigned long> inodes;
    const auto rss = resident_kib(pid);
    const auto fds = descriptors(pid, inodes);
    // A zombie has no VmRSS and no fd directory: gone as far as serving is concerned.
    if (!rss || !fds) return std::nullopt;
    std::tie(sample.rss_kib, sample.anon_kib) = *rss;
    sample.fds = *fds;
    std::tie(sample.upstream, sample.upstream_closing) = upstream_connections(pid, upstream_port, inodes);
    return sample;
}

std::map<std::string, long> descriptor_kinds(pid_t pid) {
    std::map<std::string, long> kinds;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        std::error_code link_ec;
        const auto target = std::filesystem::read_symlink(entry.path(), link_ec).string();
        if (link_ec) continue;
        // "socket:[123]" and "pipe:[456]" without their inode; paths are all "file".
        const auto bracket = target.find(":[");
        if (target.starts_with("anon_inode:"))
            ++kinds[target];
        else if (bracket != std::string::npos)
            ++kinds[target.substr(0, bracket)];
        else
            ++kinds["file"];
    }
    return kinds;
}

std::map<std::string, long> tcp_sockets(pid_t pid, std::uint16_t own_port, std::uint16_t redis_port,
                                        std::uint16_t upstream_port) {
    static constexpr std::array<const char*, 12> kStates{"?",          "ESTABLISHED", "SYN_SENT",  "SYN_RECV",
                                                         "FIN_WAIT1",  "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
                                                         "CLOSE_WAIT", "LAST_ACK",    "LISTEN",    "CLOSING"};
    std::unordered_set<unsigned long> inodes;
    if (!descriptors(pid, inodes)) return {};
    std::map<std::string, long> out;
    for_each_own_tcp_row(pid, inodes, [&](const TcpRow& r) {
        const std::string state_name = r.state < kStates.size() ? kStates[r.state] : r.state_code;
        std::string peer = "other";
        if (state_name == "LISTEN")
            peer = "listen";
        else if (port_of(r.local) == own_port)
            peer = "client";
        else if (port_of(r.remote) == redis_port)
            peer = "redis";
        else if (port_of(r.remote) == upstream_port)
            peer = "upstream";
        ++out[peer + " " + state_name];
    });
    return out;
}

ProcessSampler::ProcessSampler(pid_t pid, std::uint16_t upstream_port, const RunClock& clock)
    : pid_(pid), upstream_port_(upstream_port), clock_(clock) {}

ProcessSampler::~ProcessSampler() {
    stop();
}

void ProcessSampler::start(std::function<void()> on_death) {
    thread_ = std::jthread([this, on_death = std::move(on_death)](std::stop_token stop) { run(stop, on_death); });
}

void ProcessSampler::stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
}

void ProcessSampler::run(std::stop_token stop, std::function<void()> on_death) {
    for (double next = std::ceil(clock_.now());; next += 1) {
        {
            // Whole seconds of the run, so the samples are evenly spaced whatever a read costs.
            std::unique_lock lock(mutex_);
            wake_.wait_until(lock, stop, clock_.at(next), [] { return false; });
            if (stop.stop_requested()) return;
        }
        auto sample = sample_process(pid_, upstream_port_);
        std::lock_guard lock(mutex_);
        if (!sample) {
            died_at_ = clock_.now();
            break;
        }
        sample->t = clock_.now();
        samples_.push_back(*sample);
    }
    if (on_death) on_death();
}

std::vector<ProcessSample> ProcessSampler::samples() const {
    std::lock_guard lock(mutex_);
    return samples_;
}

std::optional<ProcessSample> ProcessSampler::latest() const {
    std::lock_guard lock(mutex_);
    if (samples_.empty()) return std::nullopt;
    return samples_.back();
}

std::optional<double> ProcessSampler::died_at() const {
    std::lock_guard lock(mutex_);
    return died_at_;
}

}  // namespace icg::soak
