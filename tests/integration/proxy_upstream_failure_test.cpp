// When Intercom says no or cannot answer: a revoked token ends the session; an unreachable or
// slow API is a 502 or 504, after which the client's connection and the pool keep working.
#include "gateway_fixture.hpp"

#include "support/ports.hpp"

#include <map>

namespace icg::testing {
namespace {

using ProxyUpstreamFailureTest = GatewayTest;

std::string member(const HttpResponse& response, const std::string& name) {
    const auto members = string_members(response);
    const auto it = members.find(name);
    return it == members.end() ? "(no " + name + ")" : it->second;
}

HeaderList with_session(const std::string& session_id) {
    return {{"Cookie", std::string(session_cookie) + "=" + session_id}};
}

TEST_F(ProxyUpstreamFailureTest, ARevokedTokenEndsTheSessionAndAsksForANewLogin) {
    auto client = browser();
    login(client);
    const auto session_id = client.cookie(session_cookie);
    ASSERT_TRUE(session_id.has_value());
    ASSERT_EQ(client.get("/intercom/contacts").status, 200u);
    const auto session_keys = gateway_keys("session");
    ASSERT_FALSE(session_keys.empty());

    mock().revoke_all_tokens();
    const auto api_before = mock().stats().api;
    const auto response = client.get("/intercom/contacts");
    EXPECT_EQ(response.status, 401u) << response.body;
    EXPECT_EQ(member(response, "error"), "unauthenticated") << response.body;
    EXPECT_EQ(member(response, "login"), "/auth/login") << response.body;
    EXPECT_EQ(mock().stats().api, api_before + 1) << "the call went to Intercom, which refused the token";

    const auto cleared = find_set_cookie(response, session_cookie);
    ASSERT_TRUE(cleared.has_value()) << "the session cookie must be cleared";
    EXPECT_TRUE(cleared->value.empty()) << cleared->raw;
    EXPECT_EQ(cleared->max_age(), 0) << cleared->raw;
    EXPECT_FALSE(client.cookie(session_cookie).has_value());

    auto redis = redis_probe();
    for (const auto& key : session_keys) EXPECT_FALSE(redis.exists(key)) << "the session is still in Redis: " << key;

    // The old cookie replayed: unknown now, and Intercom is not asked again.
    const auto api_after = mock().stats().api;
    client.set_cookie(session_cookie, *session_id);
    const auto again = client.get("/intercom/contacts");
    EXPECT_EQ(again.status, 401u) << again.body;
    EXPECT_EQ(string_members(again),
              (std::map<std::string, std::string>{{"error", "unauthenticated"}, {"login", "/auth/login"}}));
    EXPECT_EQ(mock().stats().api, api_after);
    EXPECT_EQ(client.get("/auth/session").status, 401u);
}

TEST_F(ProxyUpstreamFailureTest, AnUnreachableApiIs502AndTheConnectionStaysUsable) {
    // Log in against the mock, then restart the gateway (same Redis, prefix and key) with an API
    // base nobody listens on: the session survives the restart, the API does not answer.
    auto client = browser();
    login(client);
    const auto session_id = client.cookie(session_cookie);
    ASSERT_TRUE(session_id.has_value());
    const auto closed_port = free_port();
    start_gateway([&](GatewaySettings& s) {
        s.set("intercom", "api_base", "https://localhost:" + std::to_string(closed_port));
        s.set("proxy", "connect_timeout", "2s");
    });
    const auto session_keys = gateway_keys("session");
    ASSERT_FALSE(session_keys.empty());

    HttpsConnection connection(gateway().port(), certificates().ca_file);
    for (const char* target : {"/intercom/contacts", "/intercom/echo?x=1"}) {
        const auto response = connection.request("GET", target, with_session(*session_id));
        EXPECT_EQ(response.status, 502u) << target << ": " << response.body;
        EXPECT_EQ(member(response, "error"), "upstream_unavailable") << response.body;
        EXPECT_FALSE(response.header("X-Request-Id").empty()) << "an error needs its request id most";
        EXPECT_TRUE(response.keep_alive);
        EXPECT_FALSE(find_set_cookie(response, session_cookie).has_value()) << "a 502 must not end the session";
    }
    const auto health = connection.request("GET", "/healthz");
    EXPECT_EQ(health.status, 200u) << "the same connection must still serve";
    auto redis = redis_probe();
    for (const auto& key : session_keys) EXPECT_TRUE(redis.exists(key)) << "a 502 must not end the session: " << key;
}

TEST_F(ProxyUpstreamFailureTest, ASlowApiIs504AndTheConnectionAndPoolStillWork) {
    start_gateway([](GatewaySettings& s) { s.set("proxy", "response_timeout", "500ms"); });
    auto client = browser();
    login(client);
    const auto session_id = client.cookie(session_cookie);
    ASSERT_TRUE(session_id.has_value());

    HttpsConnection connection(gateway().port(), certificates().ca_file);
    ASSERT_EQ(connection.request("GET", "/intercom/echo/warm", with_session(*session_id)).status, 200u);

    const auto started = std::chrono::steady_clock::now();
    const auto slow = connection.request("GET", "/intercom/slow?ms=10000", with_session(*session_id));
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(slow.status, 504u) << slow.body;
    EXPECT_EQ(member(slow, "error"), "upstream_timeout") << slow.body;
    EXPECT_FALSE(slow.header("X-Request-Id").empty()) << "an error needs its request id most";
    EXPECT_LT(waited, std::chrono::seconds(8)) << "proxy.response_timeout was not applied";
    EXPECT_TRUE(slow.keep_alive);
    EXPECT_FALSE(find_set_cookie(slow, session_cookie).has_value()) << "a 504 must not end the session";

    // The same client connection, then the pool, carry on as if nothing happened.
    for (int i = 0; i < 5; ++i) {
        const std::string target = "/intercom/echo/after?i=" + std::to_string(i);
        const auto response = connection.request("GET", target, with_session(*session_id));
        ASSERT_EQ(response.status, 200u) << target << ": " << response.body;
        const auto seen = parse_seen_request(response.body);
        ASSERT_TRUE(seen.has_value()) << response.body;
        EXPECT_EQ(seen->query, "i=" + std::to_string(i));
    }
    // A slow answer within the deadline is not a timeout.
    const auto in_time = connection.request("GET", "/intercom/slow?ms=50", with_session(*session_id));
    EXPECT_EQ(in_time.status, 200u) << in_time.body;
    EXPECT_EQ(client.get("/intercom/contacts").status, 200u);
}

}  // namespace
}  // namespace icg::testing
