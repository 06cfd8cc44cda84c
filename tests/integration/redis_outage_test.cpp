// Redis going away and coming back: readiness, fail-closed session endpoints, reconnection.
#include "gateway_fixture.hpp"

#include <rapidjson/document.h>

namespace icg::testing {
namespace {

class RedisOutageTest : public GatewayTest {
protected:
    bool needs_private_redis() const override { return true; }

    void take_redis_down() {
        gateway();  // started (and ready) while Redis is still up
        private_redis().stop();
        ASSERT_TRUE(wait_for_readyz(503)) << "GET /readyz did not turn 503 after Redis stopped";
    }
};

void expect_cookie_kept(const HttpResponse& response) {
    const auto cookie = find_set_cookie(response, session_cookie);
    EXPECT_FALSE(cookie.has_value()) << "the session cookie must be left alone while Redis is down: " << cookie->raw;
}

TEST_F(RedisOutageTest, ReadinessFollowsRedisAndRecovers) {
    auto client = browser();
    EXPECT_EQ(client.get("/readyz").status, 200u);
    take_redis_down();
    EXPECT_EQ(client.get("/healthz").status, 200u) << "liveness does not depend on Redis";
    private_redis().start();
    EXPECT_TRUE(wait_for_readyz(200)) << "the gateway did not reconnect to Redis";
}

TEST_F(RedisOutageTest, SessionEndpointIs503AndKeepsTheCookie) {
    auto client = browser();
    login(client);
    take_redis_down();
    const auto response = client.get("/auth/session");
    EXPECT_EQ(response.status, 503u) << response.body;
    EXPECT_TRUE(response.header("Content-Type").starts_with("application/json")) << response.header("Content-Type");
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << response.body;
    expect_cookie_kept(response);
    EXPECT_TRUE(client.cookie(session_cookie).has_value());
}

// The record cannot be ended while Redis is down, but the browser must not stay logged in: on a
// shared computer the next user would inherit the session.
TEST_F(RedisOutageTest, LogoutIs503ButClearsTheCookieAnyway) {
    auto client = browser();
    login(client);
    take_redis_down();
    const auto response = client.post("/auth/logout");
    EXPECT_EQ(response.status, 503u) << response.body;
    EXPECT_EQ(response.body, R"({"error":"session_store_unavailable","logged_out_here":true})");
    const auto cleared = find_set_cookie(response, session_cookie);
    ASSERT_TRUE(cleared.has_value());
    EXPECT_TRUE(cleared->value.empty()) << cleared->raw;
    EXPECT_EQ(cleared->max_age().value_or(-1), 0) << cleared->raw;
    EXPECT_FALSE(client.cookie(session_cookie).has_value());
    EXPECT_EQ(client.get("/auth/session").status, 401u) << "no cookie, no session: Redis is not even asked";
}

TEST_F(RedisOutageTest, LoginFailsClosedWhileRedisIsDown) {
    take_redis_down();
    auto client = browser();
    const auto response = client.get("/auth/login");
    EXPECT_GE(response.status, 500u) << "a login whose state cannot be stored must not start: " << response.status;
    EXPECT_FALSE(response.has_header("Location")) << response.header("Location");
}

TEST_F(RedisOutageTest, LoginWorksAgainAfterRedisReturns) {
    take_redis_down();
    private_redis().start();
    ASSERT_TRUE(wait_for_readyz(200));
    auto client = browser();
    login(client);
    EXPECT_EQ(client.get("/auth/session").status, 200u);
}

TEST_F(RedisOutageTest, ASessionFromBeforeARestartedEmptyRedisIsGone) {
    auto client = browser();
    login(client);
    take_redis_down();
    private_redis().start();  // no persistence: every session is gone
    ASSERT_TRUE(wait_for_readyz(200));
    const auto response = client.get("/auth/session");
    EXPECT_EQ(response.status, 401u) << response.body;
}

}  // namespace
}  // namespace icg::testing
