// The asynchronous Redis client against a real redis-server: pipelining, AUTH/SELECT, deadlines,
// failing fast while down, and reconnecting by itself.
#include "redis/redis_client.hpp"
#include "redis/redis_connector.hpp"
#include "redis/redis_error.hpp"
#include "support/event_loop.hpp"
#include "support/eventually.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

#include <boost/asio/use_future.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <vector>

namespace icg::redis {
namespace {
using namespace std::chrono_literals;
using testing::EventLoop;
using testing::RedisProbe;
using testing::RedisServer;
using testing::TempDir;

boost::asio::awaitable<boost::system::result<Reply>> exec(RedisClient& client, std::vector<std::string> args) {
    co_return co_await client.exec(std::move(args));
}

class RedisClientTest : public ::testing::Test {
protected:
    RedisClientTest() : redis_(dir_) { redis_.start(); }

    std::unique_ptr<RedisClient> connect(const std::string& url, RedisOptions options = {}) {
        auto endpoint = parse_redis_url(url, nullptr);
        EXPECT_TRUE(endpoint.has_value());
        auto client = std::make_unique<RedisClient>(
            loop_.io().get_executor(), connect_to_url(loop_.io().get_executor(), std::move(*endpoint), options));
        client->start();
        return client;
    }

    boost::system::result<Reply> run(RedisClient& client, std::vector<std::string> args) {
        return loop_.run(exec(client, std::move(args)));
    }

    TempDir dir_;
    RedisServer redis_;
    EventLoop loop_;
};

TEST_F(RedisClientTest, SetsAndGetsValuesWithBinaryContent) {
    auto client = connect(redis_.url());
    ASSERT_TRUE(testing::eventually([&] { return client->connected(); }, 5s));
    const std::string value("a\0b\r\nc", 6);
    auto set = run(*client, {"SET", "k", value});
    ASSERT_TRUE(set) << set.error().message();
    EXPECT_TRUE(set->is_status("OK"));
    auto get = run(*client, {"GET", "k"});
    ASSERT_TRUE(get);
    EXPECT_TRUE(get->is_string());
    EXPECT_EQ(get->text, value);
    auto missing = run(*client, {"GET", "nope"});
    ASSERT_TRUE(missing);
    EXPECT_TRUE(missing->is_nil());
}

TEST_F(RedisClientTest, ErrorRepliesAreReportedAsErrors) {
    auto client = connect(redis_.url());
    ASSERT_TRUE(testing::eventually([&] { return client->connected(); }, 5s));
    auto reply = run(*client, {"NO-SUCH-COMMAND"});
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error(), make_error_code(RedisErrc::error_reply));
}

// Many coroutines share one connection; each must get its own reply, in order.
TEST_F(RedisClientTest, PipelinesManyConcurrentCommandsAndMatchesEveryReply) {
    auto client = connect(redis_.url());
    ASSERT_TRUE(testing::eventually([&] { return client->connected(); }, 5s));
    constexpr int count = 2000;
    std::vector<std::future<boost::system::result<Reply>>> futures;
    for (int i = 0; i < count; ++i)
        futures.push_back(
            boost::asio::co_spawn(loop_.io(), exec(*client, {"INCR", "counter"}), boost::asio::use_future));
    std::vector<long long> values;
    for (auto& f : futures) {
        ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
        auto r = f.get();
        ASSERT_TRUE(r) << r.error().message();
        values.push_back(r->integer);
    }
    ASSERT_EQ(values.size(), std::size_t(count));
    std::set<long long> distinct(values.begin(), values.end());
    EXPECT_EQ(distinct.size(), std::size_t(count));
    EXPECT_EQ(*distinct.begin(), 1);
    EXPECT_EQ(*distinct.rbegin(), count);
}

TEST_F(RedisClientTest, SelectsTheDatabaseFromTheUrl) {
    auto client = connect(redis_.url(3));
    ASSERT_TRUE(testing::eventually([&] { return client->connected(); }, 5s));
    ASSERT_TRUE(run(*client, {"SET", "in-db-3", "yes"}));
    RedisProbe probe(redis_.port());
    EXPECT_FALSE(probe.exists("in-db-3"));
    probe.command({"SELECT", "3"});
    EXPECT_TRUE(probe.exists("in-db-3"));
}

TEST_F(RedisClientTest, AuthenticatesWithUserAndPassword) {
    RedisProbe probe(redis_.port());
    probe.command({"ACL", "SETUSER", "gateway", "on", ">s3cret", "~*", "+@all"});
    auto good = connect("redis://gateway:s3cret@127.0.0.1:" + std::to_string(redis_.port()) + "/0");
    ASSERT_TRUE(testing::eventually([&] { return good->connected(); }, 5s));
    auto who = run(*good, {"ACL", "WHOAMI"});
    ASSERT_TRUE(who);
    EXPECT_EQ(who->text, "gateway");

    auto bad = connect("redis://gateway:wrong@127.0.0.1:" + std::to_string(redis_.port()) + "/0");
    auto reply = run(*bad, {"PING"});
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error(), make_error_code(RedisErrc::not_connected));
    EXPECT_FALSE(bad->connected());
}

// Fail closed: while Redis is down nothing waits for it, and recovery needs no restart.
TEST_F(RedisClientTest, FailsAtOnceWhileDownAndReconnectsWhenRedisReturns) {
    auto client = connect(redis_.url(), {.reconnect_min = 20ms, .reconnect_max = 200ms});
    ASSERT_TRUE(testing::eventually([&] { return client->connected(); }, 5s));
    redis_.stop();
    ASSERT_TRUE(testing::eventually([&] { return !client->connected(); }, 5s));
    auto down = run(*client, {"PING"});
    ASSERT_FALSE(down);
    EXPECT_EQ(down.error(), make_error_code(RedisErrc::not_connected));

    redis_.start();
    ASSERT_TRUE(testing::eventually([&] { return client->connected(); }, 10s));
    auto up = run(*client, {"PING"});
    ASSERT_TRUE(up) << up.error().message();
    EXPECT_TRUE(up->is_status("PONG"));
}

// A Redis that accepts commands but does not answer must not hold requests past the deadline.
TEST_F(RedisClientTest, TimesOutWhenRedisStopsAnsweringAndRecoversAfterwards) {
    auto client = connect(redis_.url(), {.command_timeout = 200ms, .reconnect_min = 20ms, .reconnect_max = 100ms});
    ASSERT_TRUE(testing::eventually([&] { return client->connected(); }, 5s));
    RedisProbe probe(redis_.port());
    probe.command({"CLIENT", "PAUSE", "1000", "ALL"});
    auto paused = run(*client, {"GET", "k"});
    ASSERT_FALSE(paused);
    EXPECT_TRUE(paused.error() == make_error_code(RedisErrc::timeout) ||
                paused.error() == make_error_code(RedisErrc::not_connected))
        << paused.error().message();
    // The pause ends by itself; the client must find its way back without help.
    ASSERT_TRUE(testing::eventually([&] { return client->connected() && run(*client, {"PING"}).has_value(); }, 10s));
}

}  // namespace
}  // namespace icg::redis

namespace icg::redis {
namespace {

// A DNS server that never answers must not hold the client: each attempt's lookup is abandoned at
// connect_timeout and the client tries again (Asio's resolver cannot be cancelled mid-lookup).
TEST_F(RedisClientTest, AHostLookupThatNeverAnswersIsAbandonedAtTheConnectDeadline) {
    std::mutex mutex;
    std::vector<net::LookupHandler> never_answered;
    RedisOptions options;
    options.connect_timeout = 100ms;
    options.reconnect_min = 10ms;
    options.reconnect_max = 20ms;
    options.lookup = [&](const std::string&, const std::string&, net::LookupHandler handler) {
        const std::lock_guard lock(mutex);
        never_answered.push_back(std::move(handler));
    };
    auto client = connect("redis://redis.internal:6379/0", options);
    EXPECT_TRUE(testing::eventually(
        [&] {
            const std::lock_guard lock(mutex);
            return never_answered.size() >= 3;
        },
        10s))
        << "the first lookup held the reconnect loop";
    EXPECT_FALSE(client->connected());
    auto reply = run(*client, {"PING"});
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error(), RedisErrc::not_connected);
    client->stop();
}

// The lookup the options give is the one used: a name only it knows reaches the real server.
TEST_F(RedisClientTest, TheGivenLookupResolvesTheHost) {
    RedisOptions options;
    const auto port = redis_.port();
    options.lookup = [port](const std::string& host, const std::string&, net::LookupHandler handler) {
        if (host != "redis.internal") return handler(boost::asio::error::host_not_found, {});
        const boost::asio::ip::tcp::endpoint at(boost::asio::ip::make_address("127.0.0.1"), port);
        handler({}, net::ResolveResults::create(at, host, std::to_string(port)));
    };
    auto client = connect("redis://redis.internal:" + std::to_string(port) + "/0", options);
    ASSERT_TRUE(testing::eventually([&] { return client->connected(); }, 5s));
    auto reply = run(*client, {"PING"});
    ASSERT_TRUE(reply);
    EXPECT_TRUE(reply->is_status("PONG"));
}

}  // namespace
}  // namespace icg::redis
