// The in-process session cache: the hot path reads no Redis, and a change made through one
// gateway process (logout, a revoked token, a key deleted or flushed) reaches every other through
// Redis client-side caching within 100 ms. Two gateways share one private Redis.
#include "gateway_fixture.hpp"
#include "support/time_scale.hpp"

#include "support/eventually.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace icg::testing {
namespace {

using namespace std::chrono_literals;

class SessionCacheTest : public GatewayTest {
protected:
    bool needs_private_redis() const override { return true; }

    void TearDown() override {
        if (second_) {
            const auto status = second_->stop();
            EXPECT_TRUE(status.success()) << "the second gateway ended with " << status.describe();
            second_.reset();
        }
        GatewayTest::TearDown();
    }

    // Both gateways up, each with its cache on (tracking confirmed against Redis).
    void start_both(const std::function<void(GatewaySettings&)>& customize = {}) {
        start_gateway(customize);
        ASSERT_TRUE(gateway().process().wait_for_output("cache on (session", 10s)) << gateway().process().output();
        second_ = start_replica(second_dir_, customize);
        ASSERT_TRUE(second_->process().wait_for_output("cache on (session", 10s)) << second_->process().output();
    }

    // A browser of the second gateway carrying `session`, the cookie the first one issued.
    TestClient second_browser(const std::string& session) {
        TestClient client(second_->port(), certificates().ca_file);
        client.set_cookie(session_cookie, session);
        return client;
    }

    long long redis_calls(const std::string& command) {
        const auto info = redis_probe().command({"INFO", "commandstats"}).text;
        const std::string marker = "cmdstat_" + command + ":calls=";
        const auto at = info.find(marker);
        if (at == std::string::npos) return 0;
        return std::stoll(info.substr(at + marker.size()));
    }
    long long session_reads() { return redis_calls("getex") + redis_calls("get"); }

    Gateway& second() { return *second_; }

private:
    TempDir second_dir_;
    std::unique_ptr<Gateway> second_;
};

TEST_F(SessionCacheTest, RepeatedRequestsDoNotReadRedis) {
    start_both();
    auto client = browser();
    login(client);
    ASSERT_EQ(client.get("/intercom/me").status, 200u);  // loads the session into the cache
    const auto reads_before = session_reads();
    for (int i = 0; i < 20; ++i) ASSERT_EQ(client.get("/intercom/me").status, 200u);
    for (int i = 0; i < 20; ++i) ASSERT_EQ(client.get("/auth/session").status, 200u);
    EXPECT_EQ(session_reads() - reads_before, 0) << "40 requests with a cached session read Redis";
}

TEST_F(SessionCacheTest, WithoutTheCacheEveryRequestReadsRedis) {
    start_gateway([](GatewaySettings& s) { s.set_literal("session", "cache", "false"); });
    auto client = browser();
    login(client);
    const auto reads_before = session_reads();
    for (int i = 0; i < 10; ++i) ASSERT_EQ(client.get("/auth/session").status, 200u);
    EXPECT_EQ(session_reads() - reads_before, 10);
}

TEST_F(SessionCacheTest, EntriesAreReReadAfterTheCacheTtl) {
    start_both([](GatewaySettings& s) { s.set("session", "cache_ttl", "300ms"); });
    auto client = browser();
    login(client);
    ASSERT_EQ(client.get("/auth/session").status, 200u);
    const auto reads_before = session_reads();
    // Polls until a request finds its entry stale and goes to Redis again (which also slides the
    // idle timeout there).
    EXPECT_TRUE(eventually([&] { return client.get("/auth/session").status == 200u && session_reads() > reads_before; },
                           5s, 50ms));
}

TEST_F(SessionCacheTest, ConcurrentMissesOfOneSessionShareOneRedisRead) {
    start_both();
    auto client = browser();
    login(client);
    const std::string session = *client.cookie(session_cookie);
    // The second gateway has never seen this session. Redis holds writes (GETEX is one) for
    // 200 ms (the command timeout here is 300), so the requests below miss the cache while the
    // first read is still pending.
    const auto reads_before = session_reads();
    redis_probe().command({"CLIENT", "PAUSE", "200", "WRITE"});
    constexpr int concurrent = 16;
    std::vector<unsigned> statuses(concurrent, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < concurrent; ++i)
        threads.emplace_back([&, i] {
            auto other = second_browser(session);
            statuses[i] = other.get("/auth/session").status;
        });
    for (auto& t : threads) t.join();
    for (int i = 0; i < concurrent; ++i) EXPECT_EQ(statuses[i], 200u) << "request " << i;
    EXPECT_EQ(session_reads() - reads_before, 1) << concurrent << " concurrent misses read Redis more than once";
}

TEST_F(SessionCacheTest, LogoutOnOneGatewayEndsTheSessionOnTheOther) {
    start_both();
    auto client = browser();
    login(client);
    auto other = second_browser(*client.cookie(session_cookie));
    ASSERT_EQ(other.get("/auth/session").status, 200u);
    ASSERT_EQ(other.get("/auth/session").status, 200u);  // now served from its cache
    ASSERT_EQ(client.post("/auth/logout").status, 204u);
    expect_refused_within_100ms(other, std::chrono::steady_clock::now());
    const auto me_calls = mock().stats().me;
    EXPECT_EQ(other.get("/intercom/me").status, 401u);
    EXPECT_EQ(mock().stats().me, me_calls) << "a logged-out session must not reach Intercom";
}

TEST_F(SessionCacheTest, RevokedTokenOnOneGatewayEndsTheSessionOnTheOther) {
    start_both();
    auto client = browser();
    login(client);
    auto other = second_browser(*client.cookie(session_cookie));
    ASSERT_EQ(other.get("/intercom/me").status, 200u);
    mock().revoke_all_tokens();
    const auto revoked = client.get("/intercom/me");
    ASSERT_EQ(revoked.status, 401u) << revoked.body;
    expect_refused_within_100ms(other, std::chrono::steady_clock::now());
}

TEST_F(SessionCacheTest, SessionDeletedInRedisIsDroppedEverywhere) {
    start_both();
    auto client = browser();
    login(client);
    auto other = second_browser(*client.cookie(session_cookie));
    ASSERT_EQ(client.get("/auth/session").status, 200u);
    ASSERT_EQ(other.get("/auth/session").status, 200u);
    const auto keys = redis_probe().keys(key_prefix() + "session:*");
    ASSERT_EQ(keys.size(), 1u);
    redis_probe().command({"DEL", keys[0]});
    const auto since = std::chrono::steady_clock::now();
    expect_refused_within_100ms(other, since);
    expect_refused_within_100ms(client, since);
}

TEST_F(SessionCacheTest, FlushedDatabaseEmptiesTheCache) {
    start_both();
    auto client = browser();
    login(client);
    ASSERT_EQ(client.get("/auth/session").status, 200u);
    redis_probe().command({"FLUSHDB"});
    expect_refused_within_100ms(client, std::chrono::steady_clock::now());
}

TEST_F(SessionCacheTest, CachedSessionsAreNotServedWhileRedisIsDown) {
    start_both();
    auto client = browser();
    login(client);
    ASSERT_EQ(client.get("/auth/session").status, 200u);
    private_redis().stop();
    // Fail closed: with the invalidation channel gone nothing cached can be trusted.
    EXPECT_TRUE(eventually([&] { return client.get("/auth/session").status == 503u; }, 5s, 20ms));
    EXPECT_EQ(client.get("/intercom/me").status, 503u);
    private_redis().start();
    ASSERT_TRUE(wait_for_readyz(200));
    ASSERT_TRUE(eventually(
        [&] {
            return gateway().process().output().find("cache on (session") !=
                   gateway().process().output().rfind("cache on (session");
        },
        10s))
        << "the cache did not come back on after Redis returned";
    // The restarted Redis kept nothing (no persistence in tests): the session is gone, not served.
    EXPECT_EQ(client.get("/auth/session").status, 401u);
}

}  // namespace
}  // namespace icg::testing
