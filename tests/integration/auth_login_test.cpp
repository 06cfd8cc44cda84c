// GET /auth/login: the redirect to Intercom, the state and the login-binding cookie.
#include "gateway_fixture.hpp"

#include <set>

namespace icg::testing {
namespace {

using AuthLoginTest = GatewayTest;

TEST_F(AuthLoginTest, RedirectsToTheAuthorizeUrlWithClientIdStateAndRedirectUri) {
    auto client = browser();
    HttpResponse response;
    const auto location = begin_login(client, "/auth/login", &response);
    ASSERT_TRUE(location.starts_with(mock().authorize_url() + "?")) << location;
    EXPECT_EQ(query_parameter(location, "client_id"), MockIntercom::client_id);
    EXPECT_EQ(query_parameter(location, "redirect_uri"), gateway().public_url() + "/auth/callback");
    const auto state = query_parameter(location, "state");
    ASSERT_TRUE(state.has_value()) << location;
    // At least 128 bits: 22 characters of base64url, or 32 hex digits, and nothing guessable.
    EXPECT_GE(state->size(), 22u) << *state;
    for (char c : *state)
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << "state " << *state;
}

TEST_F(AuthLoginTest, SetsAHostOnlyHttpOnlyLoginCookie) {
    auto client = browser();
    HttpResponse response;
    begin_login(client, "/auth/login", &response);
    const auto cookie = find_set_cookie(response, login_cookie);
    ASSERT_TRUE(cookie.has_value()) << "no " << login_cookie << " cookie; headers: " << response.header("Set-Cookie");
    EXPECT_FALSE(cookie->value.empty());
    EXPECT_TRUE(cookie->has("HttpOnly")) << cookie->raw;
    EXPECT_TRUE(cookie->has("Secure")) << cookie->raw;
    EXPECT_EQ(cookie->get("Path"), "/") << cookie->raw;
    EXPECT_FALSE(cookie->has("Domain")) << "a __Host- cookie must not have a Domain: " << cookie->raw;
    EXPECT_EQ(cookie->get("SameSite").value_or(""), "Lax") << cookie->raw;
    EXPECT_EQ(cookie->max_age(), 600) << cookie->raw;
}

TEST_F(AuthLoginTest, EveryLoginGetsAFreshState) {
    std::set<std::string> states;
    for (int i = 0; i < 5; ++i) {
        auto client = browser();
        states.insert(query_parameter(begin_login(client), "state").value_or(""));
    }
    EXPECT_EQ(states.size(), 5u);
    EXPECT_FALSE(states.contains(""));
}

TEST_F(AuthLoginTest, TheRedirectIsNotCached) {
    auto client = browser();
    HttpResponse response;
    begin_login(client, "/auth/login", &response);
    EXPECT_NE(response.header("Cache-Control").find("no-store"), std::string::npos) << response.header("Cache-Control");
}

TEST_F(AuthLoginTest, ReturnToSameOriginPathIsWhereTheLoginEnds) {
    auto client = browser();
    const auto flow = login(client, "/auth/login?return_to=" + percent_encode("/inbox/42?tab=open"));
    EXPECT_EQ(location_path(flow.callback, gateway().public_url()), "/inbox/42?tab=open");
}

TEST_F(AuthLoginTest, WithoutReturnToTheLoginEndsAtTheRoot) {
    auto client = browser();
    const auto flow = login(client);
    EXPECT_EQ(location_path(flow.callback, gateway().public_url()), "/");
}

class ForeignReturnToTest : public GatewayTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ForeignReturnToTest, EndsAtTheRootInstead) {
    auto client = browser();
    const auto flow = login(client, "/auth/login?return_to=" + percent_encode(GetParam()));
    EXPECT_EQ(location_path(flow.callback, gateway().public_url()), "/") << "return_to " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(OpenRedirects, ForeignReturnToTest,
                         ::testing::Values("https://evil.example.com/", "//evil.example.com", "/\\evil.example.com",
                                           "/%2F%2Fevil.example.com", "/%5Cevil.example.com", "javascript:alert(1)",
                                           "http:/evil.example.com", "/\r\nSet-Cookie: x=y", "evil.example.com"));

}  // namespace
}  // namespace icg::testing
