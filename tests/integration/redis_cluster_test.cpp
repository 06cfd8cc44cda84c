// Redis Cluster with real processes on loopback: three primaries and three replicas made by
// `redis-cli --cluster create` (cluster-node-timeout 500 ms), gateways with redis.cluster_nodes
// and redis.min_replicas_ack = 1. Sessions land on every primary, each where CLUSTER KEYSLOT says;
// a logout on one gateway reaches the other within 100 ms; a primary killed mid-traffic is replaced
// by its replica, the gateway answering 503s (never a wrong answer) until it serves again, and no
// session is lost.
#include "gateway_fixture.hpp"

#include "redis/key_slot.hpp"
#include "support/admin_client.hpp"
#include "support/eventually.hpp"
#include "support/process.hpp"
#include "support/redis_cluster.hpp"
#include "support/time_scale.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>
#include <set>

namespace icg::testing {
namespace {

using namespace std::chrono_literals;

class RedisClusterTest : public GatewayTest {
protected:
    bool needs_private_redis() const override { return true; }

    void SetUp() override {
        GatewayTest::SetUp();
        cluster_ = std::make_unique<RedisCluster>();
    }

    void TearDown() override {
        if (second_) second_->stop();
        second_.reset();
        GatewayTest::TearDown();
        cluster_.reset();
    }

    void use_cluster(GatewaySettings& s) const {
        std::string list = "[";
        for (const auto& address : cluster_->addresses()) list += (list.size() > 1 ? ", \"" : "\"") + address + "\"";
        s.set_literal("redis", "cluster_nodes", list + "]");
        s.set_integer("redis", "min_replicas_ack", 1);
        s.set("redis", "replica_ack_timeout", "1s");
    }

    void start_both() {
        auto customize = [this](GatewaySettings& s) { use_cluster(s); };
        start_gateway(customize);
        ASSERT_TRUE(gateway().process().wait_for_output("cache on (session", 10s)) << gateway().process().output();
        second_ = start_replica(second_dir_, customize);
        ASSERT_TRUE(second_->process().wait_for_output("cache on (session", 10s)) << second_->process().output();
    }

    // The session keys each primary holds.
    std::map<std::uint16_t, std::vector<std::string>> sessions_by_primary() {
        std::map<std::uint16_t, std::vector<std::string>> out;
        for (const auto port : cluster_->primaries()) out[port] = RedisProbe(port).keys(key_prefix() + "session:*");
        return out;
    }

    std::unique_ptr<RedisCluster> cluster_;
    TempDir second_dir_;
    std::unique_ptr<Gateway> second_;
};

TEST_F(RedisClusterTest, SessionsLandOnEveryPrimaryAndALogoutReachesTheOtherGatewayWithin100ms) {
    start_both();
    std::vector<TestClient> browsers;
    for (int i = 0; i < 12; ++i) {
        browsers.push_back(browser());
        login(browsers.back());
        ASSERT_EQ(browsers.back().get("/intercom/me").status, 200u);
    }
    const auto placed = sessions_by_primary();
    ASSERT_EQ(placed.size(), 3u);
    std::size_t total = 0;
    for (const auto& [port, keys] : placed) {
        EXPECT_FALSE(keys.empty()) << "no session on the primary at port " << port;
        total += keys.size();
        // Each where the cluster itself puts it.
        for (const auto& key : keys)
            EXPECT_EQ(RedisProbe(port).command({"CLUSTER", "KEYSLOT", key}).integer, redis::key_slot(key)) << key;
    }
    EXPECT_EQ(total, browsers.size());

    TestClient on_second(second_->port(), certificates().ca_file);
    on_second.set_cookie(session_cookie, *browsers[0].cookie(session_cookie));
    ASSERT_EQ(on_second.get("/auth/session").status, 200u);  // now in its cache
    ASSERT_EQ(browsers[0].post("/auth/logout").status, 204u);
    expect_refused_within_100ms(on_second, std::chrono::steady_clock::now());
}

TEST_F(RedisClusterTest, APrimaryKilledIsReplacedByItsReplicaAndNoSessionIsLost) {
    start_both();
    std::vector<TestClient> browsers;
    for (int i = 0; i < 12; ++i) {
        browsers.push_back(browser());
        login(browsers.back());
    }
    // A primary holding sessions dies; those browsers' calls need it.
    std::uint16_t victim = 0;
    for (const auto& [port, keys] : sessions_by_primary())
        if (victim == 0 && !keys.empty()) victim = port;
    ASSERT_NE(victim, 0);

    std::vector<TestClient> on_second;
    for (auto& client : browsers) {
        on_second.emplace_back(second_->port(), certificates().ca_file);
        on_second.back().set_cookie(session_cookie, *client.cookie(session_cookie));
    }

    const auto killed = std::chrono::steady_clock::now();
    cluster_->node(victim).kill();
    // Every browser in turn, on both gateways, until each serves them all: those on the dead
    // primary get 503 meanwhile, the others 200, and nothing else.
    std::set<unsigned> seen;
    std::map<std::string, long long> served_again_ms;
    for (;;) {
        for (auto* group : {&browsers, &on_second}) {
            const std::string name = group == &browsers ? "first" : "second";
            if (served_again_ms.count(name)) continue;
            bool all = true;
            for (auto& client : *group) {
                const auto status = client.get("/auth/session").status;
                seen.insert(status);
                all = all && status == 200u;
            }
            if (all && seen.count(503))
                served_again_ms[name] =
                    std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed)
                        .count();
        }
        if (served_again_ms.size() == 2) break;
        ASSERT_LT(std::chrono::steady_clock::now() - killed, scaled(std::chrono::milliseconds(20'000)))
            << "not serving 20 s after the kill\n"
            << gateway().process().output();
        std::this_thread::sleep_for(10ms);
    }
    for (const auto& [name, ms] : served_again_ms) {
        std::cout << "cluster failover: the " << name << " gateway served every session again " << ms
                  << " ms after the primary was killed\n";
        RecordProperty("served_again_ms_" + name, std::to_string(ms));
        EXPECT_LE(ms, scaled(3000)) << name;
    }
    EXPECT_TRUE(seen.count(503)) << "the dead primary's sessions were refused while it was down";
    seen.erase(200);
    seen.erase(503);
    EXPECT_TRUE(seen.empty()) << "only 200s and 503s, never a wrong answer";
    EXPECT_TRUE(eventually([&] { return cluster_->primaries().size() == 3; }, scaled(std::chrono::milliseconds(5000))));
    // No session lost: each was on a replica before its cookie was set.
    for (auto& client : browsers) EXPECT_EQ(client.get("/intercom/me").status, 200u);
    // And the session cache is on again on both, every primary tracked.
    for (auto* gateway : {&this->gateway(), second_.get()})
        EXPECT_TRUE(eventually(
            [&] {
                const auto text = plain_request(gateway->admin_port(), "GET", "/metrics").body;
                return series_value(text, R"(intercom_gateway_cache_enabled{cache="session"})") == 1;
            },
            scaled(std::chrono::milliseconds(5000))))
            << gateway->process().output();
}

// A slot moves between primaries while the gateway's map still has it where it was: mid-move the
// old primary answers ASK (the key is already on the new one) and the gateway asks there behind
// ASKING; once moved it answers MOVED and the gateway follows. The session stays usable throughout.
TEST_F(RedisClusterTest, FollowsAskAndMovedWhileASlotMigrates) {
    start_gateway([this](GatewaySettings& s) {
        use_cluster(s);
        s.set_literal("session", "cache", "false");  // every request reads Redis
    });
    auto client = browser();
    login(client);
    std::uint16_t source = 0;
    std::string key;
    for (const auto& [port, keys] : sessions_by_primary())
        if (!keys.empty()) {
            source = port;
            key = keys.front();
        }
    ASSERT_NE(source, 0);
    std::uint16_t destination = 0;
    for (const auto port : cluster_->primaries())
        if (port != source) destination = port;
    const auto slot = std::to_string(redis::key_slot(key));
    RedisProbe from(source);
    RedisProbe to(destination);
    const auto from_id = from.command({"CLUSTER", "MYID"}).text;
    const auto to_id = to.command({"CLUSTER", "MYID"}).text;

    ASSERT_EQ(to.command({"CLUSTER", "SETSLOT", slot, "IMPORTING", from_id}).text, "OK");
    ASSERT_EQ(from.command({"CLUSTER", "SETSLOT", slot, "MIGRATING", to_id}).text, "OK");
    ASSERT_EQ(from.command({"MIGRATE", "127.0.0.1", std::to_string(destination), "", "0", "5000", "KEYS", key}).text,
              "OK");
    ASSERT_EQ(from.command({"GET", key}).text.rfind("ASK ", 0), 0u) << "the old primary redirects with ASK";
    EXPECT_EQ(client.get("/auth/session").status, 200u) << "followed ASK";

    for (const auto port : cluster_->primaries())
        ASSERT_EQ(RedisProbe(port).command({"CLUSTER", "SETSLOT", slot, "NODE", to_id}).text, "OK");
    ASSERT_EQ(from.command({"GET", key}).text.rfind("MOVED ", 0), 0u) << "the old primary redirects with MOVED";
    EXPECT_EQ(client.get("/auth/session").status, 200u) << "followed MOVED";
    EXPECT_EQ(client.get("/intercom/me").status, 200u);
    EXPECT_EQ(client.post("/auth/logout").status, 204u);
    EXPECT_FALSE(to.exists(key)) << "the logout deleted the session where it lives now";
}

// A primary whose slots all move away leaves the map: its connections close while still up, and
// the session cache (off for a moment, emptied) comes back on with the remaining primaries
// tracked. Before the fix the stopping client's late report left the cache off for good.
TEST_F(RedisClusterTest, APrimaryLeftWithoutSlotsIsDroppedAndTheCacheComesBackOn) {
    start_gateway([this](GatewaySettings& s) { use_cluster(s); });
    ASSERT_TRUE(gateway().process().wait_for_output("cache on (session", 10s)) << gateway().process().output();
    auto client = browser();
    login(client);
    const auto emptied = cluster_->primaries().front();
    const auto id = RedisProbe(emptied).command({"CLUSTER", "MYID"}).text;
    const auto moved = run_to_completion("/usr/bin/redis-cli",
                                         {"--cluster", "rebalance", "127.0.0.1:" + std::to_string(emptied),
                                          "--cluster-weight", id + "=0", "--cluster-yes"},
                                         {}, std::chrono::seconds(120));
    ASSERT_TRUE(moved.status.success()) << moved.output;
    ASSERT_EQ(RedisProbe(emptied).command({"CLUSTER", "COUNTKEYSINSLOT", "0"}).integer, 0);
    // Its slots are gone from the map the gateway reads within one refresh (5 s).
    ASSERT_TRUE(gateway().process().wait_for_output("16384 of 16384 slots on", 10s));
    EXPECT_TRUE(eventually(
        [&] {
            const auto text = plain_request(gateway().admin_port(), "GET", "/metrics").body;
            const auto log = gateway().process().output();
            const auto last_map = log.rfind("slot map:");
            const auto map_line = last_map == std::string::npos
                                      ? std::string()
                                      : log.substr(last_map, log.find('\n', last_map) - last_map);
            const bool dropped = !map_line.empty() && map_line.find(std::to_string(emptied)) == std::string::npos;
            return dropped && series_value(text, R"(intercom_gateway_cache_enabled{cache="session"})") == 1;
        },
        scaled(std::chrono::milliseconds(15'000))))
        << gateway().process().output();
    EXPECT_EQ(client.get("/auth/session").status, 200u);
    EXPECT_EQ(client.get("/intercom/me").status, 200u);
}

}  // namespace
}  // namespace icg::testing
