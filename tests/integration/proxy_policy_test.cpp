// What the API proxy refuses or changes on its own authority: methods, cross-origin grants,
// forwarding headers in any spelling, the token quoted in error bodies, caching.
#include "gateway_fixture.hpp"
#include "support/eventually.hpp"

#include <algorithm>
#include <thread>
#include <vector>

namespace icg::testing {
namespace {

class ProxyPolicyTest : public GatewayTest {
protected:
    void SetUp() override {
        GatewayTest::SetUp();
        client_.emplace(browser());
        login(*client_);
        const auto tokens = mock().issued_tokens();
        ASSERT_EQ(tokens.size(), 1u);
        token_ = tokens.front();
    }

    TestClient& client() { return *client_; }
    HeaderList same_origin_write() {
        return {{"X-CSRF", "1"}, {"Origin", client().origin()}, {"Sec-Fetch-Site", "same-origin"}};
    }

    std::optional<TestClient> client_;
    std::string token_;
};

TEST_F(ProxyPolicyTest, MethodsInOtherSpellingsOrUnknownAreRefusedAndNeverForwarded) {
    const auto before = mock().stats().api;
    for (const char* method : {"get", "Post", "delete", "PROPFIND", "PURGE", "FOO"}) {
        auto headers = same_origin_write();
        const auto response = client().request(method, "/intercom/echo/x", headers, "{}");
        EXPECT_EQ(response.status, 501u) << method << ": " << response.body;
        EXPECT_EQ(string_members(response)["error"], "method_not_implemented") << method;
    }
    for (const char* method : {"TRACE", "CONNECT"}) {
        // CONNECT needs an authority-form target, which the server refuses before routing.
        const auto response = client().request(method, "/intercom/echo/x", same_origin_write());
        EXPECT_TRUE(response.status == 405u || response.status == 400u) << method << ": " << response.status;
        if (response.status == 405u) {
            EXPECT_NE(response.header("Allow").find("GET"), std::string::npos);
        }
    }
    EXPECT_EQ(mock().stats().api, before) << "a refused method reached Intercom";
}

TEST_F(ProxyPolicyTest, PreflightsAreAnsweredByTheGatewayWithoutAnyGrant) {
    const auto before = mock().stats().api;
    const auto response = client().request("OPTIONS", "/intercom/contacts",
                                           {{"Origin", "https://evil.example"},
                                            {"Access-Control-Request-Method", "POST"},
                                            {"Access-Control-Request-Headers", "x-csrf, content-type"}});
    EXPECT_EQ(response.status, 204u) << response.body;
    EXPECT_NE(response.header("Allow").find("POST"), std::string::npos);
    for (const auto& [name, value] : response.headers) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        EXPECT_FALSE(lower.starts_with("access-control-")) << name << ": " << value;
    }
    EXPECT_EQ(mock().stats().api, before) << "a preflight was forwarded";
}

TEST_F(ProxyPolicyTest, CrossOriginGrantsFromIntercomNeverReachTheBrowser) {
    const auto response = client().get("/intercom/echo/contacts");
    ASSERT_EQ(response.status, 200u) << response.body;
    ASSERT_EQ(response.header("X-Upstream-Echo"), "1") << "the mock's answer headers did not come through at all";
    for (const char* name : {"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                             "Access-Control-Expose-Headers", "Timing-Allow-Origin"})
        EXPECT_FALSE(response.has_header(name)) << name;
}

TEST_F(ProxyPolicyTest, ForwardingAndIdentityHeadersInAnySpellingStayHome) {
    const HeaderList sent = {{"X_Forwarded_For", "6.6.6.6"},
                             {"X-Forwarded_Host", "evil.example"},
                             {"x-forwarded-proto", "http"},
                             {"Forwarded", "for=6.6.6.6"},
                             {"X-Real-IP", "6.6.6.6"},
                             {"X_Real_IP", "6.6.6.6"},
                             {"True-Client-IP", "6.6.6.6"},
                             {"Via", "1.1 evil"},
                             {"Authorization_", "x"},
                             {"X-Original-URL", "/admin"},
                             {"Authorization", "Bearer theirs"},
                             {"X-Spa-Trace", "kept"}};
    const auto response = client().get("/intercom/echo/contacts", sent);
    ASSERT_EQ(response.status, 200u) << response.body;
    const auto seen = parse_seen_request(response.body);
    ASSERT_TRUE(seen.has_value()) << response.body;
    for (const auto& [name, value] : seen->headers) {
        std::string folded = name;
        std::transform(folded.begin(), folded.end(), folded.begin(),
                       [](unsigned char c) { return c == '_' ? '-' : char(std::tolower(c)); });
        EXPECT_FALSE(folded.starts_with("x-forwarded-") || folded == "forwarded" || folded == "x-real-ip" ||
                     folded == "true-client-ip" || folded == "via" || folded.starts_with("x-original-"))
            << name << " reached Intercom";
        EXPECT_NE(value, "Bearer theirs");
    }
    EXPECT_EQ(seen->headers_named("Authorization").size(), 1u);
    EXPECT_EQ(seen->header("Authorization"), "Bearer " + token_);
    EXPECT_EQ(seen->header("X-Spa-Trace"), "kept");
}

TEST_F(ProxyPolicyTest, TheTokenQuotedInASmallErrorBodyIsScrubbed) {
    for (const char* status : {"400", "403", "404", "422", "500"}) {
        const auto response = client().get(std::string("/intercom/quote-token?status=") + status);
        EXPECT_EQ(std::to_string(response.status), status) << response.body;
        EXPECT_EQ(response.body.find(token_), std::string::npos) << status << ": the token reached the browser";
        EXPECT_NE(response.body.find("[redacted]"), std::string::npos) << response.body;
        EXPECT_NE(response.body.find("token_rejected"), std::string::npos) << "the rest of the body was lost";
        EXPECT_EQ(response.header("Content-Length"), std::to_string(response.body.size()));
    }
}

TEST_F(ProxyPolicyTest, ErrorBodiesThatCannotBeCheckedAreWithheld) {
    for (const char* variant : {"size=large", "chunked=1", "encoding=gzip", "size=large&chunked=1"}) {
        const auto response = client().get(std::string("/intercom/quote-token?status=400&") + variant);
        EXPECT_EQ(response.status, 400u) << variant;
        EXPECT_EQ(response.body.find(token_), std::string::npos) << variant << ": the token reached the browser";
        EXPECT_EQ(string_members(response)["error"], "upstream_error") << variant << ": " << response.body;
        EXPECT_FALSE(response.has_header("Content-Encoding")) << variant;
    }
    // The connection that carried an unread body is not reused: the next call still works.
    EXPECT_EQ(client().get("/intercom/contacts").status, 200u);
}

TEST_F(ProxyPolicyTest, ProxiedAnswersAndTheGatewaysOwnAreNeverStored) {
    EXPECT_EQ(client().get("/intercom/contacts").header("Cache-Control"), "no-store");
    EXPECT_EQ(client().get("/intercom/quote-token?status=404").header("Cache-Control"), "no-store");
    EXPECT_EQ(client().get("/intercom/echo/%2e%2e/x").header("Cache-Control"), "no-store");  // the gateway's 400
    // The mock's /stream answers "no-store" itself; others say nothing: the gateway's word wins.
    auto anonymous = browser();
    EXPECT_EQ(anonymous.get("/intercom/contacts").header("Cache-Control"), "no-store");  // 401
}

// One session's slow calls hold at most its own bound of upstream connections: its next call waits
// briefly and gets 429, while another session's calls go through.
TEST_F(ProxyPolicyTest, OneSessionCannotHoldEveryUpstreamConnection) {
    start_gateway([](GatewaySettings& s) {
        s.set_integer("proxy", "max_in_flight_per_session", 2);
        s.set_integer("proxy", "max_connections", 4);
        s.set_integer("proxy", "pool_size", 4);
    });
    auto greedy = browser();
    login(greedy);
    auto other = browser();
    login(other);
    const HeaderList cookie = {
        {"Cookie", std::string(session_cookie) + "=" + greedy.cookie(session_cookie).value_or("")}};
    std::vector<unsigned> slow_statuses(2, 0);
    std::vector<std::thread> slow;
    for (int i = 0; i < 2; ++i)
        slow.emplace_back([&, i] {
            HttpsConnection connection(gateway().port(), certificates().ca_file, std::chrono::seconds(30));
            slow_statuses[i] = connection.request("GET", "/intercom/slow?ms=4000", cookie).status;
        });
    ASSERT_TRUE(eventually([&] { return mock().stats().api >= 2; }, std::chrono::seconds(10)));
    const auto refused = greedy.get("/intercom/contacts");
    EXPECT_EQ(refused.status, 429u) << refused.body;
    EXPECT_EQ(string_members(refused)["error"], "too_many_in_flight");
    EXPECT_EQ(refused.header("Retry-After"), "1");
    EXPECT_EQ(other.get("/intercom/contacts").status, 200u) << "another session was held up";
    for (auto& t : slow) t.join();
    for (unsigned status : slow_statuses) EXPECT_EQ(status, 200u);
    EXPECT_EQ(greedy.get("/intercom/contacts").status, 200u) << "the bound is given back";
}

}  // namespace
}  // namespace icg::testing
