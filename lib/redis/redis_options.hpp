#pragma once
// The deadlines and back-off of every connection to Redis.
#include "net/resolve_within.hpp"

#include <chrono>

namespace icg::redis {

struct RedisOptions {
    // Each step of opening a connection (the server's location, the host name lookup, the TCP
    // connect, the TLS handshake, the AUTH/SELECT/ROLE answers) keeps to connect_timeout.
    std::chrono::milliseconds connect_timeout{1'000};
    // How long a reply may take once it is the next one due on the connection.
    std::chrono::milliseconds command_timeout{500};
    std::chrono::milliseconds reconnect_min{50};
    std::chrono::milliseconds reconnect_max{2'000};
    // How host names are looked up; empty: the system's resolver. Tests give one that never answers.
    net::Lookup lookup{};
};

}  // namespace icg::redis
