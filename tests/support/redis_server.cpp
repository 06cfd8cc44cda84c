#include "support/redis_server.hpp"

#include <csignal>

#include "support/certificates.hpp"
#include "support/ports.hpp"

#include "redis/codec.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace icg::testing {

RedisServer::RedisServer(const TempDir& dir, std::uint16_t port, RedisPersistence persistence,
                         std::vector<std::string> extra_args)
    : dir_(dir),
      port_(port ? port : free_port()),
      port_was_chosen_(port == 0),
      persistence_(persistence),
      extra_args_(std::move(extra_args)) {
    start();
}

RedisServer::~RedisServer() {
    stop();
}

std::string RedisServer::url(int database) const {
    return "redis://127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(database);
}

void RedisServer::start() {
    // Only the first start may move: a restart must come back on the port clients know.
    const bool may_move = port_was_chosen_ && starts_ == 0;
    for (int attempt = 1;; ++attempt) {
        try {
            start_once();
            return;
        } catch (const std::runtime_error& e) {
            const bool port_taken = std::string_view(e.what()).find("Address already in use") != std::string_view::npos;
            if (!port_taken || !may_move || attempt >= 3) throw;
            port_ = free_port();
        }
    }
}

void RedisServer::start_once() {
    if (process_) return;
    ++starts_;
    ProcessOptions options;
    options.name = "redis-server:" + std::to_string(port_);
    options.log_file = dir_ / ("redis-" + std::to_string(port_) + "-" + std::to_string(starts_) + ".log");
    std::vector<std::string> args{"--port", std::to_string(port_), "--bind", "127.0.0.1",
                                  "--dir",  dir_.path().string()};
    args.insert(args.end(), {"--save", "", "--logfile", "", "--daemonize", "no"});
    // "always" fsyncs each write before the reply: a session the gateway was told is stored
    // survives the restart, which is what a test of a restart checks.
    if (persistence_ == RedisPersistence::append_only)
        args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", "always"});
    else
        args.insert(args.end(), {"--appendonly", "no"});
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    process_ = std::make_unique<Process>("/usr/bin/redis-server", std::move(args), options);
    if (!process_->wait_for_output("Ready to accept connections", std::chrono::seconds(15))) {
        const auto output = process_->output();
        process_.reset();
        throw std::runtime_error("redis-server on port " + std::to_string(port_) + " did not start:\n" + output);
    }
}

std::vector<std::string> redis_tls_args(std::uint16_t tls_port, bool require_client_certificates) {
    const auto& certificates = test_certificates();
    return {"--tls-port",         std::to_string(tls_port),
            "--tls-cert-file",    certificates.cert_file.string(),
            "--tls-key-file",     certificates.key_file.string(),
            "--tls-ca-cert-file", certificates.ca_file.string(),
            "--tls-auth-clients", require_client_certificates ? "yes" : "no"};
}

void RedisServer::stop() {
    if (!process_) return;
    process_->stop();
    process_.reset();
}

void RedisServer::kill() {
    if (!process_) return;
    process_->send_signal(SIGKILL);
    process_->wait_for_exit(std::chrono::seconds(10));
    process_.reset();
}

void RedisServer::pause() {
    if (!process_ || !process_->send_signal(SIGSTOP)) throw std::runtime_error("redis-server could not be paused");
}

void RedisServer::resume() {
    if (!process_ || !process_->send_signal(SIGCONT)) throw std::runtime_error("redis-server could not be resumed");
}

namespace {

RedisValue convert(const redis::Reply& r) {
    RedisValue v;
    switch (r.type) {
        case redis::Reply::Type::nil:
            v.type = RedisValue::Type::nil;
            break;
        case redis::Reply::Type::string:
            v.type = RedisValue::Type::string;
            break;
        case redis::Reply::Type::status:
            v.type = RedisValue::Type::status;
            break;
        case redis::Reply::Type::error:
            v.type = RedisValue::Type::error;
            break;
        case redis::Reply::Type::integer:
            v.type = RedisValue::Type::integer;
            break;
        case redis::Reply::Type::array:
            v.type = RedisValue::Type::array;
            break;
    }
    v.text = r.text;
    v.integer = r.integer;
    for (const auto& e : r.elements) v.elements.push_back(convert(e));
    return v;
}

}  // namespace

RedisProbe::RedisProbe(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(strerror(errno)));
    timeval deadline{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &deadline, sizeof deadline);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        const std::string why = strerror(errno);
        ::close(fd_);
        throw std::runtime_error("cannot connect to Redis on port " + std::to_string(port) + ": " + why);
    }
}

RedisProbe::~RedisProbe() {
    if (fd_ >= 0) ::close(fd_);
}

RedisValue RedisProbe::command(const std::vector<std::string>& args) {
    const std::string bytes = redis::format_command(args);
    for (std::size_t sent = 0; sent < bytes.size();) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error("send to Redis failed: " + std::string(strerror(errno)));
        sent += std::size_t(n);
    }
    redis::ReplyReader reader;
    redis::Reply reply;
    for (;;) {
        const auto status = reader.next(reply);
        if (status == redis::ReplyReader::Status::reply) return convert(reply);
        if (status == redis::ReplyReader::Status::protocol_error) throw std::runtime_error("Redis protocol error");
        char chunk[16384];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0)
            throw std::runtime_error("no reply from Redis: " + std::string(n == 0 ? "closed" : strerror(errno)));
        reader.feed({chunk, std::size_t(n)});
    }
}

std::vector<std::string> RedisProbe::keys(const std::string& pattern) {
    auto reply = command({"KEYS", pattern});
    std::vector<std::string> out;
    for (const auto& e : reply.elements) out.push_back(e.text);
    return out;
}

std::optional<std::string> RedisProbe::get(const std::string& key) {
    auto reply = command({"GET", key});
    if (reply.type != RedisValue::Type::string) return std::nullopt;
    return reply.text;
}

long long RedisProbe::ttl(const std::string& key) {
    return command({"TTL", key}).integer;
}

bool RedisProbe::exists(const std::string& key) {
    return command({"EXISTS", key}).integer == 1;
}

}  // namespace icg::testing
