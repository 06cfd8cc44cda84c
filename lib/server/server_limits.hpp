#pragma once
#include <chrono>
#include <cstddef>

namespace icg::server {

struct ServerLimits {
    // Client connections open at once; a new one beyond is closed as soon as it is accepted.
    std::size_t max_connections = 10'000;
    std::chrono::milliseconds handshake_timeout{10'000};
    // A connection must send its first byte within a fifth of the handshake deadline.
    std::chrono::milliseconds first_byte_timeout() const noexcept { return handshake_timeout / 5; }
    // TLS handshakes in progress at once; more new connections wait their turn (handshake_gate.hpp).
    // 64 a thread: one core completes ~1,000 a second, and each waits a client round trip.
    std::size_t max_handshakes_in_progress = 64;
    std::chrono::milliseconds read_timeout{30'000};  // a request's header and body, once begun
    std::chrono::milliseconds idle_timeout{60'000};  // between keep-alive requests
    std::chrono::milliseconds write_timeout{30'000};
    std::size_t max_header_bytes = 8 * 1024;
    // Room for body pieces on top of a head: a request body is relayed 16 KiB at a time.
    static constexpr std::size_t body_read_room = 16 * 1024;
    // The most a connection's read buffer holds, whatever a client sends: a head, or a chunk-size
    // line or trailer that never ends, fails at this size instead of growing until the deadline.
    std::size_t max_read_buffer_bytes() const noexcept { return max_header_bytes + 2 * body_read_room; }
    bool access_log = true;
    // The io_context runs on one thread: connections then need no strand of their own.
    bool one_thread = false;
};

}  // namespace icg::server
