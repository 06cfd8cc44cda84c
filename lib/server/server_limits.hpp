#pragma once
#include <chrono>
#include <cstddef>

namespace icg::server {

struct ServerLimits {
    std::chrono::milliseconds handshake_timeout{10'000};
    // TLS handshakes in progress at once; more new connections wait their turn (handshake_gate.hpp).
    // 64 a thread: one core completes ~1,000 a second, and each waits a client round trip.
    std::size_t max_handshakes_in_progress = 64;
    std::chrono::milliseconds read_timeout{30'000};  // a request's header and body, once begun
    std::chrono::milliseconds idle_timeout{60'000};  // between keep-alive requests
    std::chrono::milliseconds write_timeout{30'000};
    std::size_t max_header_bytes = 8 * 1024;
    bool access_log = true;
    // The io_context runs on one thread: connections then need no strand of their own.
    bool one_thread = false;
};

}  // namespace icg::server
