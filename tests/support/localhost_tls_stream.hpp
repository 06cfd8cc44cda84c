#pragma once
// The connection under both test clients (test_client.cpp, streaming_client.cpp): a blocking TLS
// stream to https://localhost:<port>, verified against the test CA (SNI and host name
// "localhost"), each asynchronous operation run to completion on the calling thread under the
// stream's deadline. Internal to tests/support: it brings in Asio and Beast.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace icg::testing {

struct LocalhostTlsStream {
    // Connects and completes the TLS handshake; throws std::runtime_error otherwise. `prepare` sees
    // the connection before it connects (a client certificate, a session to resume).
    LocalhostTlsStream(std::uint16_t to_port, const std::filesystem::path& ca_file, std::chrono::milliseconds deadline,
                       const std::function<void(SSL*)>& prepare = {})
        : port(to_port), timeout(deadline) {
        namespace ssl = boost::asio::ssl;
        tls.load_verify_file(ca_file.string());
        tls.set_verify_mode(ssl::verify_peer);
        stream.emplace(io, tls);
        if (!SSL_set_tlsext_host_name(stream->native_handle(), "localhost")) throw std::runtime_error("cannot set SNI");
        stream->set_verify_callback(ssl::host_name_verification("localhost"));
        if (prepare) prepare(stream->native_handle());

        arm();
        const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::address_v4::loopback(), port);
        if (auto ec = run([&](auto h) { stream->next_layer().async_connect(endpoint, h); })) fail("connect", ec);
        arm();
        if (auto ec = run([&](auto h) { stream->async_handshake(ssl::stream_base::client, h); }))
            fail("TLS handshake", ec);
    }

    // Runs one asynchronous operation to completion on this thread; the tcp_stream deadline bounds it.
    template <typename Start>
    boost::system::error_code run(Start start) {
        boost::system::error_code result = boost::asio::error::timed_out;
        bool done = false;
        start([&](boost::system::error_code ec, auto&&...) {
            result = ec;
            done = true;
        });
        io.restart();
        io.run();
        return done ? result : boost::system::error_code(boost::asio::error::timed_out);
    }

    void arm() { arm(timeout); }
    void arm(std::chrono::milliseconds t) { stream->next_layer().expires_after(t); }

    [[noreturn]] void fail(const std::string& what, boost::system::error_code ec) const {
        throw std::runtime_error("https://localhost:" + std::to_string(port) + ": " + what + ": " + ec.message());
    }

    boost::asio::io_context io;
    boost::asio::ssl::context tls{boost::asio::ssl::context::tls_client};
    std::optional<boost::asio::ssl::stream<boost::beast::tcp_stream>> stream;
    boost::beast::flat_buffer buffer;
    std::uint16_t port;
    std::chrono::milliseconds timeout;
};

}  // namespace icg::testing
