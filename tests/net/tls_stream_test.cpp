// TlsStream over real loopback TCP and real TLS: both ends are TlsStreams on one event loop,
// the server with the gateway's server context and the client verifying against the test CA.
#include "net/tls_stream.hpp"

#include "net/tls_client_context.hpp"
#include "server/tls_server_context.hpp"
#include "support/certificates.hpp"
#include "support/event_loop.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <array>
#include <numeric>
#include <string>
#include <vector>

namespace icg::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

class TlsStreamTest : public ::testing::Test {
protected:
    TlsStreamTest()
        : server_tls_(server::make_tls_server_context(testing::test_certificates().cert_file.string(),
                                                      testing::test_certificates().key_file.string(), "1.2")),
          client_tls_(net::make_tls_client_context({.ca_file = testing::test_certificates().ca_file.string()})),
          acceptor_(loop_.io(), tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {}

    // A connected, handshaken pair: the client verified "localhost" against the test CA.
    struct Pair {
        std::unique_ptr<TlsStream> client;
        std::unique_ptr<TlsStream> server;
        error_code client_ec;
        error_code server_ec;
    };

    asio::awaitable<Pair> connect_pair(const std::string& peer_name = "localhost") {
        Pair pair;
        pair.client =
            std::make_unique<TlsStream>(loop_.io().get_executor(), client_tls_->native_handle(), TlsRole::client);
        EXPECT_TRUE(net::set_tls_peer_name(pair.client->native_handle(), peer_name));
        tcp::resolver resolver(loop_.io());
        auto endpoints = co_await resolver.async_resolve("127.0.0.1", std::to_string(acceptor_.local_endpoint().port()),
                                                         asio::use_awaitable);
        pair.client->expires_after(5s);
        auto accepting = acceptor_.async_accept(asio::use_awaitable);
        auto connecting = pair.client->connect(endpoints);
        auto both = std::move(accepting) && std::move(connecting);
        auto [socket, connect_ec] = co_await std::move(both);
        EXPECT_FALSE(connect_ec) << connect_ec.message();
        pair.server = std::make_unique<TlsStream>(std::move(socket), server_tls_->native_handle(), TlsRole::server);
        pair.server->expires_after(5s);
        auto handshakes = pair.client->handshake() && pair.server->handshake();
        auto [client_ec, server_ec] = co_await std::move(handshakes);
        pair.client_ec = client_ec;
        pair.server_ec = server_ec;
        co_return pair;
    }

    testing::EventLoop loop_;
    std::shared_ptr<asio::ssl::context> server_tls_;
    std::shared_ptr<asio::ssl::context> client_tls_;
    tcp::acceptor acceptor_;
};

TEST_F(TlsStreamTest, HandshakeVerifiesThePeerAndCarriesGatheredBuffersIntact) {
    auto received = loop_.run([this]() -> asio::awaitable<std::string> {
        Pair pair = co_await connect_pair();
        EXPECT_FALSE(pair.client_ec) << pair.client_ec.message();
        EXPECT_FALSE(pair.server_ec) << pair.server_ec.message();
        EXPECT_EQ(SSL_get_verify_result(pair.client->native_handle()), X509_V_OK);

        // A head and a body in separate buffers, as Beast's serializer hands them over.
        const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
        const std::string body = "hello";
        const std::array<asio::const_buffer, 3> pieces{asio::buffer(head), asio::const_buffer(), asio::buffer(body)};
        auto [write_ec, written] = co_await asio::async_write(*pair.server, pieces, nothrow);
        EXPECT_FALSE(write_ec) << write_ec.message();
        EXPECT_EQ(written, head.size() + body.size());

        std::string into(head.size() + body.size(), '\0');
        auto [read_ec, got] = co_await asio::async_read(*pair.client, asio::buffer(into), nothrow);
        EXPECT_FALSE(read_ec) << read_ec.message();
        into.resize(got);
        co_return into;
    }());
    EXPECT_EQ(received, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
}

TEST_F(TlsStreamTest, AWrongPeerNameFailsTheHandshake) {
    auto ec = loop_.run([this]() -> asio::awaitable<error_code> {
        Pair pair = co_await connect_pair("not-localhost.example");
        co_return pair.client_ec;
    }());
    EXPECT_TRUE(ec);
    EXPECT_EQ(&ec.category(), &asio::error::get_ssl_category()) << ec.message();
}

TEST_F(TlsStreamTest, EightMebibytesBothWaysUnderBackpressure) {
    constexpr std::size_t size = 8 * 1024 * 1024;
    std::vector<char> data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 131) ^ (i >> 11));
    auto echoed = loop_.run(
        [&]() -> asio::awaitable<std::vector<char>> {
            Pair pair = co_await connect_pair();
            // The server echoes what it reads, in pieces, while the client writes all and reads all.
            auto echo = [&]() -> asio::awaitable<void> {
                std::array<char, 7000> piece;
                std::size_t total = 0;
                while (total < size) {
                    auto [ec, n] = co_await pair.server->async_read_some(asio::buffer(piece), nothrow);
                    if (ec) co_return;
                    auto [wec, w] = co_await asio::async_write(*pair.server, asio::buffer(piece.data(), n), nothrow);
                    if (wec) co_return;
                    total += n;
                }
            };
            std::vector<char> back(size);
            auto send = [&]() -> asio::awaitable<void> {
                co_await asio::async_write(*pair.client, asio::buffer(data), nothrow);
            };
            auto receive = [&]() -> asio::awaitable<void> {
                co_await asio::async_read(*pair.client, asio::buffer(back), nothrow);
            };
            pair.client->expires_after(20s);
            pair.server->expires_after(20s);
            auto all = echo() && send() && receive();
            co_await std::move(all);
            co_return back;
        }(),
        30s);
    ASSERT_EQ(echoed.size(), data.size());
    EXPECT_TRUE(echoed == data);
}

// write_all takes the direct path when the socket takes everything and waits for room when it
// does not: 8 MiB cannot fit in loopback socket buffers while the reader has not started.
TEST_F(TlsStreamTest, WriteAllSendsSmallWritesAtOnceAndLargeOnesUnderBackpressure) {
    constexpr std::size_t size = 8 * 1024 * 1024;
    std::vector<char> data(size);
    for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 37) ^ (i >> 9));
    struct Outcome {
        error_code small_ec, large_ec;
        std::string small;
        std::vector<char> large;
    };
    Outcome outcome = loop_.run(
        [&]() -> asio::awaitable<Outcome> {
            Outcome result;
            Pair pair = co_await connect_pair();
            pair.client->expires_after(20s);
            pair.server->expires_after(20s);
            const std::string hello = "GET / HTTP/1.1\r\n\r\n";
            result.small_ec = co_await pair.client->write_all(asio::buffer(hello));
            result.small.resize(hello.size());
            co_await asio::async_read(*pair.server, asio::buffer(result.small), nothrow);

            result.large.resize(size);
            auto send = [&]() -> asio::awaitable<void> {
                result.large_ec = co_await pair.client->write_all(asio::buffer(data));
            };
            auto receive = [&]() -> asio::awaitable<void> {
                co_await asio::async_read(*pair.server, asio::buffer(result.large), nothrow);
            };
            co_await (send() && receive());
            co_return result;
        }(),
        30s);
    EXPECT_FALSE(outcome.small_ec) << outcome.small_ec.message();
    EXPECT_EQ(outcome.small, "GET / HTTP/1.1\r\n\r\n");
    EXPECT_FALSE(outcome.large_ec) << outcome.large_ec.message();
    EXPECT_TRUE(outcome.large == data);
}

TEST_F(TlsStreamTest, AWaitPastTheDeadlineFailsWithTimeout) {
    auto [ec, waited] = loop_.run([this]() -> asio::awaitable<std::pair<error_code, TlsStream::Clock::duration>> {
        Pair pair = co_await connect_pair();
        pair.server->expires_after(150ms);
        const auto started = TlsStream::Clock::now();
        std::array<char, 16> into;
        auto [read_ec, n] = co_await pair.server->async_read_some(asio::buffer(into), nothrow);
        const std::pair<error_code, TlsStream::Clock::duration> outcome(read_ec, TlsStream::Clock::now() - started);
        co_return outcome;
    }());
    EXPECT_EQ(ec, boost::beast::error::timeout) << ec.message();
    EXPECT_GE(waited, 150ms);
    EXPECT_LT(waited, 4s);  // the handshake's later deadline (5 s) does not hold the earlier one back
}

TEST_F(TlsStreamTest, ADeadlineThatPassedWhileNothingWaitedDoesNotFailTheNextRenewedOne) {
    auto result = loop_.run([this]() -> asio::awaitable<std::string> {
        Pair pair = co_await connect_pair();
        // Arm the watchdog with a short deadline, satisfy the read before it, then let it pass.
        pair.server->expires_after(100ms);
        std::array<char, 16> into;
        auto reading = pair.server->async_read_some(asio::buffer(into), asio::use_awaitable);
        auto writing = asio::async_write(*pair.client, asio::buffer("one", 3), asio::use_awaitable);
        auto first_exchange = std::move(reading) && std::move(writing);
        auto [first, ignored] = co_await std::move(first_exchange);
        asio::steady_timer later(loop_.io(), 250ms);
        co_await later.async_wait(asio::use_awaitable);  // the old deadline passes with nothing waiting

        pair.server->expires_after(5s);
        auto reading2 = pair.server->async_read_some(asio::buffer(into), nothrow);
        auto writing2 = asio::async_write(*pair.client, asio::buffer("two", 3), asio::use_awaitable);
        auto second_exchange = std::move(reading2) && std::move(writing2);
        auto [ec, n, ignored2] = co_await std::move(second_exchange);
        EXPECT_FALSE(ec) << ec.message();
        std::string outcome = std::string(into.data(), n) + "/" + std::to_string(first);
        co_return outcome;
    }());
    EXPECT_EQ(result, "two/3");
}

TEST_F(TlsStreamTest, ClosingWithCloseNotifyReadsAsEofAndWithoutItAsTruncation) {
    auto [clean, truncated] = loop_.run([this]() -> asio::awaitable<std::pair<error_code, error_code>> {
        std::array<char, 16> into;
        Pair first = co_await connect_pair();
        co_await first.client->shutdown();
        auto [clean_ec, n1] = co_await first.server->async_read_some(asio::buffer(into), nothrow);

        Pair second = co_await connect_pair();
        second.client->socket().shutdown(tcp::socket::shutdown_send);  // a FIN, no close_notify
        auto [truncated_ec, n2] = co_await second.server->async_read_some(asio::buffer(into), nothrow);
        const std::pair<error_code, error_code> outcome(clean_ec, truncated_ec);
        co_return outcome;
    }());
    EXPECT_EQ(clean, asio::error::eof) << clean.message();
    EXPECT_EQ(truncated, asio::ssl::error::stream_truncated) << truncated.message();
}

// A client's reads wait by receiving into its inbox: the end of the stream must read the same
// there, and bytes beyond the inbox must not be lost.
TEST_F(TlsStreamTest, AClientSeesTheSameEndsAndEveryByteThroughItsInbox) {
    struct Outcome {
        std::string got;
        error_code clean, truncated;
    };
    const std::string sent(10000, 'x');
    Outcome outcome = loop_.run([this, &sent]() -> asio::awaitable<Outcome> {
        Outcome result;
        std::array<char, 16 * 1024> into;
        Pair first = co_await connect_pair();
        // The read starts first, so the bytes arrive while it waits.
        auto [n, written] = co_await (first.client->async_read_some(asio::buffer(into), asio::use_awaitable) &&
                                      asio::async_write(*first.server, asio::buffer(sent), asio::use_awaitable));
        result.got.assign(into.data(), n);
        while (result.got.size() < sent.size()) {
            n = co_await first.client->async_read_some(asio::buffer(into), asio::use_awaitable);
            result.got.append(into.data(), n);
        }
        co_await first.server->shutdown();
        std::tie(result.clean, n) = co_await first.client->async_read_some(asio::buffer(into), nothrow);

        Pair second = co_await connect_pair();
        second.server->socket().shutdown(tcp::socket::shutdown_send);  // a FIN, no close_notify
        std::tie(result.truncated, n) = co_await second.client->async_read_some(asio::buffer(into), nothrow);
        co_return result;
    }());
    EXPECT_EQ(outcome.got, sent);
    EXPECT_EQ(outcome.clean, asio::error::eof) << outcome.clean.message();
    EXPECT_EQ(outcome.truncated, asio::ssl::error::stream_truncated) << outcome.truncated.message();
}

TEST_F(TlsStreamTest, WritingToAResetPeerIsAnErrorNotASignal) {
    auto ec = loop_.run([this]() -> asio::awaitable<error_code> {
        Pair pair = co_await connect_pair();
        pair.client->socket().set_option(asio::socket_base::linger(true, 0));  // close with a reset
        pair.client->socket().close();
        const std::vector<char> chunk(64 * 1024, 'x');
        for (int i = 0; i < 1000; ++i) {
            auto [write_ec, n] = co_await asio::async_write(*pair.server, asio::buffer(chunk), nothrow);
            if (write_ec) co_return write_ec;
        }
        co_return error_code{};
    }());
    EXPECT_TRUE(ec == asio::error::connection_reset || ec == asio::error::broken_pipe) << ec.message();
}

}  // namespace
}  // namespace icg::net
