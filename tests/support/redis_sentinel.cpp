#include "support/redis_sentinel.hpp"

#include "support/certificates.hpp"
#include "support/ports.hpp"
#include "support/redis_server.hpp"

#include <fstream>
#include <stdexcept>

namespace icg::testing {

namespace {

// A field of SENTINEL MASTER's flat name/value array.
std::optional<std::string> field(const RedisValue& reply, const std::string& name) {
    for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
        if (reply.elements[i].text == name) return reply.elements[i + 1].text;
    return std::nullopt;
}

}  // namespace

RedisSentinel::RedisSentinel(const TempDir& dir, const SentinelWatch& watch) : watch_(watch), port_(free_port()) {
    const auto name = "sentinel-" + std::to_string(port_);
    const auto config = dir / (name + ".conf");
    std::ofstream(config) << "port " << port_ << "\nbind 127.0.0.1\ndaemonize no\nlogfile \"\"\n"
                          << "dir " << dir.path().string() << "\n"
                          << "sentinel monitor " << watch.master_name << " 127.0.0.1 " << watch.master_port << " "
                          << watch.quorum << "\n"
                          << "sentinel down-after-milliseconds " << watch.master_name << " " << watch.down_after.count()
                          << "\n"
                          << "sentinel failover-timeout " << watch.master_name << " 10000\n"
                          << "sentinel parallel-syncs " << watch.master_name << " 1\n";
    if (!watch.password.empty())
        std::ofstream(config, std::ios::app)
            << "requirepass " << watch.password << "\nsentinel sentinel-pass " << watch.password << "\n";
    if (watch.tls) {
        tls_port_ = free_port();
        const auto& certificates = test_certificates();
        std::ofstream(config, std::ios::app)
            << "tls-port " << tls_port_ << "\ntls-cert-file " << certificates.cert_file.string() << "\ntls-key-file "
            << certificates.key_file.string() << "\ntls-ca-cert-file " << certificates.ca_file.string()
            << "\ntls-auth-clients no\ntls-replication yes\n";
    }
    ProcessOptions options;
    options.name = name;
    options.log_file = dir / (name + ".log");
    process_ = std::make_unique<Process>("/usr/bin/redis-sentinel", std::vector<std::string>{config.string()}, options);
    if (!process_->wait_for_output("+monitor master " + watch.master_name, std::chrono::seconds(15)))
        throw std::runtime_error(name + " did not start:\n" + process_->output());
}

RedisSentinel::~RedisSentinel() {
    process_->stop();
}

RedisValue RedisSentinel::ask(const std::vector<std::string>& command) {
    RedisProbe probe(port_);
    if (!watch_.password.empty()) probe.command({"AUTH", watch_.password});
    return probe.command(command);
}

int RedisSentinel::other_sentinels() {
    const auto reply = ask({"SENTINEL", "MASTER", watch_.master_name});
    return std::stoi(field(reply, "num-other-sentinels").value_or("0"));
}

int RedisSentinel::replicas() {
    const auto reply = ask({"SENTINEL", "MASTER", watch_.master_name});
    return std::stoi(field(reply, "num-slaves").value_or("0"));
}

std::optional<std::uint16_t> RedisSentinel::master_port() {
    const auto reply = ask({"SENTINEL", "get-master-addr-by-name", watch_.master_name});
    if (reply.elements.size() != 2) return std::nullopt;
    return static_cast<std::uint16_t>(std::stoi(reply.elements[1].text));
}

}  // namespace icg::testing
