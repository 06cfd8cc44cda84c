// rediss:// against Debian's redis-server with TLS on (--tls-port): commands and invalidations
// over TLS, the server's certificate checked against redis.ca_file and its name, and a client
// certificate for a server that requires one (--tls-auth-clients yes).
#include "net/tls_client_context.hpp"
#include "redis/invalidation_listener.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_connector.hpp"
#include "support/certificates.hpp"
#include "support/event_loop.hpp"
#include "support/eventually.hpp"
#include "support/ports.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"
#include "support/time_scale.hpp"

#include <boost/asio/ssl/context.hpp>

#include <gtest/gtest.h>

#include <atomic>

namespace icg::redis {
namespace {
using namespace std::chrono_literals;
namespace t = icg::testing;

// The outcome of one RedisConnector::open, with what it said.
struct Opened {
    bool ok = false;
    std::optional<ServerAddress> server;
    std::string why;
};

boost::asio::awaitable<Opened> open_once(std::shared_ptr<RedisConnector> connector) {
    ReplyReader reader;
    Opened outcome;
    auto opened = co_await connector->open(reader, outcome.why);
    outcome.ok = opened.has_value();
    if (opened) outcome.server = opened->server;
    co_return outcome;
}

boost::asio::awaitable<boost::system::result<Reply>> exec(RedisClient& client, std::vector<std::string> args) {
    co_return co_await client.exec(std::move(args));
}

class RedisTlsTest : public ::testing::Test {
protected:
    explicit RedisTlsTest(bool require_client_certificates = false)
        : tls_port_(t::free_port()),
          redis_(dir_, 0, t::RedisPersistence::none, t::redis_tls_args(tls_port_, require_client_certificates)) {}

    // A connector to the TLS port under `host` (looked up as 127.0.0.1), trusting what `files` say.
    std::shared_ptr<RedisConnector> connector(const net::TlsClientFiles& files, const std::string& host = "127.0.0.1") {
        RedisEndpoint endpoint;
        endpoint.host = host;
        endpoint.port = tls_port_;
        endpoint.tls = true;
        RedisOptions options;
        options.reconnect_min = 20ms;
        options.reconnect_max = 100ms;
        options.lookup = [port = tls_port_](const std::string& name, const std::string&, net::LookupHandler handler) {
            const boost::asio::ip::tcp::endpoint at(boost::asio::ip::make_address("127.0.0.1"), port);
            handler({}, net::ResolveResults::create(at, name, std::to_string(port)));
        };
        return std::make_shared<RedisConnector>(loop_.io().get_executor(), endpoint, options,
                                                net::make_tls_client_context(files),
                                                std::make_shared<FixedServer>(ServerAddress{host, tls_port_}));
    }

    Opened open(const net::TlsClientFiles& files, const std::string& host = "127.0.0.1") {
        return loop_.run(open_once(connector(files, host)));
    }

    static net::TlsClientFiles trusting_the_test_ca() { return {.ca_file = t::test_certificates().ca_file.string()}; }

    t::TempDir dir_;
    std::uint16_t tls_port_;
    t::RedisServer redis_;
    t::EventLoop loop_;
};

TEST_F(RedisTlsTest, CommandsAndInvalidationsGoOverTls) {
    const auto tls = connector(trusting_the_test_ca());
    RedisClient client(loop_.io().get_executor(), tls);
    std::atomic<int> subscribed{0};
    std::atomic<long long> listener_id{-1};
    std::atomic<int> invalidated{0};
    InvalidationEvents events;
    events.subscribed = [&](long long id, const ServerAddress& server) {
        EXPECT_EQ(server.port, tls_port_);
        listener_id = id;
        ++subscribed;
    };
    events.invalidated = [&](std::vector<std::string> keys) {
        for (const auto& key : keys) invalidated += key == "tls:k";
    };
    InvalidationListener listener(loop_.io().get_executor(), tls, events);
    client.start();
    listener.start();
    ASSERT_TRUE(t::eventually([&] { return client.connected() && subscribed == 1; }, t::scaled(5000ms)));

    auto set = loop_.run(exec(client, {"SET", "tls:k", "over TLS"}));
    ASSERT_TRUE(set) << set.error().message();
    EXPECT_EQ(t::RedisProbe(redis_.port()).get("tls:k"), "over TLS") << "the plain port sees the write";

    // Invalidations come over the listener's TLS connection.
    auto on = loop_.run(exec(client, {"CLIENT", "TRACKING", "on", "REDIRECT", std::to_string(listener_id.load()),
                                      "BCAST", "PREFIX", "tls:"}));
    ASSERT_TRUE(on && on->is_status("OK")) << (on ? on->text : on.error().message());
    t::RedisProbe(redis_.port()).command({"SET", "tls:k", "changed"});
    EXPECT_TRUE(t::eventually([&] { return invalidated >= 1; }, t::scaled(5000ms)));
    listener.stop();
    client.stop();
}

TEST_F(RedisTlsTest, AServerCertificateNoTrustedCaSignedIsRefused) {
    const auto outcome = open({});  // the system's CAs only
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.why.find("the server's certificate was refused"), std::string::npos) << outcome.why;
}

TEST_F(RedisTlsTest, AServerCertificateForAnotherNameIsRefused) {
    // The certificate names localhost and 127.0.0.1; this name reaches the same server.
    const auto outcome = open(trusting_the_test_ca(), "redis.internal");
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.why.find("the server's certificate was refused"), std::string::npos) << outcome.why;
    const auto by_name = open(trusting_the_test_ca(), "localhost");
    EXPECT_TRUE(by_name.ok) << by_name.why;
}

class RedisTlsClientCertificateTest : public RedisTlsTest {
protected:
    RedisTlsClientCertificateTest() : RedisTlsTest(true) {}
};

TEST_F(RedisTlsClientCertificateTest, TheServerTakesOnlyAClientWithACertificate) {
    const auto without = open(trusting_the_test_ca());
    EXPECT_FALSE(without.ok) << "the server requires a client certificate";
    EXPECT_FALSE(without.why.empty());
    const auto& gateway = t::client_certificate({"DNS:gateway.localhost"});
    auto files = trusting_the_test_ca();
    files.cert_file = gateway.cert_file.string();
    files.key_file = gateway.key_file.string();
    const auto with = open(files);
    EXPECT_TRUE(with.ok) << with.why;
    ASSERT_TRUE(with.server);
    EXPECT_EQ(with.server->port, tls_port_);
}

}  // namespace
}  // namespace icg::redis
