// Workspace connections in a real Redis: sealed at rest, replaced by a later login, ended only
// while they still hold the refused token, listed without tokens, and cached until Redis says
// they changed.
#include "workspace/redis_workspace_store.hpp"

#include "core/clock.hpp"
#include "core/random.hpp"
#include "crypto/session_cipher.hpp"
#include "redis/durable_writes.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_connector.hpp"
#include "support/event_loop.hpp"
#include "support/eventually.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"
#include "workspace/cached_workspace_store.hpp"

#include <gtest/gtest.h>

namespace icg::workspace {
namespace {
using namespace std::chrono_literals;
namespace t = icg::testing;

class FixedClock final : public core::Clock {
public:
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::time_point(1'700'000'000s);
    }
};

WorkspaceConnection connection(std::string id, std::string token) {
    return {.access_token = core::Secret(std::move(token)),
            .workspace_id = std::move(id),
            .workspace_name = "Acme Support",
            .api_base = "https://api.intercom.io",
            .admin_id = "991",
            .admin_name = "Grace Hopper",
            .connected_at = 1'699'999'000};
}

class RedisWorkspaceStoreTest : public ::testing::Test {
protected:
    RedisWorkspaceStoreTest()
        : redis_(dir_),
          cipher_(core::Secret(std::string(32, 'k'))),
          client_(
              loop_.io().get_executor(),
              redis::connect_to_url(loop_.io().get_executor(), *redis::parse_redis_url(started_url(), nullptr), {})),
          durable_(client_, 0, {}),
          store_(loop_.io().get_executor(), client_, durable_, cipher_, random_, clock_, "test:") {
        client_.start();
        EXPECT_TRUE(t::eventually([&] { return client_.connected(); }, 5s));
    }

    std::string started_url() {
        redis_.start();
        return redis_.url();
    }

    void save(WorkspaceStore& store, const WorkspaceConnection& c) {
        auto saved = loop_.run(store.save(c));
        ASSERT_TRUE(saved) << saved.error().message();
    }

    std::optional<WorkspaceConnection> load(WorkspaceStore& store, std::string_view id) {
        auto loaded = loop_.run(store.load(id));
        EXPECT_TRUE(loaded) << loaded.error().message();
        return loaded ? *loaded : std::nullopt;
    }

    bool erase(WorkspaceStore& store, std::string_view id, const core::Secret* token) {
        auto erased = loop_.run(store.erase(id, token));
        EXPECT_TRUE(erased) << erased.error().message();
        return erased && *erased;
    }

    t::TempDir dir_;
    t::RedisServer redis_;
    t::EventLoop loop_;
    core::SystemRandom random_;
    FixedClock clock_;
    crypto::SessionCipher cipher_;
    redis::RedisClient client_;
    redis::DurableWrites durable_;
    RedisWorkspaceStore store_;
};

TEST_F(RedisWorkspaceStoreTest, KeepsTheConnectionSealedAndGivesItBack) {
    save(store_, connection("ws_acme", "tok_super_secret_value"));
    t::RedisProbe probe(redis_.port());
    const auto key = store_.key_for("ws_acme");
    EXPECT_EQ(key, "test:workspace:ws_acme");
    const auto sealed = probe.command({"HGET", key, "sealed"});
    ASSERT_EQ(sealed.type, t::RedisValue::Type::string);
    EXPECT_EQ(sealed.text.find("tok_super_secret_value"), std::string::npos);
    EXPECT_EQ(sealed.text.find("Grace"), std::string::npos);
    EXPECT_EQ(probe.ttl(key), -1) << "connections do not expire";

    const auto loaded = load(store_, "ws_acme");
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->access_token.expose(), "tok_super_secret_value");
    EXPECT_EQ(loaded->workspace_name, "Acme Support");
    EXPECT_EQ(loaded->api_base, "https://api.intercom.io");
    EXPECT_EQ(loaded->admin_name, "Grace Hopper");
    EXPECT_EQ(loaded->connected_at, 1'699'999'000);
    EXPECT_FALSE(load(store_, "ws_other"));
    EXPECT_FALSE(load(store_, "ws acme")) << "a malformed id never reaches Redis";
    EXPECT_FALSE(load(store_, "")) << "an empty id is no workspace";
}

TEST_F(RedisWorkspaceStoreTest, ARecordCopiedToAnotherWorkspaceDoesNotOpen) {
    save(store_, connection("ws_acme", "tok_acme"));
    t::RedisProbe probe(redis_.port());
    const auto sealed = probe.command({"HGET", store_.key_for("ws_acme"), "sealed"});
    probe.command({"HSET", store_.key_for("ws_evil"), "sealed", sealed.text});
    EXPECT_FALSE(load(store_, "ws_evil"));
}

TEST_F(RedisWorkspaceStoreTest, ALaterLoginReplacesTheToken) {
    save(store_, connection("ws_acme", "tok_first"));
    save(store_, connection("ws_acme", "tok_second"));
    const auto loaded = load(store_, "ws_acme");
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->access_token.expose(), "tok_second");
}

TEST_F(RedisWorkspaceStoreTest, ARefusedTokenEndsTheConnectionOnlyWhileItStillHoldsIt) {
    save(store_, connection("ws_acme", "tok_second"));
    const core::Secret older(std::string("tok_first"));
    EXPECT_FALSE(erase(store_, "ws_acme", &older)) << "a later login's token must outlive an older one's refusal";
    EXPECT_TRUE(load(store_, "ws_acme"));
    const core::Secret current(std::string("tok_second"));
    EXPECT_TRUE(erase(store_, "ws_acme", &current));
    EXPECT_FALSE(load(store_, "ws_acme"));
    EXPECT_FALSE(erase(store_, "ws_acme", nullptr)) << "already gone";
}

TEST_F(RedisWorkspaceStoreTest, ListsConnectionsWithoutTokensAndWithTheirLastUse) {
    save(store_, connection("ws_b", "tok_b"));
    save(store_, connection("ws_a", "tok_a"));
    store_.note_use("ws_a");
    t::RedisProbe probe(redis_.port());
    ASSERT_TRUE(t::eventually([&] { return probe.exists("test:workspace-used:ws_a"); }, 5s));
    auto listed = loop_.run(store_.list());
    ASSERT_TRUE(listed) << listed.error().message();
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].id, "ws_a");
    EXPECT_EQ((*listed)[0].name, "Acme Support");
    EXPECT_EQ((*listed)[0].last_used_at, 1'700'000'000);
    EXPECT_EQ((*listed)[1].id, "ws_b");
    EXPECT_EQ((*listed)[1].last_used_at, 0) << "never used";

    // Use is noted at most once an interval: a second note writes nothing.
    probe.command({"DEL", "test:workspace-used:ws_a"});
    store_.note_use("ws_a");
    save(store_, connection("ws_c", "tok_c"));  // a round trip after the note would have been sent
    EXPECT_FALSE(probe.exists("test:workspace-used:ws_a"));

    EXPECT_TRUE(erase(store_, "ws_a", nullptr));
    listed = loop_.run(store_.list());
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].id, "ws_b");
}

TEST_F(RedisWorkspaceStoreTest, FailsWithAnErrorRatherThanNotConnectedWhileRedisIsDown) {
    save(store_, connection("ws_acme", "tok_acme"));
    redis_.stop();
    ASSERT_TRUE(t::eventually([&] { return !client_.connected(); }, 5s));
    EXPECT_FALSE(loop_.run(store_.load("ws_acme")));
    EXPECT_FALSE(loop_.run(store_.erase("ws_acme", nullptr)));
    EXPECT_FALSE(loop_.run(store_.list()));
}

TEST_F(RedisWorkspaceStoreTest, TheCachedStoreServesFromMemoryAndDropsItsOwnChanges) {
    WorkspaceCache cache(30s, 100);
    cache.enable(cache.disable());  // tracking is tested end to end; here the cache is simply on
    CachedWorkspaceStore cached(store_, cache);
    save(cached, connection("ws_acme", "tok_first"));
    ASSERT_TRUE(load(cached, "ws_acme"));
    EXPECT_EQ(cache.size(), 1u);

    // Served from memory: a change behind its back (no tracking here) is not seen...
    t::RedisProbe probe(redis_.port());
    probe.command({"DEL", store_.key_for("ws_acme")});
    EXPECT_TRUE(load(cached, "ws_acme"));
    // ...while its own changes drop the entry at once.
    save(cached, connection("ws_acme", "tok_second"));
    auto loaded = load(cached, "ws_acme");
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->access_token.expose(), "tok_second");
    EXPECT_TRUE(erase(cached, "ws_acme", nullptr));
    EXPECT_FALSE(load(cached, "ws_acme"));
}

// Key rotation: a connection opened by an older key is sealed again under the current one, unless
// a login replaced it meanwhile.
TEST_F(RedisWorkspaceStoreTest, AConnectionOpenedByAnOlderKeyIsSealedAgainUnderTheCurrentOne) {
    save(store_, connection("ws_acme", "tok_1"));
    t::RedisProbe probe(redis_.port());
    const auto key = store_.key_for("ws_acme");
    std::vector<crypto::SealingKey> keys;
    keys.push_back({"k2", core::Secret(std::string(32, 'n'))});
    keys.push_back({"default", core::Secret(std::string(32, 'k'))});
    const crypto::SessionCipher rotated(std::move(keys));
    RedisWorkspaceStore rotating(loop_.io().get_executor(), client_, durable_, rotated, random_, clock_, "test:");
    const auto loaded = load(rotating, "ws_acme");
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->access_token.expose(), "tok_1");
    const auto sealed = probe.command({"HGET", key, "sealed"});
    EXPECT_EQ(sealed.text.substr(1, 3), std::string("\x02k2"));
    EXPECT_EQ(probe.command({"HGET", key, "token"}).type, t::RedisValue::Type::string) << "the fingerprint stays";
    EXPECT_EQ(probe.ttl(key), -1);
    const auto again = load(store_, "ws_acme");
    EXPECT_FALSE(again) << "the old one-key ring no longer opens it: it really was sealed again";
}

}  // namespace
}  // namespace icg::workspace
