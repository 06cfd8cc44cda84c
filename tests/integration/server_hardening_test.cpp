// What a hostile or broken client meets: faulty framing refused with 400, every read buffer
// bounded, a broken request body answered as the client's fault (never 500), a connection cap that
// says no at once, silent connections dropped early, and a drain that every connection sees.
#include "gateway_fixture.hpp"
#include "support/eventually.hpp"
#include "support/time_scale.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <signal.h>
#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

namespace icg::testing {
namespace {

class ServerHardeningTest : public GatewayTest {
protected:
    // Refused with 400, and the connection closed after the answer (the gateway's idle and read
    // timeouts are far longer than raw_exchange's 10 s, so a close within them is the refusal's).
    void expect_refused_and_closed(const std::string& bytes) {
        bool closed = false;
        const auto answer = raw_exchange(bytes, &closed);
        const std::string line = answer.substr(0, answer.find("\r\n"));
        EXPECT_TRUE(line.starts_with("HTTP/1.1 400")) << bytes << " -> " << line;
        EXPECT_TRUE(closed) << "the connection stayed open after: " << bytes;
    }
};
using namespace std::chrono_literals;

std::string status_line(const std::string& raw) {
    return raw.substr(0, raw.find("\r\n"));
}

// Writes `head` and then `filler` bytes that never end a line, until the gateway answers or closes;
// `closed` says whether it closed the connection (within 10 s: its idle and read timeouts are longer).
std::string flood_after(std::uint16_t port, const std::filesystem::path& ca, const std::string& head,
                        std::size_t filler, bool& closed) {
    HttpsConnection connection(port, ca);
    connection.write_raw(head);
    try {
        for (std::size_t sent = 0; sent < filler; sent += 16 * 1024) connection.write_raw(std::string(16 * 1024, 'e'));
    } catch (const std::exception&) {
        // The gateway stopped reading and closed: what it said before is what counts.
    }
    return connection.read_until_closed(10s, &closed);
}

TEST_F(ServerHardeningTest, ObsoleteLineFoldingIsRefused) {
    for (const std::string folded : {"X-A: one\r\n two\r\n", "X-A: one\r\n\ttwo\r\n", "X-A:\r\n two\r\n"}) {
        bool closed = false;
        const auto answer = raw_exchange("GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + folded + "\r\n", &closed);
        EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 400")) << folded << ": " << status_line(answer);
        EXPECT_NE(answer.find("folding"), std::string::npos) << answer;
        EXPECT_TRUE(closed) << folded << ": the connection stayed open after the 400";
    }
}

TEST_F(ServerHardeningTest, TransferEncodingInHttp10AndAMissingHostAreRefused) {
    expect_refused_and_closed("POST /auth/logout HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    expect_refused_and_closed("GET /healthz HTTP/1.1\r\nAccept: */*\r\n\r\n");
    expect_refused_and_closed("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    const auto answer = raw_exchange("GET /healthz HTTP/1.0\r\n\r\n");  // HTTP/1.0 needs no Host
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 200")) << status_line(answer);
}

// Beast bounds neither a chunk-size line nor a trailer section: the read buffer's maximum does.
TEST_F(ServerHardeningTest, AnEndlessChunkExtensionOrTrailerEndsAt400) {
    const std::string chunked = "POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n";
    bool closed = false;
    auto answer = flood_after(gateway().port(), certificates().ca_file, chunked + "1;ext=", 1024 * 1024, closed);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 400")) << status_line(answer);
    EXPECT_TRUE(closed) << "the connection stayed open after an endless chunk extension";
    closed = false;
    answer =
        flood_after(gateway().port(), certificates().ca_file, chunked + "1\r\na\r\n0\r\nX-T: ", 1024 * 1024, closed);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 400")) << status_line(answer);
    EXPECT_TRUE(closed) << "the connection stayed open after an endless trailer";
    EXPECT_EQ(browser().get("/healthz").status, 200u);
}

TEST_F(ServerHardeningTest, AProxiedBodyThatBreaksIsTheClientsFaultNotA500) {
    auto client = browser();
    login(client);
    const std::string head =
        "POST /intercom/echo/upload HTTP/1.1\r\nHost: localhost\r\nCookie: " + std::string(session_cookie) + "=" +
        client.cookie(session_cookie).value_or("") +
        "\r\nX-CSRF: 1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n";
    for (const std::string& broken : {std::string("5\r\nworldXX\r\n0\r\n\r\n"), std::string("zz\r\n"),
                                      std::string("1;") + std::string(300, 'e') + "\r\na\r\n0\r\n\r\n"}) {
        expect_refused_and_closed(head + broken);
    }
    bool closed = false;
    const auto endless = flood_after(gateway().port(), certificates().ca_file, head + "1;", 1024 * 1024, closed);
    EXPECT_TRUE(status_line(endless).starts_with("HTTP/1.1 400")) << status_line(endless);
    EXPECT_TRUE(closed);
    EXPECT_EQ(gateway().process().output().find("\"status\":500"), std::string::npos) << gateway().process().output();
}

// Found by the soak: a refusal sent before the request body was read advertised keep-alive, and
// the client's next request on that connection then met a closed connection with no answer.
TEST_F(ServerHardeningTest, AnAnswerBeforeTheBodyWasReadSaysTheConnectionCloses) {
    HttpsConnection connection(gateway().port(), certificates().ca_file);
    connection.write_raw(
        "POST /intercom/echo/probe HTTP/1.1\r\nHost: localhost\r\nX-CSRF: 1\r\nContent-Length: 1000\r\n\r\n" +
        std::string(1000, 'b'));
    const auto answer = connection.read_until_closed(10s);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 401")) << status_line(answer);
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
}

TEST_F(ServerHardeningTest, AProxiedBodyThatStallsIs408) {
    start_gateway([](GatewaySettings& s) { s.set("server", "read_timeout", "1s"); });
    auto client = browser();
    login(client);
    HttpsConnection connection(gateway().port(), certificates().ca_file);
    connection.write_raw(
        "POST /intercom/echo/upload HTTP/1.1\r\nHost: localhost\r\nCookie: " + std::string(session_cookie) + "=" +
        client.cookie(session_cookie).value_or("") + "\r\nX-CSRF: 1\r\nContent-Length: 100\r\n\r\nonly ten b");
    const auto answer = connection.read_until_closed(10s);
    EXPECT_TRUE(status_line(answer).starts_with("HTTP/1.1 408")) << status_line(answer);
}

TEST_F(ServerHardeningTest, ConnectionsOverTheCapAreClosedAtOnce) {
    // A long handshake deadline: a connection that sends nothing would be dropped only after a
    // fifth of it (60 s), so the prompt close below can come from the cap alone.
    start_gateway([](GatewaySettings& s) {
        s.set_integer("server", "max_connections", 3);
        s.set("server", "handshake_timeout", "300s");
    });
    std::vector<std::unique_ptr<HttpsConnection>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<HttpsConnection>(gateway().port(), certificates().ca_file));
        ASSERT_EQ(held.back()->request("GET", "/healthz").status, 200u);
    }
    // The fourth is accepted and closed: its client hears "no" at once instead of waiting.
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket extra(io);
    extra.connect({boost::asio::ip::address_v4::loopback(), gateway().port()});
    const auto started = std::chrono::steady_clock::now();
    char byte;
    boost::system::error_code ec;
    boost::asio::read(extra, boost::asio::buffer(&byte, 1), ec);
    EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) << ec.message();
    EXPECT_LT(std::chrono::steady_clock::now() - started, scaled(3s))
        << "refused by the cap, not by the 60 s first-byte timeout";
    // A place comes free when a held connection ends.
    held.pop_back();
    EXPECT_TRUE(eventually(
        [&] {
            try {
                HttpsConnection again(gateway().port(), certificates().ca_file, 2s);
                return again.request("GET", "/healthz").status == 200u;
            } catch (const std::exception&) {
                return false;
            }
        },
        10s));
}

// The descriptor limit that leaves a process exactly `spare` new descriptors: new ones take the
// lowest free numbers, and the limit bounds those numbers, not the count.
rlim_t limit_leaving(pid_t pid, std::size_t spare) {
    std::set<long> open;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
        open.insert(std::stol(entry.path().filename().string()));
    long number = 0;
    for (std::size_t free = 0;; ++number)
        if (!open.contains(number) && ++free == spare) break;
    return static_cast<rlim_t>(number + 1);
}

// Out of descriptors, waiting clients are told no at once (accepted and closed with the reserve
// descriptor) instead of hanging in the backlog, and the gateway serves again once some are free.
TEST_F(ServerHardeningTest, TheAcceptLoopSurvivesRunningOutOfDescriptors) {
    const pid_t pid = gateway().process().pid();
    ASSERT_EQ(browser().get("/healthz").status, 200u);
    // Lower the running gateway's (soft) limit so that it can open about three more descriptors.
    rlimit before{};
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, nullptr, &before), 0) << std::strerror(errno);
    const rlimit low{limit_leaving(pid, 3), before.rlim_max};
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0) << std::strerror(errno);

    // Connections are held open until the descriptors run out (after about three: others may
    // have closed meanwhile); from then on every client is told no quickly, not left to hang.
    std::vector<std::unique_ptr<HttpsConnection>> held;
    int refused = 0;
    for (int attempt = 0; attempt < 20 && refused < 4; ++attempt) {
        const auto started = std::chrono::steady_clock::now();
        try {
            auto connection = std::make_unique<HttpsConnection>(gateway().port(), certificates().ca_file, 5s);
            ASSERT_EQ(connection->request("GET", "/healthz").status, 200u);
            EXPECT_EQ(refused, 0) << "a client was served after others had been refused";
            held.push_back(std::move(connection));
        } catch (const std::exception&) {
            ++refused;
            EXPECT_LT(std::chrono::steady_clock::now() - started, scaled(3s)) << "a refused client waited";
        }
    }
    EXPECT_EQ(refused, 4) << "the descriptors never ran out (" << held.size() << " connections held)";
    EXPECT_LE(held.size(), 8u);
    held.clear();
    ASSERT_EQ(::prlimit(pid, RLIMIT_NOFILE, &before, nullptr), 0) << std::strerror(errno);
    EXPECT_TRUE(eventually(
        [&] {
            try {
                return browser().get("/healthz").status == 200u;
            } catch (const std::exception&) {
                return false;
            }
        },
        10s))
        << "the gateway did not serve again once descriptors were free";
    EXPECT_NE(gateway().process().output().find("accept failed"), std::string::npos)
        << "running out of descriptors should be logged";
}

TEST_F(ServerHardeningTest, ASilentConnectionIsDroppedBeforeTheHandshakeDeadline) {
    start_gateway([](GatewaySettings& s) { s.set("server", "handshake_timeout", "5s"); });
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket silent(io);
    silent.connect({boost::asio::ip::address_v4::loopback(), gateway().port()});
    const auto started = std::chrono::steady_clock::now();
    char byte;
    boost::system::error_code ec;
    boost::asio::read(silent, boost::asio::buffer(&byte, 1), ec);
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) << ec.message();
    EXPECT_LT(waited, scaled(4s)) << "a connection that sends nothing must not get the whole handshake deadline";
}

// A handshake begun and then stalled (a TLS record header announcing a ClientHello that never
// comes) holds its connection for the handshake deadline, and no longer.
TEST_F(ServerHardeningTest, AStalledHandshakeIsDroppedAtTheHandshakeDeadline) {
    start_gateway([](GatewaySettings& s) { s.set("server", "handshake_timeout", "2s"); });
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket stalled(io);
    stalled.connect({boost::asio::ip::address_v4::loopback(), gateway().port()});
    const auto started = std::chrono::steady_clock::now();
    const unsigned char record_header[] = {0x16, 0x03, 0x01, 0x00, 0x80};  // handshake, 128 bytes to come
    boost::asio::write(stalled, boost::asio::buffer(record_header));
    char byte;
    boost::system::error_code ec;
    boost::asio::read(stalled, boost::asio::buffer(&byte, 1), ec);
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) << ec.message();
    EXPECT_GE(waited, 1900ms) << "a client that has begun gets the whole deadline, not the silent one's fifth";
    EXPECT_LT(waited, scaled(4s)) << "and no more than the deadline";
}

// After SIGTERM, readiness fails on every connection, including keep-alive ones from before,
// and they are told to close, while requests in flight finish.
TEST_F(ServerHardeningTest, DrainingIsVisibleOnConnectionsOpenedBefore) {
    auto client = browser();
    login(client);
    HttpsConnection before(gateway().port(), certificates().ca_file);
    ASSERT_EQ(before.request("GET", "/readyz").status, 200u);
    const HeaderList cookie = {
        {"Cookie", std::string(session_cookie) + "=" + client.cookie(session_cookie).value_or("")}};
    unsigned slow_status = 0;
    std::thread slow([&] {
        HttpsConnection connection(gateway().port(), certificates().ca_file, 30s);
        slow_status = connection.request("GET", "/intercom/slow?ms=2000", cookie).status;
    });
    ASSERT_TRUE(eventually(
        [&] {
            const auto seen = mock().last_request();
            return seen && seen->path == "/slow";
        },
        10s));
    ASSERT_TRUE(gateway().process().send_signal(SIGTERM));
    ASSERT_TRUE(gateway().process().wait_for_output("received SIGTERM", 5s));
    const auto ready = before.request("GET", "/readyz");
    EXPECT_EQ(ready.status, 503u) << ready.body;
    EXPECT_NE(ready.body.find("draining"), std::string::npos) << ready.body;
    EXPECT_FALSE(ready.keep_alive) << "a keep-alive connection must be told to close while draining";
    slow.join();
    EXPECT_EQ(slow_status, 200u) << "the request in flight must finish";
    const auto status = gateway().process().wait_for_exit(10s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->success()) << status->describe();
}

TEST_F(ServerHardeningTest, SecretVariablesAreWipedFromTheProcessEnvironment) {
    // Every secret the gateway here can take from its environment, none from the file; it starts
    // and reaches Redis, so each was read before it was wiped.
    const std::string client_secret = "env-secret-" + random_encryption_key();
    const std::string redis_url = "redis://127.0.0.1:" + std::to_string(redis_port()) + "/0";
    start_gateway(
        [](GatewaySettings& s) {
            s.erase("intercom", "client_secret");
            s.erase("session", "encryption_key");
            s.erase("redis", "url");
        },
        {{"GATEWAY_INTERCOM_CLIENT_SECRET", client_secret},
         {"GATEWAY_SESSION_ENCRYPTION_KEY", encryption_key},
         {"GATEWAY_REDIS_URL", redis_url}});
    EXPECT_TRUE(wait_for_readyz(200));
    std::ifstream environ("/proc/" + std::to_string(gateway().process().pid()) + "/environ", std::ios::binary);
    ASSERT_TRUE(environ.good());
    const std::string block((std::istreambuf_iterator<char>(environ)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(block.empty());
    EXPECT_EQ(block.find(client_secret), std::string::npos) << "the client secret is readable in /proc/<pid>/environ";
    EXPECT_EQ(block.find(encryption_key), std::string::npos) << "the session key is readable in /proc/<pid>/environ";
    EXPECT_EQ(block.find(redis_url), std::string::npos) << "redis.url is readable in /proc/<pid>/environ";
    EXPECT_NE(block.find("PATH="), std::string::npos) << "the rest of the environment should be intact";
}

}  // namespace
}  // namespace icg::testing
