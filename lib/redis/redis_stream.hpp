#pragma once
// One connection to a Redis server, over plain TCP or TLS (net::TlsStream: verification against
// the system CAs plus redis.ca_file, the host name checked and sent as SNI, an optional client
// certificate). The command client and the invalidation listener read and write through it and
// never know which. Beast and OpenSSL stay in redis_stream.cpp.
#include "net/resolve_within.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace boost::asio::ssl {
class context;
}

namespace icg::redis {

class RedisStream {
public:
    // Plain TCP when `tls` is null; otherwise TLS, with `peer_name` (a host name or an IP
    // literal) as the name the server's certificate must carry.
    RedisStream(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
                const std::string& peer_name);
    ~RedisStream();
    RedisStream(const RedisStream&) = delete;
    RedisStream& operator=(const RedisStream&) = delete;

    // Connects to the first address that answers, then (TLS) completes the handshake, all
    // within `timeout`. On a failed handshake `why` says what the certificate check found.
    boost::asio::awaitable<boost::system::error_code> connect(const net::ResolveResults& addresses,
                                                              std::chrono::milliseconds timeout, std::string& why);

    // The deadline for the operations that wait next; they then fail with a timeout.
    void expires_after(std::chrono::milliseconds timeout);
    void expires_never();

    boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>> read_some(
        boost::asio::mutable_buffer into);
    boost::asio::awaitable<boost::system::error_code> write(boost::asio::const_buffer data);

    // Ends the connection at once; operations waiting on it fail.
    void close() noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace icg::redis
