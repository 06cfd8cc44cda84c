#pragma once
// A verified TLS stream to the upstream plus its read buffer. Private to upstream/ and proxy/.
#include "upstream/connection_pool.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>

namespace icg::upstream {

class UpstreamConnection {
public:
    using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

    UpstreamConnection(boost::asio::any_io_executor executor, boost::asio::ssl::context& tls)
        : stream(executor, tls) {}

    Stream stream;
    boost::beast::flat_buffer buffer;
    std::chrono::steady_clock::time_point idle_since{};
    bool reused = false;  // came from the pool: may have been closed by the peer meanwhile
};

}  // namespace icg::upstream
