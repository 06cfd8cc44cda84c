#pragma once
// redis://[user:password@]host:port/db (rediss:// for TLS), parsed once at start-up.
#include "core/secret.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace icg::redis {

struct RedisEndpoint {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string username;   // empty: AUTH with the password only (default user)
    core::Secret password;  // empty: no AUTH
    int database = 0;
    bool tls = false;  // rediss://

    // The URL with the password replaced, for logs and --check-config.
    std::string redacted() const;
};

// nullopt on a malformed URL, with the reason (never the password) in *error when given.
std::optional<RedisEndpoint> parse_redis_url(std::string_view url, std::string* error);

}  // namespace icg::redis
