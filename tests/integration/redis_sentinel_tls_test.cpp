// Redis behind Sentinel with TLS everywhere, with real processes on loopback: a master and a
// replica that listen and replicate over TLS, and one redis-sentinel that the gateway reaches only
// on its TLS port and that watches the servers over TLS. The gateway (rediss://, redis.ca_file)
// finds the master through it, serves logins and calls, and follows a failover the sentinel makes
// (announced on the gateway's TLS subscription to it), with every session kept.
#include "gateway_fixture.hpp"

#include "support/eventually.hpp"
#include "support/ports.hpp"
#include "support/redis_sentinel.hpp"
#include "support/time_scale.hpp"

#include <chrono>

namespace icg::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* master_name = "gateway-tls-master";

std::vector<std::string> tls_server_args(std::uint16_t tls_port) {
    auto args = redis_tls_args(tls_port, false);
    // Replication over TLS too: a replica then announces its TLS port, which Sentinel names.
    for (const char* arg : {"--tls-replication", "yes", "--repl-diskless-sync-delay", "0"}) args.emplace_back(arg);
    return args;
}

class RedisSentinelTlsTest : public GatewayTest {
protected:
    bool needs_private_redis() const override { return true; }
    std::vector<std::string> private_redis_args() const override { return tls_server_args(master_tls_); }

    void SetUp() override {
        GatewayTest::SetUp();
        auto replica_args = tls_server_args(replica_tls_);
        for (const auto& arg : {std::string("--replicaof"), std::string("127.0.0.1"), std::to_string(master_tls_)})
            replica_args.push_back(arg);
        replica_ = std::make_unique<RedisServer>(replica_dir_, 0, RedisPersistence::none, replica_args);
        sentinel_ = std::make_unique<RedisSentinel>(sentinel_dir_, SentinelWatch{.master_name = master_name,
                                                                                 .master_port = master_tls_,
                                                                                 .quorum = 1,
                                                                                 .down_after = 1000ms,
                                                                                 .password = "",
                                                                                 .tls = true});
        const bool ready = eventually([&] { return sentinel_->replicas() >= 1; }, scaled(30'000ms), 100ms);
        ASSERT_TRUE(ready) << "the sentinel did not find the replica over TLS";
    }

    void TearDown() override {
        GatewayTest::TearDown();
        sentinel_.reset();
        replica_.reset();
    }

    void use_tls_sentinel(GatewaySettings& s) const {
        // Only the sentinel's TLS port: a plain connection there would be refused.
        s.set_literal("redis", "sentinels", "[\"127.0.0.1:" + std::to_string(sentinel_->tls_port()) + "\"]");
        s.set("redis", "master_name", master_name);
        // Its host and port are not used with sentinels; rediss:// turns TLS on for every connection.
        s.set("redis", "url", "rediss://127.0.0.1:" + std::to_string(master_tls_) + "/0");
        s.set("redis", "ca_file", certificates().ca_file.string());
    }

    static std::string connected_to(std::uint16_t port) {
        return "at 127.0.0.1:" + std::to_string(port) + ": connected";
    }

    const std::uint16_t master_tls_ = free_port();
    const std::uint16_t replica_tls_ = free_port();
    TempDir replica_dir_;
    TempDir sentinel_dir_;
    std::unique_ptr<RedisServer> replica_;
    std::unique_ptr<RedisSentinel> sentinel_;
};

TEST_F(RedisSentinelTlsTest, TheMasterIsFoundAndFollowedThroughASentinelSpokenToOverTls) {
    start_gateway([this](GatewaySettings& s) { use_tls_sentinel(s); });
    ASSERT_TRUE(gateway().process().wait_for_output("cache on (session", 10s)) << gateway().process().output();
    EXPECT_TRUE(gateway().process().wait_for_output(connected_to(master_tls_), 5s)) << gateway().process().output();

    auto before = browser();
    login(before);
    ASSERT_EQ(before.get("/intercom/me").status, 200u);
    EXPECT_EQ(redis_probe().keys(key_prefix() + "session:*").size(), 1u);

    // A failover the sentinel decides alone (quorum 1, no other sentinel to ask): it promotes the
    // replica and announces +switch-master on the gateway's TLS subscription.
    RedisProbe(sentinel_->port()).command({"SENTINEL", "FAILOVER", master_name});
    ASSERT_TRUE(eventually([&] { return sentinel_->master_port() == replica_tls_; }, scaled(20'000ms), 50ms))
        << "the sentinel did not promote the replica";
    ASSERT_TRUE(gateway().process().wait_for_output(connected_to(replica_tls_), 10s))
        << "the gateway did not follow the failover\n"
        << gateway().process().output();

    // The session from before is served from the promoted replica, and new ones are written there.
    EXPECT_TRUE(eventually([&] { return before.get("/auth/session").status == 200u; }, scaled(5'000ms), 50ms));
    EXPECT_EQ(before.get("/intercom/me").status, 200u);
    auto after = browser();
    login(after);
    EXPECT_EQ(after.get("/intercom/me").status, 200u);
    RedisProbe promoted(replica_->port());
    EXPECT_EQ(promoted.keys(key_prefix() + "session:*").size(), 2u);
    EXPECT_EQ(promoted.command({"ROLE"}).elements.at(0).text, "master");
}

}  // namespace
}  // namespace icg::testing
