#pragma once
// Plain TCP with the same surface the server uses on TlsStream (deadlines, Beast's reads and
// writes, write_all, shutdown), so one connection implementation serves both: a plain listener on
// loopback for services and sidecars, an admin listener, a gateway behind a TLS-terminating proxy.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

namespace icg::net {

class PlainStream : public boost::beast::tcp_stream {
public:
    explicit PlainStream(boost::asio::ip::tcp::socket socket) : boost::beast::tcp_stream(std::move(socket)) {}

    // All of `data`, within the current deadline.
    boost::asio::awaitable<boost::system::error_code> write_all(boost::asio::const_buffer data);
    // Ends the sending side, so the peer reads an orderly end; errors are of no interest then.
    boost::asio::awaitable<void> shutdown();
};

}  // namespace icg::net
