#pragma once
// A verified TLS stream to the upstream plus its read buffer. Private to upstream/ and proxy/.
#include "net/tls_stream.hpp"
#include "upstream/connection_pool.hpp"

#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <span>

namespace icg::upstream {

// A connection's place in the pool's bound: given back when the connection ends, however it ends.
class PoolSlot {
public:
    PoolSlot() = default;
    explicit PoolSlot(std::function<void()> give_back) : give_back_(std::move(give_back)) {}
    PoolSlot(const PoolSlot&) = delete;
    PoolSlot& operator=(const PoolSlot&) = delete;
    ~PoolSlot() {
        if (give_back_) give_back_();
    }

private:
    std::function<void()> give_back_;
};

class UpstreamConnection {
public:
    using Stream = net::TlsStream;

    UpstreamConnection(boost::asio::any_io_executor executor, ssl_ctx_st* tls, std::function<void()> give_back_slot)
        : slot(std::move(give_back_slot)), stream(std::move(executor), tls, net::TlsRole::client) {}

    PoolSlot slot;  // first, so it is given back after the stream is gone
    Stream stream;
    // An answer's head, or a chunk-size line or trailer, that outgrows this fails as bad framing
    // instead of growing without bound.
    static constexpr std::size_t max_head_bytes = 16 * 1024;
    boost::beast::flat_buffer buffer{max_head_bytes + 2 * 16 * 1024};
    // Streamed bodies are relayed through this, so relay memory grows with upstream connections
    // (bounded), not with client connections. Made on first use: a connection that only ever
    // carried small answers holds none.
    static constexpr std::size_t relay_size = 16 * 1024;
    std::span<char> relay_buffer() {
        if (!relay_) relay_ = std::make_unique_for_overwrite<char[]>(relay_size);
        return {relay_.get(), relay_size};
    }
    std::chrono::steady_clock::time_point idle_since{};
    bool reused = false;              // came from the pool: may have been closed by the peer meanwhile
    bool session_remembered = false;  // its TLS session was offered to the session cache

private:
    std::unique_ptr<char[]> relay_;
};

}  // namespace icg::upstream
