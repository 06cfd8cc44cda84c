// The upstream connection pool seen from outside: sequential calls share TLS connections to
// Intercom, and many concurrent calls through one pool each get their own answer intact.
#include "gateway_fixture.hpp"

#include "crypto/digest.hpp"
#include "support/eventually.hpp"

#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>

namespace icg::testing {
namespace {

using ProxyPoolTest = GatewayTest;

// The byte pattern of the mock's /stream: byte i is (i * 31 + 7) mod 251.
std::string stream_pattern(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 31 + 7) % 251);
    return out;
}

// Connections the gateway opened to the mock between two stats() calls: each stats() call
// opens one connection of its own, counted in the second reading.
long long gateway_connections(const MockStats& before, const MockStats& after) {
    return after.connections - before.connections - 1;
}

// Sockets the process holds open (listener, Redis, clients, upstream), from /proc.
int open_sockets(pid_t pid) {
    std::error_code ec;
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        std::error_code link_ec;
        const auto target = std::filesystem::read_symlink(entry.path(), link_ec);
        if (!link_ec && target.string().starts_with("socket:")) ++count;
    }
    return ec ? -1 : count;
}

TEST_F(ProxyPoolTest, SequentialRequestsReuseUpstreamConnections) {
    auto client = browser();
    login(client);
    ASSERT_EQ(client.get("/intercom/echo/warm").status, 200u);

    const auto before = mock().stats();
    ASSERT_GE(before.connections, 1) << "the mock does not count its connections";
    constexpr int requests = 20;
    for (int i = 0; i < requests; ++i) {
        // A fresh client connection each time: only the gateway's pool can keep the upstream one.
        const auto response = client.get(i % 2 ? "/intercom/contacts" : "/intercom/echo/seq?i=" + std::to_string(i));
        ASSERT_EQ(response.status, 200u) << response.body;
    }
    const auto after = mock().stats();
    EXPECT_EQ(after.api - before.api, requests);
    const auto opened = gateway_connections(before, after);
    EXPECT_GE(opened, 0);
    EXPECT_LT(opened, requests) << "every request opened its own upstream connection";
    EXPECT_LE(opened, 1) << "sequential requests should all ride on the pooled connection";
}

TEST_F(ProxyPoolTest, WithPoolSizeZeroEveryRequestHasAConnectionOfItsOwn) {
    start_gateway([](GatewaySettings& s) { s.set_integer("proxy", "pool_size", 0); });
    auto client = browser();
    login(client);
    const auto sockets_before = open_sockets(gateway().process().pid());
    ASSERT_GT(sockets_before, 0) << "cannot read the gateway's open sockets";
    const auto before = mock().stats();
    // More than one block of the pool's deque (64 entries), where a release into a full pool of
    // size 0 once freed memory the deque still used.
    constexpr int requests = 80;
    HttpsConnection connection(gateway().port(), certificates().ca_file);
    const HeaderList cookie = {
        {"Cookie", std::string(session_cookie) + "=" + client.cookie(session_cookie).value_or("")}};
    for (int i = 0; i < requests; ++i) {
        const auto response = connection.request("GET", "/intercom/echo/unpooled?i=" + std::to_string(i), cookie);
        ASSERT_EQ(response.status, 200u) << response.body;
    }
    const auto after = mock().stats();
    EXPECT_EQ(after.api - before.api, requests);
    EXPECT_EQ(gateway_connections(before, after), requests) << "nothing may be kept with proxy.pool_size = 0";
    // And nothing is left open either: each upstream connection is closed once its answer is relayed.
    const auto sockets = open_sockets(gateway().process().pid());
    EXPECT_LT(sockets, sockets_before + 10) << "upstream connections are kept open though none is pooled";
}

TEST_F(ProxyPoolTest, NewUpstreamConnectionsResumeTls) {
    start_gateway([](GatewaySettings& s) { s.set_integer("proxy", "pool_size", 0); });
    auto client = browser();
    login(client);
    ASSERT_EQ(client.get("/intercom/echo/warm").status, 200u);
    const auto before = mock().stats();
    constexpr int requests = 5;
    for (int i = 0; i < requests; ++i) ASSERT_EQ(client.get("/intercom/echo/resume").status, 200u);
    const auto after = mock().stats();
    EXPECT_EQ(gateway_connections(before, after), requests);
    EXPECT_EQ(after.resumed - before.resumed, requests) << "a new upstream connection paid a full handshake";
}

TEST_F(ProxyPoolTest, ConcurrentCallsBeyondMaxConnectionsWaitForAConnection) {
    start_gateway([](GatewaySettings& s) {
        s.set_integer("proxy", "pool_size", 2);
        s.set_integer("proxy", "max_connections", 2);
        s.set("proxy", "connect_timeout", "10s");  // also how long a call may wait for a connection
    });
    auto client = browser();
    login(client);
    const HeaderList cookie = {
        {"Cookie", std::string(session_cookie) + "=" + client.cookie(session_cookie).value_or("")}};
    const auto before = mock().stats();
    constexpr int calls = 12;
    std::vector<unsigned> statuses(calls, 0);
    std::vector<std::thread> workers;
    for (int i = 0; i < calls; ++i)
        workers.emplace_back([&, i] {
            try {
                HttpsConnection connection(gateway().port(), certificates().ca_file, std::chrono::seconds(30));
                statuses[i] = connection.request("GET", "/intercom/slow?ms=150", cookie).status;
            } catch (const std::exception&) {
                statuses[i] = 0;
            }
        });
    for (auto& w : workers) w.join();
    const auto after = mock().stats();
    for (int i = 0; i < calls; ++i) EXPECT_EQ(statuses[i], 200u) << "call " << i;
    EXPECT_EQ(after.api - before.api, calls);
    EXPECT_LE(gateway_connections(before, after), 2) << "more upstream connections than proxy.max_connections";
}

TEST_F(ProxyPoolTest, ACallThatCannotGetAConnectionInTimeIs504) {
    start_gateway([](GatewaySettings& s) {
        s.set_integer("proxy", "pool_size", 1);
        s.set_integer("proxy", "max_connections", 1);
        s.set("proxy", "connect_timeout", "300ms");
    });
    auto client = browser();
    login(client);
    const HeaderList cookie = {
        {"Cookie", std::string(session_cookie) + "=" + client.cookie(session_cookie).value_or("")}};
    unsigned slow_status = 0;
    std::thread slow([&] {
        HttpsConnection connection(gateway().port(), certificates().ca_file, std::chrono::seconds(30));
        slow_status = connection.request("GET", "/intercom/slow?ms=3000", cookie).status;
    });
    // The slow call holds the only connection once the mock has seen it.
    ASSERT_TRUE(eventually(
        [&] {
            const auto seen = mock().last_request();
            return seen && seen->path == "/slow";
        },
        std::chrono::seconds(10)));
    // Another session: the slow one's own bound (at most proxy.max_connections) would answer 429 first.
    auto other = browser();
    login(other);
    const auto waited = other.get("/intercom/me");
    EXPECT_EQ(waited.status, 504u) << waited.body;
    EXPECT_NE(waited.body.find("upstream_timeout"), std::string::npos) << waited.body;
    slow.join();
    EXPECT_EQ(slow_status, 200u);
    EXPECT_EQ(client.get("/intercom/me").status, 200u) << "the connection came back to the pool";
}

TEST_F(ProxyPoolTest, ManyConcurrentCallsThroughOnePoolAreAllAnsweredCorrectly) {
    auto client = browser();
    login(client);
    const auto session_id = client.cookie(session_cookie);
    ASSERT_TRUE(session_id.has_value());
    const HeaderList cookie = {{"Cookie", std::string(session_cookie) + "=" + *session_id}};
    const HeaderList write = {{"Cookie", std::string(session_cookie) + "=" + *session_id},
                              {"X-CSRF", "1"},
                              {"Origin", client.origin()},
                              {"Sec-Fetch-Site", "same-origin"}};

    constexpr int threads = 32;
    constexpr int rounds = 3;
    const auto before = mock().stats();
    std::mutex mutex;
    std::vector<std::string> failures;
    auto fail = [&](std::string what) {
        std::lock_guard lock(mutex);
        failures.push_back(std::move(what));
    };

    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            try {
                // Keep-alive per thread: each client connection carries several proxied calls.
                HttpsConnection connection(gateway().port(), certificates().ca_file, std::chrono::seconds(60));
                for (int r = 0; r < rounds; ++r) {
                    const std::string tag = std::to_string(t) + "-" + std::to_string(r);

                    const std::string echo_target = "/intercom/echo/t" + tag + "?round=" + std::to_string(r);
                    auto echo = connection.request("GET", echo_target, cookie);
                    auto seen = parse_seen_request(echo.body);
                    if (echo.status != 200 || !seen || seen->path != "/echo/t" + tag ||
                        seen->query != "round=" + std::to_string(r))
                        fail("GET " + echo_target + ": " + std::to_string(echo.status) + " " +
                             echo.body.substr(0, 200));

                    const std::string upload = stream_pattern(1000 + std::size_t(t) * 997 + std::size_t(r) * 31);
                    auto posted = connection.request("POST", "/intercom/echo/upload/" + tag, write, upload);
                    seen = parse_seen_request(posted.body);
                    if (posted.status != 200 || !seen || seen->path != "/echo/upload/" + tag ||
                        seen->body_length != static_cast<long long>(upload.size()) ||
                        seen->body_sha256 != crypto::sha256_hex(upload))
                        fail("POST upload " + tag + ": " + std::to_string(posted.status) + " " +
                             posted.body.substr(0, 200));

                    const std::size_t size = 20'000 + std::size_t(t) * 4099 + std::size_t(r) * 7;
                    const std::string stream_target =
                        "/intercom/stream?bytes=" + std::to_string(size) + ((t + r) % 2 ? "&chunked=1" : "");
                    auto streamed = connection.request("GET", stream_target, cookie);
                    const auto digest = crypto::sha256_hex(streamed.body);
                    if (streamed.status != 200 || streamed.body.size() != size ||
                        digest != streamed.header("X-Body-Sha256") || streamed.body != stream_pattern(size))
                        fail("GET " + stream_target + ": " + std::to_string(streamed.status) + ", " +
                             std::to_string(streamed.body.size()) + " bytes");
                }
            } catch (const std::exception& e) {
                fail("thread " + std::to_string(t) + ": " + e.what());
            }
        });
    }
    for (auto& worker : workers) worker.join();
    for (const auto& failure : failures) ADD_FAILURE() << failure;
    EXPECT_TRUE(failures.empty()) << failures.size() << " calls went wrong";

    const auto after = mock().stats();
    constexpr int calls = threads * rounds * 3;
    EXPECT_EQ(after.api - before.api, calls);
    const auto opened = gateway_connections(before, after);
    EXPECT_LT(opened, calls) << "the pool did not reuse connections under load";
    EXPECT_LE(opened, threads + 1) << "more upstream connections than calls ever in flight at once";

    // And afterwards the pool still serves a plain call.
    EXPECT_EQ(client.get("/intercom/contacts").status, 200u);
}

}  // namespace
}  // namespace icg::testing
