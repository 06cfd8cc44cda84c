// PooledUpstreamClient against an upstream that misbehaves on purpose: a raw TLS server in the
// test sends an answer whose head, chunk-size line or trailer never ends, or folds a header line.
// Each call fails as bad framing (the proxy answers 502) once the connection's buffer limit is
// reached, never by buffering until the deadline; a well-formed answer from the same server works.
#include "net/tls_client_context.hpp"
#include "server/tls_server_context.hpp"
#include "support/certificates.hpp"
#include "support/event_loop.hpp"
#include "upstream/connection_pool.hpp"
#include "upstream/pooled_upstream_client.hpp"
#include "upstream/upstream_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <string>

namespace icg::upstream {
namespace {

namespace asio = boost::asio;
namespace t = icg::testing;
using asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// What the call came to: the first error, and the body bytes read before it.
struct Outcome {
    error_code ec;
    std::string body;
};

class MisbehavingUpstreamTest : public ::testing::Test {
protected:
    MisbehavingUpstreamTest()
        : server_tls_(server::make_tls_server_context(t::test_certificates().cert_file.string(),
                                                      t::test_certificates().key_file.string(), "1.2")),
          acceptor_(loop_.io(), tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
          pool_(loop_.io().get_executor(),
                net::make_tls_client_context({.ca_file = t::test_certificates().ca_file.string()}),
                {.host = "localhost",
                 .port = std::to_string(acceptor_.local_endpoint().port()),
                 .max_idle = 1,
                 .max_connections = 1,
                 .idle_timeout = 30s,
                 .connect_timeout = 5s,
                 .handshake_timeout = 5s}),
          client_(pool_) {}

    // Serves one connection: reads the request's head, sends `answer`, then `flood` bytes of
    // `filler` in 16 KiB writes until they are all sent or the client has gone.
    asio::awaitable<void> serve_once(std::string answer, char filler, std::size_t flood) {
        asio::ssl::stream<tcp::socket> stream(co_await acceptor_.async_accept(asio::use_awaitable), *server_tls_);
        auto [handshake_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
        if (handshake_ec) co_return;
        asio::streambuf request;
        auto [read_ec, n] = co_await asio::async_read_until(stream, request, "\r\n\r\n", nothrow);
        if (read_ec) co_return;
        if (auto [ec, sent] = co_await asio::async_write(stream, asio::buffer(answer), nothrow); ec) co_return;
        const std::string piece(16 * 1024, filler);
        for (std::size_t sent = 0; sent < flood; sent += piece.size())
            if (auto [ec, written] = co_await asio::async_write(stream, asio::buffer(piece), nothrow); ec) co_return;
    }

    // GET /me through the pool: the head, then the body to its end.
    asio::awaitable<Outcome> call() {
        Outcome outcome;
        http::Headers fields;
        fields.add("Host", "localhost");
        const RequestHead head{.method = "GET", .target = "/me", .fields = fields};
        // Deadlines far longer than the limits need: an unbounded read would end in a timeout.
        auto started = co_await client_.start(head, {.response = 5s, .idle_body = 5s});
        if (!started) {
            outcome.ec = started.error();
            co_return outcome;
        }
        auto& upstream = **started;
        if ((outcome.ec = co_await upstream.read_head())) co_return outcome;
        while (!upstream.body_done()) {
            auto got = co_await upstream.read_body(upstream.relay_buffer());
            if (!got) {
                outcome.ec = got.error();
                break;
            }
            outcome.body.append(upstream.relay_buffer().data(), *got);
        }
        co_return outcome;
    }

    Outcome exchange(const std::string& answer, char filler = 'x', std::size_t flood = 0) {
        return loop_.run(
            [this, answer, filler, flood]() -> asio::awaitable<Outcome> {
                co_return co_await (serve_once(answer, filler, flood) && call());
            }(),
            30s);
    }

    t::EventLoop loop_;
    std::shared_ptr<asio::ssl::context> server_tls_;
    tcp::acceptor acceptor_;
    ConnectionPool pool_;
    PooledUpstreamClient client_;
};

constexpr std::size_t four_mebibytes = 4 * 1024 * 1024;

TEST_F(MisbehavingUpstreamTest, AWellFormedAnswerFromTheSameServerIsRead) {
    const auto outcome = exchange("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    EXPECT_FALSE(outcome.ec) << outcome.ec.message();
    EXPECT_EQ(outcome.body, "ok");
}

TEST_F(MisbehavingUpstreamTest, AHeadThatNeverEndsIsBadFraming) {
    const auto outcome = exchange("HTTP/1.1 200 OK\r\nX-Long: ", 'a', four_mebibytes);
    EXPECT_EQ(outcome.ec, UpstreamErrc::bad_framing) << outcome.ec.message();
}

// Beast 1.81 bounds neither a chunk-size line nor a trailer section: the connection's buffer does.
TEST_F(MisbehavingUpstreamTest, AnEndlessChunkExtensionIsBadFraming) {
    const auto outcome = exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;ext=", 'e', four_mebibytes);
    EXPECT_EQ(outcome.ec, UpstreamErrc::bad_framing) << outcome.ec.message();
}

TEST_F(MisbehavingUpstreamTest, AnEndlessTrailerIsBadFraming) {
    const auto outcome =
        exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: ", 't', four_mebibytes);
    EXPECT_EQ(outcome.ec, UpstreamErrc::bad_framing) << outcome.ec.message();
}

TEST_F(MisbehavingUpstreamTest, AFoldedHeaderLineIsBadFraming) {
    const auto outcome = exchange("HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 2\r\n\r\nok");
    EXPECT_EQ(outcome.ec, UpstreamErrc::bad_framing) << outcome.ec.message();
}

}  // namespace
}  // namespace icg::upstream
