// WAIT after the writes that must survive a failover, against a real master with and without a
// real replica.
#include "redis/durable_writes.hpp"

#include "redis/redis_client.hpp"

#include "redis/redis_connector.hpp"
#include "redis/redis_error.hpp"
#include "redis/redis_url.hpp"
#include "support/event_loop.hpp"
#include "support/eventually.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"
#include "support/time_scale.hpp"

#include <gtest/gtest.h>

namespace icg::redis {
namespace {
using namespace std::chrono_literals;
namespace t = icg::testing;

boost::asio::awaitable<boost::system::error_code> write_then_confirm(RedisClient& client, DurableWrites& durable,
                                                                     std::string key) {
    auto set_command = command("SET", key, "v");
    auto set = co_await client.exec(std::move(set_command));
    if (!set) co_return set.error();
    co_return co_await durable.confirm(key);
}

bool has_replica(std::uint16_t master_port) {
    const auto role = t::RedisProbe(master_port).command({"ROLE"});
    return role.elements.size() == 3 && !role.elements[2].elements.empty();
}

class DurableWritesTest : public ::testing::Test {
protected:
    DurableWritesTest()
        : master_(dir_),
          client_(loop_.io().get_executor(),
                  connect_to_url(loop_.io().get_executor(), *parse_redis_url(master_.url(), nullptr), {})) {
        client_.start();
        EXPECT_TRUE(t::eventually([&] { return client_.connected(); }, t::scaled(5000ms)));
    }

    boost::system::error_code run(DurableWrites& durable, const std::string& key) {
        return loop_.run(write_then_confirm(client_, durable, key));
    }

    t::TempDir dir_;
    t::RedisServer master_;
    t::EventLoop loop_;
    RedisClient client_;
};

TEST_F(DurableWritesTest, WithoutAReplicaTheWriteIsNotConfirmed) {
    DurableWrites none_needed(client_, 0, 100ms);
    EXPECT_FALSE(run(none_needed, "k0"));
    DurableWrites one_needed(client_, 1, 100ms);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(run(one_needed, "k1"), make_error_code(RedisErrc::too_few_replicas));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 100ms) << "WAIT waited out its timeout";
    EXPECT_TRUE(client_.connected()) << "a WAIT that takes its whole timeout is no lost connection";
}

TEST_F(DurableWritesTest, AReplicaHoldsTheWriteOnceConfirmed) {
    // A replica syncs at once rather than after the default 5 s wait for more replicas.
    t::RedisProbe(master_.port()).command({"CONFIG", "SET", "repl-diskless-sync-delay", "0"});
    t::TempDir replica_dir;
    t::RedisServer replica(replica_dir, 0, t::RedisPersistence::none,
                           {"--replicaof", "127.0.0.1", std::to_string(master_.port())});
    ASSERT_TRUE(t::eventually([&] { return has_replica(master_.port()); }, t::scaled(10000ms)));
    DurableWrites one_needed(client_, 1, 2000ms);
    EXPECT_FALSE(run(one_needed, "durable:k"));
    EXPECT_EQ(t::RedisProbe(replica.port()).get("durable:k"), "v");
    DurableWrites two_needed(client_, 2, 100ms);
    EXPECT_EQ(run(two_needed, "durable:k2"), make_error_code(RedisErrc::too_few_replicas));
}

}  // namespace
}  // namespace icg::redis
