// Sessions and pending logins in a real Redis, with a fake clock for the absolute lifetime.
#include "session/redis_session_store.hpp"

#include "core/clock.hpp"
#include "core/random.hpp"
#include "crypto/digest.hpp"
#include "crypto/session_cipher.hpp"
#include "redis/durable_writes.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_connector.hpp"
#include "session/redis_login_state_store.hpp"
#include "session/redis_login_throttle.hpp"
#include "support/event_loop.hpp"
#include "support/eventually.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace icg::session {
namespace {
using namespace std::chrono_literals;
namespace t = icg::testing;

class FakeClock final : public core::Clock {
public:
    std::chrono::system_clock::time_point now() const override { return now_; }
    void advance(std::chrono::seconds by) { now_ += by; }

private:
    std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
};

std::int64_t unix_now(const core::Clock& clock) {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

class RedisSessionStoreTest : public ::testing::Test {
protected:
    RedisSessionStoreTest()
        : redis_(dir_),
          cipher_(core::Secret(std::string(32, 'k'))),
          client_(
              loop_.io().get_executor(),
              redis::connect_to_url(loop_.io().get_executor(), *redis::parse_redis_url(started_url(), nullptr), {})),
          durable_(client_, 0, {}),
          store_(client_, durable_, cipher_, random_, clock_, "test:", idle_),
          logins_(client_, cipher_, random_, "test:"),
          throttle_(client_, "test:", {.per_browser = 3, .per_address = 5, .window = 600s}) {
        client_.start();
        EXPECT_TRUE(t::eventually([&] { return client_.connected(); }, 5s));
    }

    std::string started_url() {
        redis_.start();
        return redis_.url();
    }

    SessionRecord record(std::chrono::seconds lifetime = 7 * 24h) const {
        return {.access_token = core::Secret(std::string("tok_super_secret_value")),
                .admin_id = "42",
                .admin_name = "Ada Lovelace",
                .admin_email = "ada@example.com",
                .workspace_id = "ws_1",
                .workspace_name = "Demo",
                .created_at = unix_now(clock_),
                .expires_at = unix_now(clock_) + lifetime.count()};
    }

    core::Secret create(const SessionRecord& r) {
        auto id = loop_.run(store_.create(r));
        EXPECT_TRUE(id) << id.error().message();
        return *id;
    }

    std::optional<SessionRecord> load(const core::Secret& id) {
        auto r = loop_.run(store_.load(id));
        EXPECT_TRUE(r) << r.error().message();
        return r ? *r : std::nullopt;
    }

    const std::chrono::seconds idle_ = 3600s;
    t::TempDir dir_;
    t::RedisServer redis_;
    t::EventLoop loop_;
    core::SystemRandom random_;
    FakeClock clock_;
    crypto::SessionCipher cipher_;
    redis::RedisClient client_;
    redis::DurableWrites durable_;
    RedisSessionStore store_;
    RedisLoginStateStore logins_;
    RedisLoginThrottle throttle_;
};

TEST_F(RedisSessionStoreTest, StoresUnderAHashOfTheIdAndEncryptsTheWholeRecord) {
    const auto id = create(record());
    EXPECT_EQ(id.size(), 43u);  // 256 bits, base64url
    t::RedisProbe probe(redis_.port());
    const auto keys = probe.keys("test:session:*");
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0], "test:session:" + crypto::sha256_hex(id.expose()));
    EXPECT_EQ(keys[0].find(std::string(id.expose())), std::string::npos);
    const auto stored = probe.get(keys[0]);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->find("tok_super_secret_value"), std::string::npos);
    EXPECT_EQ(stored->find("ada@example.com"), std::string::npos);
    EXPECT_EQ(stored->find("Ada"), std::string::npos);
    EXPECT_GT(probe.ttl(keys[0]), 3500);
    EXPECT_LE(probe.ttl(keys[0]), 3600);
}

SessionRecord with_token(SessionRecord r, std::string token, std::string workspace = "ws_1") {
    r.access_token = core::Secret(std::move(token));
    r.workspace_id = std::move(workspace);
    return r;
}

TEST_F(RedisSessionStoreTest, EndsAWorkspacesSessionsHoldingOneTokenOrAll) {
    const core::Secret a1_token(std::string("tok_A"));
    const auto a1 = create(with_token(record(), "tok_A"));
    const auto a2 = create(with_token(record(), "tok_A"));
    const auto b = create(with_token(record(), "tok_B"));
    const auto other = create(with_token(record(), "tok_A", "ws_2"));

    auto ended = loop_.run(store_.end_workspace("ws_1", &a1_token));
    ASSERT_TRUE(ended) << ended.error().message();
    EXPECT_EQ(*ended, 2u);
    EXPECT_FALSE(load(a1));
    EXPECT_FALSE(load(a2));
    EXPECT_TRUE(load(b)) << "a session holding another token of the workspace stays";
    EXPECT_TRUE(load(other)) << "another workspace's session stays, whatever its token";

    ended = loop_.run(store_.end_workspace("ws_1", nullptr));
    ASSERT_TRUE(ended);
    EXPECT_EQ(*ended, 1u);
    EXPECT_FALSE(load(b));
    EXPECT_TRUE(load(other));
    t::RedisProbe probe(redis_.port());
    EXPECT_FALSE(probe.exists(store_.index_key("ws_1"))) << "the index is emptied with its sessions";

    ended = loop_.run(store_.end_workspace("ws_unknown", nullptr));
    ASSERT_TRUE(ended);
    EXPECT_EQ(*ended, 0u);
}

TEST_F(RedisSessionStoreTest, TheWorkspaceIndexHoldsNoSecretAndIsPrunedAsSessionsEnd) {
    const auto old = create(with_token(record(100s), "tok_super_secret_value"));
    t::RedisProbe probe(redis_.port());
    const auto index = store_.index_key("ws_1");
    auto members = probe.command({"ZRANGE", index, "0", "-1"});
    ASSERT_EQ(members.elements.size(), 1u);
    EXPECT_EQ(members.elements[0].text,
              crypto::fingerprint("tok_super_secret_value") + ":" + crypto::sha256_hex(old.expose()))
        << "a token fingerprint and the session key's hash: neither the token nor the id";
    EXPECT_GT(probe.ttl(index), 90);
    EXPECT_LE(probe.ttl(index), 100);

    clock_.advance(200s);
    create(with_token(record(), "tok_super_secret_value"));
    members = probe.command({"ZRANGE", index, "0", "-1"});
    EXPECT_EQ(members.elements.size(), 1u) << "the ended session left the index";
    EXPECT_GT(probe.ttl(index), 7 * 24 * 3600 - 10) << "the index lives as long as its longest session";
}

TEST_F(RedisSessionStoreTest, LoadsWhatWasStoredAndSlidesTheIdleTimeout) {
    const auto id = create(record());
    t::RedisProbe probe(redis_.port());
    const auto key = store_.key_for(id);
    probe.command({"EXPIRE", key, "100"});
    auto loaded = load(id);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->access_token.expose(), "tok_super_secret_value");
    EXPECT_EQ(loaded->admin_email, "ada@example.com");
    EXPECT_EQ(loaded->workspace_name, "Demo");
    EXPECT_GT(probe.ttl(key), 3500);  // back to the full idle timeout
}

TEST_F(RedisSessionStoreTest, UnknownMalformedAndErasedIdsHaveNoSession) {
    EXPECT_FALSE(load(core::Secret(std::string(43, 'A'))));
    EXPECT_FALSE(load(core::Secret(std::string("short"))));
    const auto id = create(record());
    ASSERT_TRUE(load(id));
    ASSERT_TRUE(loop_.run(store_.erase(id)));
    EXPECT_FALSE(load(id));
}

TEST_F(RedisSessionStoreTest, EndsTheSessionAtItsAbsoluteLifetimeEvenWhenUsed) {
    const auto id = create(record(2 * 3600s));
    clock_.advance(3000s);
    ASSERT_TRUE(load(id));
    // Less than one idle period is left: the key must not outlive the absolute end.
    t::RedisProbe probe(redis_.port());
    EXPECT_LE(probe.ttl(store_.key_for(id)), 2 * 3600 - 3000);
    clock_.advance(4300s);
    EXPECT_FALSE(load(id));
    EXPECT_FALSE(probe.exists(store_.key_for(id)));
}

TEST_F(RedisSessionStoreTest, ARecordMovedToAnotherKeyOrAlteredDoesNotOpen) {
    const auto a = create(record());
    const auto b = create(record());
    t::RedisProbe probe(redis_.port());
    // Copy a's sealed record over b's key: the key is the associated data, so it must not open.
    probe.command({"SET", store_.key_for(b), *probe.get(store_.key_for(a))});
    EXPECT_FALSE(load(b));
    auto sealed = *probe.get(store_.key_for(a));
    sealed[sealed.size() / 2] ^= 1;
    probe.command({"SET", store_.key_for(a), sealed});
    EXPECT_FALSE(load(a));
}

TEST_F(RedisSessionStoreTest, FailsWithAnErrorRatherThanNoSessionWhileRedisIsDown) {
    const auto id = create(record());
    redis_.stop();
    ASSERT_TRUE(t::eventually([&] { return !client_.connected(); }, 5s));
    auto loaded = loop_.run(store_.load(id));
    EXPECT_FALSE(loaded.has_value());
    auto erased = loop_.run(store_.erase(id));
    EXPECT_FALSE(erased.has_value());
}

TEST_F(RedisSessionStoreTest, PendingLoginsAreSingleUseAndExpire) {
    const PendingLogin pending{std::string(64, 'a'), "/after?x=1"};
    ASSERT_TRUE(loop_.run(logins_.put("state-1", pending, 600s)));
    t::RedisProbe probe(redis_.port());
    const auto keys = probe.keys("test:login:*");
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].find("state-1"), std::string::npos);
    EXPECT_GT(probe.ttl(keys[0]), 590);

    auto first = loop_.run(logins_.take("state-1", pending.browser_binding));
    ASSERT_TRUE(first);
    ASSERT_TRUE(*first);
    EXPECT_EQ((*first)->login.browser_binding, pending.browser_binding);
    EXPECT_EQ((*first)->login.return_to, "/after?x=1");
    EXPECT_FALSE((*first)->others_pending);
    auto replay = loop_.run(logins_.take("state-1", pending.browser_binding));
    ASSERT_TRUE(replay);
    EXPECT_FALSE(*replay);
    auto unknown = loop_.run(logins_.take("never-issued", pending.browser_binding));
    ASSERT_TRUE(unknown);
    EXPECT_FALSE(*unknown);
}

// A browser's binding cookie may go once none of its logins waits any more; another browser's
// logins do not count.
TEST_F(RedisSessionStoreTest, TakingALoginTellsWhetherTheSameBrowserHasOthersPending) {
    const PendingLogin tab_a{std::string(64, 'a'), "/a"}, tab_b{std::string(64, 'a'), "/b"};
    const PendingLogin other_browser{std::string(64, 'c'), "/c"};
    ASSERT_TRUE(loop_.run(logins_.put("state-a", tab_a, 600s)));
    ASSERT_TRUE(loop_.run(logins_.put("state-b", tab_b, 600s)));
    ASSERT_TRUE(loop_.run(logins_.put("state-c", other_browser, 600s)));
    auto first = loop_.run(logins_.take("state-b", tab_b.browser_binding));
    ASSERT_TRUE(first && *first);
    EXPECT_TRUE((*first)->others_pending) << "tab a still waits";
    auto second = loop_.run(logins_.take("state-a", tab_a.browser_binding));
    ASSERT_TRUE(second && *second);
    EXPECT_FALSE((*second)->others_pending) << "browser c's login is not this browser's";
    t::RedisProbe probe(redis_.port());
    EXPECT_TRUE(probe.keys("test:login-pending:" + std::string(64, 'a')).empty()) << "an empty list is gone";
    EXPECT_GT(probe.ttl("test:login-pending:" + std::string(64, 'c')), 590) << "lists lapse with their logins";
}

// A login that lapsed without its callback does not keep the cookie forever.
TEST_F(RedisSessionStoreTest, ALapsedLoginDoesNotCountAsPending) {
    const PendingLogin lapsed{std::string(64, 'd'), "/old"}, current{std::string(64, 'd'), "/new"};
    ASSERT_TRUE(loop_.run(logins_.put("state-old", lapsed, 600s)));
    ASSERT_TRUE(loop_.run(logins_.put("state-new", current, 600s)));
    t::RedisProbe probe(redis_.port());
    // As if both had been started long ago: their lapse times are in the past. The one taken is
    // unlisted anyway; the other no longer counts.
    const auto key = "test:login-pending:" + std::string(64, 'd');
    const auto members = probe.command({"ZRANGE", key, "0", "-1"});
    ASSERT_EQ(members.elements.size(), 2u);
    for (const auto& member : members.elements) probe.command({"ZADD", key, "XX", "1", member.text});
    auto taken = loop_.run(logins_.take("state-new", current.browser_binding));
    ASSERT_TRUE(taken && *taken);
    EXPECT_FALSE((*taken)->others_pending);
}

// Another browser's callback with a stolen state finds nothing, and leaves the login to its owner.
TEST_F(RedisSessionStoreTest, APendingLoginIsSpentOnlyByTheBrowserThatStartedIt) {
    const PendingLogin pending{std::string(64, 'a'), "/owner"};
    ASSERT_TRUE(loop_.run(logins_.put("state-2", pending, 600s)));
    auto stranger = loop_.run(logins_.take("state-2", std::string(64, 'b')));
    ASSERT_TRUE(stranger);
    EXPECT_FALSE(*stranger);
    auto owner = loop_.run(logins_.take("state-2", pending.browser_binding));
    ASSERT_TRUE(owner);
    ASSERT_TRUE(*owner) << "the stranger's attempt spent the owner's login";
    EXPECT_EQ((*owner)->login.return_to, "/owner");
}

// Whoever can write to Redis cannot read where a login returns to, nor plant or alter one.
TEST_F(RedisSessionStoreTest, PendingLoginsAreSealedAndAForgedOneDoesNotOpen) {
    const PendingLogin pending{std::string(64, 'a'), "/private/return/path"};
    ASSERT_TRUE(loop_.run(logins_.put("state-3", pending, 600s)));
    t::RedisProbe probe(redis_.port());
    const auto keys = probe.keys("test:login:*");
    ASSERT_EQ(keys.size(), 1u);
    const auto stored = probe.get(keys[0]);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->find("/private/return/path"), std::string::npos);
    EXPECT_EQ(stored->find(std::string(64, 'a')), std::string::npos);

    // A plain record in the old format, and a sealed one flipped by one bit, under the right key.
    probe.command({"SET", keys[0], std::string(64, 'a') + " //evil.example"});
    auto forged = loop_.run(logins_.take("state-3", pending.browser_binding));
    ASSERT_TRUE(forged);
    EXPECT_FALSE(*forged);
    ASSERT_TRUE(loop_.run(logins_.put("state-3", pending, 600s)));
    std::string flipped = *probe.get(keys[0]);
    flipped[flipped.size() / 2] ^= 0x01;
    probe.command({"SET", keys[0], flipped});
    auto altered = loop_.run(logins_.take("state-3", pending.browser_binding));
    ASSERT_TRUE(altered);
    EXPECT_FALSE(*altered);
}

TEST_F(RedisSessionStoreTest, LoginStartsAreBoundedPerBrowserAndPerAddress) {
    const std::string browser_a(64, 'a'), browser_b(64, 'b');
    for (int i = 0; i < 3; ++i) {
        auto admitted = loop_.run(throttle_.admit(browser_a, "192.0.2.1"));
        ASSERT_TRUE(admitted);
        EXPECT_TRUE(admitted->admitted) << i;
    }
    auto fourth = loop_.run(throttle_.admit(browser_a, "192.0.2.1"));
    ASSERT_TRUE(fourth);
    EXPECT_FALSE(fourth->admitted);
    EXPECT_GT(fourth->retry_after.count(), 590);
    EXPECT_LE(fourth->retry_after.count(), 600);

    // Another browser at the same address has its own count, until the address's runs out (5).
    auto other = loop_.run(throttle_.admit(browser_b, "192.0.2.1"));
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->admitted);
    auto address_full = loop_.run(throttle_.admit(std::string(64, 'c'), "192.0.2.1"));
    ASSERT_TRUE(address_full);
    EXPECT_FALSE(address_full->admitted) << "the sixth login from one address";
    auto elsewhere = loop_.run(throttle_.admit(std::string(64, 'd'), "198.51.100.7"));
    ASSERT_TRUE(elsewhere);
    EXPECT_TRUE(elsewhere->admitted);

    // Every counter expires with the window, and no key names an address in the clear.
    t::RedisProbe probe(redis_.port());
    for (const auto& key : probe.keys("test:login-count:*")) {
        EXPECT_GT(probe.ttl(key), 0) << key;
        EXPECT_EQ(key.find("192.0.2.1"), std::string::npos) << key;
    }
}

// Key rotation: a session sealed under a key that is no longer the first is sealed again under
// the current one when it is read, keeping its expiry; the old key can then go.
TEST_F(RedisSessionStoreTest, ASessionOpenedByAnOlderKeyIsSealedAgainUnderTheCurrentOne) {
    const auto id = create(record());  // sealed by the fixture's one key, "default"
    t::RedisProbe probe(redis_.port());
    const auto keys = probe.keys("test:session:*");
    ASSERT_EQ(keys.size(), 1u);
    const auto before = probe.get(keys[0]);
    ASSERT_TRUE(before);
    EXPECT_EQ(before->substr(2, 7), "default");

    std::vector<crypto::SealingKey> rotated;
    rotated.push_back({"k2", core::Secret(std::string(32, 'n'))});
    rotated.push_back({"default", core::Secret(std::string(32, 'k'))});
    const crypto::SessionCipher both(std::move(rotated));
    RedisSessionStore rotating(client_, durable_, both, random_, clock_, "test:", idle_);
    auto loaded = loop_.run(rotating.load(id));
    ASSERT_TRUE(loaded && *loaded);
    EXPECT_EQ((*loaded)->admin_name, "Ada Lovelace");
    const auto after = probe.get(keys[0]);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->substr(1, 3), std::string("\x02k2"));
    EXPECT_GT(probe.ttl(keys[0]), 3590) << "the idle expiry is kept";

    // The old key gone, the session still opens.
    std::vector<crypto::SealingKey> new_only;
    new_only.push_back({"k2", core::Secret(std::string(32, 'n'))});
    const crypto::SessionCipher ring_of_new(std::move(new_only));
    RedisSessionStore rotated_store(client_, durable_, ring_of_new, random_, clock_, "test:", idle_);
    auto again = loop_.run(rotated_store.load(id));
    ASSERT_TRUE(again && *again);
    EXPECT_EQ((*again)->workspace_id, "ws_1");
    EXPECT_EQ(*probe.get(keys[0]), *after) << "a record under the current key is not written again";
}

}  // namespace
}  // namespace icg::session
