// The server's connection code over plain TCP: the same requests, keep-alive, limits and drain as
// over TLS, for the loopback listeners (services, admin) that speak plain HTTP.
#include "server/handler.hpp"
#include "server/http_server.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace icg::server {
namespace {

namespace asio = boost::asio;

class EchoPathHandler final : public Handler {
public:
    std::size_t body_limit(std::string_view, std::string_view) const override { return 1024; }
    asio::awaitable<http::Response> handle(http::Request& request) override {
        http::Response r;
        r.status = 200;
        r.headers.add("Content-Type", "text/plain");
        r.body = std::string(request.method) + " " + std::string(request.path()) + " " + request.body;
        co_return r;
    }
};

class PlainListenerTest : public ::testing::Test {
protected:
    PlainListenerTest() : server(io, nullptr, handler, ServerLimits{}) {
        port = server.listen("127.0.0.1", 0);
        server.start();
        thread = std::thread([this] { io.run(); });
    }
    ~PlainListenerTest() override {
        io.stop();
        thread.join();
    }

    // Writes `bytes` on a new connection and reads until the server closes it.
    std::string exchange(const std::string& bytes) {
        asio::io_context client_io;
        asio::ip::tcp::socket socket(client_io);
        socket.connect({asio::ip::address_v4::loopback(), port});
        asio::write(socket, asio::buffer(bytes));
        std::string answer;
        boost::system::error_code ec;
        char buffer[4096];
        for (;;) {
            const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
            answer.append(buffer, n);
            if (ec) break;
        }
        return answer;
    }

    asio::io_context io{1};
    EchoPathHandler handler;
    HttpServer server;
    std::uint16_t port = 0;
    std::thread thread;
};

TEST_F(PlainListenerTest, ServesKeepAliveRequestsOverPlainTcp) {
    const auto answer = exchange(
        "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
        "POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    const auto first = answer.find("HTTP/1.1 200");
    ASSERT_NE(first, std::string::npos) << answer;
    EXPECT_NE(answer.find("GET /first "), std::string::npos) << answer;
    EXPECT_NE(answer.find("HTTP/1.1 200", first + 1), std::string::npos) << answer;
    EXPECT_NE(answer.find("POST /second hello"), std::string::npos) << answer;
}

TEST_F(PlainListenerTest, HoldsPlainConnectionsToTheSameFramingRules) {
    const auto answer = exchange("GET /x HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
}

}  // namespace
}  // namespace icg::server
