// The HTTPS server's contract, seen from a client: health, limits, framing, keep-alive, shutdown.
#include "gateway_fixture.hpp"
#include "support/admin_client.hpp"
#include "support/eventually.hpp"
#include "support/time_scale.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <signal.h>

#include <chrono>
#include <vector>

namespace icg::testing {
namespace {

using ServerTest = GatewayTest;

std::string status_line(const std::string& raw) {
    return raw.substr(0, raw.find("\r\n"));
}

// More silent TCP connections than there are handshake places (64 per thread; this gateway runs
// two): none of them takes a place, so a real client's handshake is not held up by them. Read
// off the gateway's own gauges rather than timed: a slow machine cannot fail it, and a gateway
// whose silent connections took places shows 128 in progress and 72 waiting.
TEST_F(ServerTest, SilentConnectionsDoNotHoldUpOtherHandshakes) {
    boost::asio::io_context io;
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::address_v4::loopback(), gateway().port());
    std::vector<boost::asio::ip::tcp::socket> silent;
    for (int i = 0; i < 200; ++i) {
        silent.emplace_back(io);
        silent.back().connect(endpoint);
    }
    const auto admin = gateway().admin_port();
    std::string metrics;
    const bool all_accepted = eventually(
        [&] {
            metrics = plain_request(admin, "GET", "/metrics").body;
            return series_value(metrics, R"(intercom_gateway_client_connections{listener="public"})") == 200;
        },
        scaled(std::chrono::milliseconds(5000)));
    ASSERT_TRUE(all_accepted) << metrics;
    EXPECT_EQ(series_value(metrics, R"(intercom_gateway_tls_handshakes_in_progress{listener="public"})"), 0);
    EXPECT_EQ(series_value(metrics, R"(intercom_gateway_tls_handshakes_waiting{listener="public"})"), 0);
    EXPECT_EQ(browser().get("/healthz").status, 200u);
}

TEST_F(ServerTest, HealthzIsOk) {
    auto client = browser();
    EXPECT_EQ(client.get("/healthz").status, 200u);
}

TEST_F(ServerTest, ReadyzIsOkWithRedisUp) {
    auto client = browser();
    EXPECT_EQ(client.get("/readyz").status, 200u);
}

TEST_F(ServerTest, HeaderBlockOver8KiBIs431) {
    const std::string request =
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Filler: " + std::string(std::size_t{9} * 1024, 'a') + "\r\n\r\n";
    const auto answer = raw_exchange(request);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 431")) << status_line(answer);
}

TEST_F(ServerTest, ManySmallHeadersOver8KiBAre431) {
    std::string request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n";
    for (int i = 0; i < 500; ++i) request += "X-H" + std::to_string(i) + ": 0123456789\r\n";
    request += "\r\n";
    const auto answer = raw_exchange(request);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 431")) << status_line(answer);
}

TEST_F(ServerTest, HeaderBlockJustUnderTheLimitIsServed) {
    const std::string request =
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Filler: " + std::string(std::size_t{6} * 1024, 'a') +
        "\r\nConnection: close\r\n\r\n";
    const auto answer = raw_exchange(request);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 200")) << status_line(answer);
}

TEST_F(ServerTest, ContentLengthWithChunkedIs400) {
    const std::string request =
        "POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        "0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
    const auto answer = raw_exchange(request);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 400")) << status_line(answer);
    EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << "the smuggled request must not be answered:\n"
                                                              << answer;
}

TEST_F(ServerTest, ChunkedThenContentLengthIs400) {
    const std::string request =
        "POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
        "0\r\n\r\n";
    const auto answer = raw_exchange(request);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 400")) << status_line(answer);
}

TEST_F(ServerTest, TwoContentLengthsAre400) {
    for (const char* second : {"5", "6"}) {
        const std::string request =
            "POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: " +
            std::string(second) + "\r\n\r\nhello";
        const auto answer = raw_exchange(request);
        EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 400"))
            << "second length " << second << ": " << status_line(answer);
    }
}

TEST_F(ServerTest, CommaSeparatedContentLengthIs400) {
    const std::string request = "POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5, 5\r\n\r\nhello";
    const auto answer = raw_exchange(request);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 400")) << status_line(answer);
}

TEST_F(ServerTest, UnknownTransferEncodingIsRejected) {
    const std::string request =
        "POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n";
    const auto answer = raw_exchange(request);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 4")) << status_line(answer);
    EXPECT_FALSE(status_line(answer).starts_with("HTTP/1.1 2")) << status_line(answer);
}

TEST_F(ServerTest, BodyOver16KiBOnAuthRoutesIs413) {
    auto client = browser();
    const auto response = client.post("/auth/logout", std::string(17 * 1024, 'x'));
    EXPECT_EQ(response.status, 413u) << response.body;
}

TEST_F(ServerTest, ChunkedBodyOver16KiBOnAuthRoutesIs413) {
    std::string request = "POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 17; ++i) request += "400\r\n" + std::string(1024, 'x') + "\r\n";
    request += "0\r\n\r\n";
    const auto answer = raw_exchange(request);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 413")) << status_line(answer);
}

TEST_F(ServerTest, DeclaredBodyOver16KiBIsRefusedBeforeItIsSent) {
    HttpsConnection connection(gateway().port(), certificates().ca_file);
    connection.write_raw("POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n");
    const auto answer = connection.read_until_closed(std::chrono::seconds(10));
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 413")) << status_line(answer);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    HttpsConnection connection(gateway().port(), certificates().ca_file);
    for (const char* target : {"/healthz", "/readyz", "/auth/session", "/", "/healthz"}) {
        const auto response = connection.request("GET", target);
        EXPECT_LT(response.status, 500u) << target;
        EXPECT_TRUE(response.keep_alive) << target;
    }
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
    HttpsConnection connection(gateway().port(), certificates().ca_file);
    connection.write_raw(
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
        "GET /no-such-file HTTP/1.1\r\nHost: localhost\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    const auto answer = connection.read_until_closed(std::chrono::seconds(10));
    const auto first = answer.find("HTTP/1.1 200");
    const auto second = answer.find("HTTP/1.1 404");
    const auto third = answer.find("HTTP/1.1 200", second == std::string::npos ? 0 : second);
    EXPECT_NE(first, std::string::npos) << answer;
    EXPECT_NE(second, std::string::npos) << answer;
    EXPECT_NE(third, std::string::npos) << answer;
    EXPECT_LT(first, second);
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
    HttpsConnection connection(gateway().port(), certificates().ca_file);
    const auto response = connection.request("GET", "/healthz", {{"Connection", "close"}});
    EXPECT_EQ(response.status, 200u);
    EXPECT_FALSE(response.keep_alive);
    EXPECT_TRUE(connection.closed_by_peer(std::chrono::seconds(5)));
}

TEST_F(ServerTest, AbsoluteFormTargetIsRejected) {
    const auto answer = raw_exchange("GET https://evil.example.com/ HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 400")) << status_line(answer);
}

TEST_F(ServerTest, GarbageIsAnswered400) {
    const auto answer = raw_exchange("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_TRUE(answer.empty() || status_line(answer).starts_with("HTTP/1.1 400")) << status_line(answer);
}

TEST_F(ServerTest, SigtermExitsZeroPromptly) {
    auto& g = gateway();
    const auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(g.process().send_signal(SIGTERM));
    const auto status = g.process().wait_for_exit(std::chrono::seconds(5));
    ASSERT_TRUE(status.has_value()) << "the gateway did not exit within 5 s of SIGTERM";
    EXPECT_TRUE(status->success()) << status->describe();
    EXPECT_LT(std::chrono::steady_clock::now() - started, scaled(std::chrono::seconds(3)));
}

TEST_F(ServerTest, SigtermWithAnIdleKeepAliveConnectionStillExitsPromptly) {
    auto& g = gateway();
    HttpsConnection idle(g.port(), certificates().ca_file);
    ASSERT_EQ(idle.request("GET", "/healthz").status, 200u);
    ASSERT_TRUE(g.process().send_signal(SIGTERM));
    const auto status = g.process().wait_for_exit(std::chrono::seconds(5));
    ASSERT_TRUE(status.has_value()) << "an idle keep-alive connection held the gateway open after SIGTERM";
    EXPECT_TRUE(status->success()) << status->describe();
}

}  // namespace
}  // namespace icg::testing
