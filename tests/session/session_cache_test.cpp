// The cache's rules, with explicit times: off until enabled, fresh window, invalidation racing a
// load, epochs across disable/enable, bounded size.
#include "session/session_cache.hpp"

#include <gtest/gtest.h>

namespace icg::session {
namespace {

using namespace std::chrono_literals;
using Clock = SessionCache::Clock;

SessionRecord record(const std::string& admin) {
    SessionRecord r;
    r.access_token = core::Secret("token-" + admin);
    r.admin_id = admin;
    r.expires_at = 4'000'000'000;
    return r;
}

// A cache that is on, and `key` loaded into it at `now`.
void load_into(SessionCache& cache, const std::string& key, const std::string& admin, Clock::time_point now) {
    auto ticket = cache.begin_load(key);
    cache.finish_load(ticket, record(admin), now);
}

class SessionCacheTest : public ::testing::Test {
protected:
    SessionCache cache{10s, 100};
    Clock::time_point t0 = Clock::now();
    void SetUp() override { ASSERT_TRUE(cache.enable(cache.disable())); }
};

TEST_F(SessionCacheTest, LoadedEntryIsFoundWhileFresh) {
    load_into(cache, "k", "alice", t0);
    auto hit = cache.find("k", t0 + 9s);
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->admin_id, "alice");
    EXPECT_EQ(hit->access_token.expose(), "token-alice");
    EXPECT_FALSE(cache.find("k", t0 + 10s).has_value()) << "an entry past its fresh window must be re-read";
    EXPECT_FALSE(cache.find("k", t0 + 1s).has_value()) << "a stale entry is dropped, not kept";
}

TEST_F(SessionCacheTest, NothingIsCachedOrFoundWhileOff) {
    SessionCache off{10s, 100};
    load_into(off, "k", "alice", t0);
    EXPECT_FALSE(off.find("k", t0).has_value());
    EXPECT_EQ(off.size(), 0u);
}

TEST_F(SessionCacheTest, InvalidationRemovesTheEntry) {
    load_into(cache, "k", "alice", t0);
    load_into(cache, "other", "bob", t0);
    cache.invalidate("k");
    EXPECT_FALSE(cache.find("k", t0).has_value());
    EXPECT_TRUE(cache.find("other", t0).has_value());
}

TEST_F(SessionCacheTest, LoadOvertakenByAnInvalidationIsNotCached) {
    auto ticket = cache.begin_load("k");
    cache.invalidate("k");  // the change reached us before the (older) read's reply
    cache.finish_load(ticket, record("stale"), t0);
    EXPECT_FALSE(cache.find("k", t0).has_value());
    load_into(cache, "k", "fresh", t0);  // the next load is clean again
    EXPECT_TRUE(cache.find("k", t0).has_value());
}

TEST_F(SessionCacheTest, InvalidationOfAnotherKeyDoesNotSpoilALoad) {
    auto ticket = cache.begin_load("k");
    cache.invalidate("other");
    cache.finish_load(ticket, record("alice"), t0);
    EXPECT_TRUE(cache.find("k", t0).has_value());
}

TEST_F(SessionCacheTest, OverlappingLoadsOfOneKeyAreAllSpoiledByAnInvalidation) {
    auto first = cache.begin_load("k");
    auto second = cache.begin_load("k");
    cache.invalidate("k");
    cache.finish_load(first, record("a"), t0);
    cache.finish_load(second, record("b"), t0);
    EXPECT_FALSE(cache.find("k", t0).has_value());
}

TEST_F(SessionCacheTest, DisableEmptiesAndVoidsLoadsInFlight) {
    load_into(cache, "k", "alice", t0);
    auto ticket = cache.begin_load("j");
    const auto epoch = cache.disable();
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_FALSE(cache.enabled());
    ASSERT_TRUE(cache.enable(epoch));
    cache.finish_load(ticket, record("bob"), t0);
    EXPECT_FALSE(cache.find("j", t0).has_value()) << "a load begun before a loss of tracking must not be cached";
}

TEST_F(SessionCacheTest, EnableWithAnOutdatedEpochIsRefused) {
    const auto first = cache.disable();
    const auto second = cache.disable();
    EXPECT_FALSE(cache.enable(first));
    EXPECT_FALSE(cache.enabled());
    EXPECT_TRUE(cache.enable(second));
}

TEST_F(SessionCacheTest, LoadThatFoundNoSessionRemovesAnyEntry) {
    load_into(cache, "k", "alice", t0);
    auto ticket = cache.begin_load("k");
    cache.finish_load(ticket, std::nullopt, t0);
    EXPECT_FALSE(cache.find("k", t0).has_value());
}

TEST_F(SessionCacheTest, AbandonedLoadCachesNothing) {
    auto ticket = cache.begin_load("k");
    cache.abandon_load(ticket);
    cache.finish_load(ticket, record("alice"), t0);
    EXPECT_FALSE(cache.find("k", t0).has_value());
}

TEST_F(SessionCacheTest, SizeStaysBounded) {
    SessionCache small{10s, 16};
    ASSERT_TRUE(small.enable(small.disable()));
    const auto now = Clock::now();
    for (int i = 0; i < 100; ++i) load_into(small, "k" + std::to_string(i), "a", now);
    EXPECT_LE(small.size(), 16u);
    EXPECT_TRUE(small.find("k99", now).has_value()) << "the newest entry is kept";
}

}  // namespace
}  // namespace icg::session
