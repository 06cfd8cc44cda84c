#pragma once
// A real redis-server on 127.0.0.1 for one test, without persistence unless asked; it can be
// stopped and started again on the same port to test outages.
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace icg::testing {

// none: the data is lost on every stop. append_only: every write is in the append-only file in
// the test's directory, fsynced before Redis answers, so a stop and start keeps every key.
enum class RedisPersistence { none, append_only };

class RedisServer {
public:
    // `extra_args` go on redis-server's command line after ours (TLS, ACL files, replicaof).
    explicit RedisServer(const TempDir& dir, std::uint16_t port = 0,  // 0: a free port
                         RedisPersistence persistence = RedisPersistence::none,
                         std::vector<std::string> extra_args = {});
    ~RedisServer();

    std::uint16_t port() const noexcept { return port_; }
    std::string url(int database = 0) const;
    bool running() const noexcept { return process_ != nullptr; }

    void start();  // waits for "Ready to accept connections"
    void stop();   // SIGTERM and wait; Redis closes every client connection
    void kill();   // SIGKILL and wait: a crash, with whatever was not yet replicated lost
    // SIGSTOP / SIGCONT: a stall, as in a long fork or a stuck disk; connections stay open unanswered.
    void pause();
    void resume();

private:
    void start_once();

    const TempDir& dir_;
    std::uint16_t port_;
    bool port_was_chosen_;  // a free port we picked, which may be taken by the time Redis binds
    RedisPersistence persistence_;
    std::vector<std::string> extra_args_;
    int starts_ = 0;
    std::unique_ptr<Process> process_;
};

// TLS on `tls_port` beside the plain port (which RedisProbe uses), with the test certificate for
// localhost / 127.0.0.1; client certificates from the test CA are required when
// `require_client_certificates`.
std::vector<std::string> redis_tls_args(std::uint16_t tls_port, bool require_client_certificates);

// A blocking RESP client with deadlines, for looking into Redis from a test.
struct RedisValue {
    enum class Type { nil, string, status, error, integer, array } type = Type::nil;
    std::string text;
    long long integer = 0;
    std::vector<RedisValue> elements;
};

class RedisProbe {
public:
    explicit RedisProbe(std::uint16_t port);
    ~RedisProbe();
    RedisProbe(const RedisProbe&) = delete;
    RedisProbe& operator=(const RedisProbe&) = delete;

    // Throws std::runtime_error on a network error or timeout.
    RedisValue command(const std::vector<std::string>& args);
    std::vector<std::string> keys(const std::string& pattern);
    std::optional<std::string> get(const std::string& key);
    long long ttl(const std::string& key);
    bool exists(const std::string& key);

private:
    int fd_ = -1;
    std::string pending_;
};

}  // namespace icg::testing
