// GET /auth/callback: state checks, the token exchange and its failures, and the session cookie.
#include "gateway_fixture.hpp"

#include "core/base64.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
#include "crypto/session_cipher.hpp"

namespace icg::testing {
namespace {

using AuthCallbackTest = GatewayTest;

void expect_html(const HttpResponse& response) {
    EXPECT_TRUE(response.header("Content-Type").starts_with("text/html")) << response.header("Content-Type");
}

void expect_no_session_cookie(const HttpResponse& response) {
    const auto cookie = find_set_cookie(response, session_cookie);
    EXPECT_TRUE(!cookie || cookie->value.empty()) << "unexpected session cookie: " << cookie->raw;
}

TEST_F(AuthCallbackTest, SuccessSetsTheSessionCookieAndRedirects) {
    auto client = browser();
    const auto flow = login(client);
    ASSERT_TRUE(flow.session_set_cookie.has_value());
    const auto& c = *flow.session_set_cookie;
    EXPECT_GE(c.value.size(), 22u) << "a session id needs at least 128 bits";
    EXPECT_TRUE(c.has("HttpOnly")) << c.raw;
    EXPECT_TRUE(c.has("Secure")) << c.raw;
    EXPECT_EQ(c.get("Path"), "/") << c.raw;
    EXPECT_EQ(c.get("SameSite").value_or(""), "Lax") << c.raw;
    EXPECT_FALSE(c.has("Domain")) << c.raw;
    ASSERT_TRUE(c.max_age().has_value()) << c.raw;
    EXPECT_GT(*c.max_age(), 0) << c.raw;
    EXPECT_EQ(mock().stats().token, 1);
    EXPECT_FALSE(flow.code.empty());
    EXPECT_EQ(flow.callback.header("Cache-Control"), "no-store") << "an answer that sets a cookie is kept by no cache";
    EXPECT_EQ(client.get("/auth/session").status, 200u);
}

// The callback judges return_to again from the record it takes, not trusting that it was judged
// when the login began: a record holding a foreign one, sealed with the gateway's own key (as a
// gateway of an older, looser version could have written it), still lands the browser on "/".
TEST_F(AuthCallbackTest, TheCallbackJudgesTheRecordsReturnToAgain) {
    auto client = browser();
    const auto authorize_url = begin_login(client, "/auth/login?return_to=/inbox");
    const auto keys = gateway_keys("login");
    ASSERT_EQ(keys.size(), 1u);
    auto probe = redis_probe();
    const auto sealed = probe.get(keys[0]);
    ASSERT_TRUE(sealed.has_value());
    const auto key = core::base64_decode(encryption_key);
    ASSERT_TRUE(key.has_value());
    const crypto::SessionCipher cipher{core::Secret(*key)};
    const auto opened = cipher.open(*sealed, keys[0]);
    ASSERT_TRUE(opened.has_value()) << "the record opens with the gateway's key and its Redis key";
    const std::string value(opened->expose());
    ASSERT_TRUE(value.ends_with(" /inbox")) << "the record is \"<binding hash> <return_to>\"";
    const std::string foreign = value.substr(0, value.size() - std::string_view("/inbox").size()) + "//evil.example/x";
    core::SystemRandom random;
    ASSERT_EQ(probe.command({"SET", keys[0], cipher.seal(foreign, keys[0], random), "KEEPTTL"}).text, "OK");

    const auto callback = client.fetch(approve(authorize_url));
    EXPECT_EQ(callback.status, 302u) << callback.body;
    EXPECT_EQ(location_path(callback, client.origin()), "/") << callback.header("Location");
    EXPECT_TRUE(find_set_cookie(callback, session_cookie).has_value()) << "the login itself succeeds";
}

TEST_F(AuthCallbackTest, LaterLoginsReuseConnectionsToIntercomAndSurviveItClosingThem) {
    auto first = browser();
    login(first);  // the gateway's first calls to Intercom open a connection
    const auto before = mock().stats();
    auto second = browser();
    login(second);
    const auto after = mock().stats();
    EXPECT_EQ(after.token - before.token, 1);
    EXPECT_EQ(after.me - before.me, 1);
    // Two connections are the test's own: the browser's visit to /oauth and the stats call.
    EXPECT_EQ(after.connections - before.connections, 2u) << "the second login's calls to Intercom opened connections";

    // Every connection the gateway keeps is now closed by the other end: the next login's calls
    // go out on dead connections, find nothing back, and must go again on new ones.
    mock().restart();
    auto third = browser();
    const auto flow = login(third);
    ASSERT_TRUE(flow.session_set_cookie.has_value()) << "a login after Intercom closed kept-alive connections failed";
    EXPECT_EQ(third.get("/auth/session").status, 200u);
    EXPECT_EQ(mock().stats().token, 1);
}

TEST_F(AuthCallbackTest, SessionCookieLivesNoLongerThanTheAbsoluteTimeout) {
    start_gateway([](GatewaySettings& s) { s.set("session", "absolute_timeout", "3h"); });
    auto client = browser();
    const auto flow = login(client);
    ASSERT_TRUE(flow.session_set_cookie && flow.session_set_cookie->max_age());
    EXPECT_LE(*flow.session_set_cookie->max_age(), 3 * 3600) << flow.session_set_cookie->raw;
}

TEST_F(AuthCallbackTest, MissingStateIsRejected) {
    auto client = browser();
    begin_login(client);
    const auto response = client.get("/auth/callback?code=abc");
    EXPECT_EQ(response.status, 400u) << response.body;
    expect_html(response);
    expect_no_session_cookie(response);
    EXPECT_EQ(mock().stats().token, 0);
}

TEST_F(AuthCallbackTest, UnknownStateIsRejected) {
    auto client = browser();
    begin_login(client);
    const auto response = client.get("/auth/callback?code=abc&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    EXPECT_EQ(response.status, 400u) << response.body;
    expect_html(response);
    expect_no_session_cookie(response);
    EXPECT_EQ(mock().stats().token, 0);
}

TEST_F(AuthCallbackTest, NoQueryAtAllIsRejected) {
    auto client = browser();
    const auto response = client.get("/auth/callback");
    EXPECT_EQ(response.status, 400u) << response.body;
    EXPECT_EQ(mock().stats().token, 0);
}

TEST_F(AuthCallbackTest, ValidStateWithoutCodeIsRejected) {
    auto client = browser();
    const auto authorize_url = begin_login(client);
    const auto state = query_parameter(authorize_url, "state").value_or("");
    const auto response = client.get("/auth/callback?state=" + percent_encode(state));
    EXPECT_EQ(response.status, 400u) << response.body;
    expect_no_session_cookie(response);
    EXPECT_EQ(mock().stats().token, 0);
}

TEST_F(AuthCallbackTest, ReplayedCallbackIsRejected) {
    auto client = browser();
    const auto flow = login(client);
    ASSERT_EQ(mock().stats().token, 1);
    const auto replay = client.fetch(flow.callback_url);
    EXPECT_EQ(replay.status, 400u) << replay.body;
    expect_html(replay);
    expect_no_session_cookie(replay);
    EXPECT_EQ(mock().stats().token, 1) << "a replayed state must not reach the token endpoint";
}

TEST_F(AuthCallbackTest, ReplayFromAFreshBrowserIsRejected) {
    auto client = browser();
    const auto flow = login(client);
    auto attacker = browser();
    const auto replay = attacker.fetch(flow.callback_url);
    EXPECT_EQ(replay.status, 400u) << replay.body;
    expect_no_session_cookie(replay);
    EXPECT_EQ(mock().stats().token, 1);
}

TEST_F(AuthCallbackTest, StateStartedInAnotherBrowserIsRejected) {
    // Login CSRF: the attacker starts a login and makes the victim's browser finish it.
    auto attacker = browser();
    const auto callback_url = approve(begin_login(attacker));
    auto victim = browser();
    const auto response = victim.fetch(callback_url);
    EXPECT_EQ(response.status, 400u) << response.body;
    expect_html(response);
    expect_no_session_cookie(response);
    EXPECT_EQ(mock().stats().token, 0);
}

TEST_F(AuthCallbackTest, StateStartedInAnotherBrowserIsRejectedWhenTheVictimHasItsOwnLogin) {
    auto attacker = browser();
    const auto callback_url = approve(begin_login(attacker));
    auto victim = browser();
    begin_login(victim);  // the victim has a login cookie of its own
    ASSERT_TRUE(victim.cookie(login_cookie).has_value());
    const auto response = victim.fetch(callback_url);
    EXPECT_EQ(response.status, 400u) << response.body;
    expect_no_session_cookie(response);
    EXPECT_EQ(mock().stats().token, 0);
}

// The victim's refused callback must not have spent the attacker's state, and the reverse: a
// stolen state spent by another browser would let anyone cancel a login they have seen.
TEST_F(AuthCallbackTest, ACallbackFromAnotherBrowserLeavesTheLoginUsableByItsOwner) {
    auto owner = browser();
    const auto callback_url = approve(begin_login(owner, "/auth/login?return_to=/after"));
    auto stranger = browser();
    begin_login(stranger);
    EXPECT_EQ(stranger.fetch(callback_url).status, 400u);
    const auto finished = owner.fetch(callback_url);
    EXPECT_EQ(finished.status, 302u) << finished.body;
    EXPECT_EQ(location_path(finished, owner.origin()), "/after");
    EXPECT_TRUE(find_set_cookie(finished, session_cookie).has_value());
}

TEST_F(AuthCallbackTest, LoginsStartedBeyondTheBoundAreRefusedWith429) {
    start_gateway([](GatewaySettings& s) {
        s.set_integer("session", "max_pending_logins_per_browser", 2);
        s.set_integer("session", "max_pending_logins_per_address", 4);
    });
    auto first = browser();
    begin_login(first);
    begin_login(first);
    const auto refused = first.get("/auth/login");
    EXPECT_EQ(refused.status, 429u) << refused.body;
    const auto retry_after = std::stoll(refused.header("Retry-After").empty() ? "0" : refused.header("Retry-After"));
    EXPECT_GT(retry_after, 0);
    EXPECT_LE(retry_after, 600);
    EXPECT_EQ(refused.header("Location"), "");
    // Refused starts count too: a second browser from the same address has one left, then the
    // address is full.
    auto second = browser();
    begin_login(second);
    EXPECT_EQ(second.get("/auth/login").status, 429u);
    EXPECT_LE(gateway_keys().size(), 3u + 3u + 2u)
        << "three pending logins, three counters and each browser's list of its pending logins, nothing more";
}

// The counts live in Redis, so the bounds hold across replicas: one browser starting logins on two
// gateways, then a second browser, meet the same bounds as on one.
TEST_F(AuthCallbackTest, TheBoundsOnStartedLoginsHoldAcrossReplicas) {
    const auto bounds = [](GatewaySettings& s) {
        s.set_integer("session", "max_pending_logins_per_browser", 2);
        s.set_integer("session", "max_pending_logins_per_address", 4);
    };
    start_gateway(bounds);
    TempDir second_dir;
    const auto second = start_replica(second_dir, bounds);
    auto on_first = browser();
    begin_login(on_first);
    const auto binding = on_first.cookie(login_cookie);
    ASSERT_TRUE(binding.has_value());
    TestClient on_second(second->port(), certificates().ca_file);  // the same browser (cookies ignore the port)
    on_second.set_cookie(login_cookie, *binding);
    begin_login(on_second);
    EXPECT_EQ(on_first.get("/auth/login").status, 429u) << "two started, one on each gateway: the browser is full";
    TestClient other_on_second(second->port(), certificates().ca_file);
    begin_login(other_on_second);
    TestClient other_on_first = browser();
    EXPECT_EQ(other_on_first.get("/auth/login").status, 429u) << "four starts from this address, on both gateways";
    second->stop();
}

TEST_F(AuthCallbackTest, CallbackWithoutTheLoginCookieIsRejected) {
    auto client = browser();
    const auto callback_url = approve(begin_login(client));
    client.remove_cookie(login_cookie);
    const auto response = client.fetch(callback_url);
    EXPECT_EQ(response.status, 400u) << response.body;
    EXPECT_EQ(mock().stats().token, 0);
}

TEST_F(AuthCallbackTest, CallbackWithAForgedLoginCookieIsRejected) {
    auto client = browser();
    const auto callback_url = approve(begin_login(client));
    client.set_cookie(login_cookie, "forged-binding-value-AAAAAAAAAAAAAAAAAAAA");
    const auto response = client.fetch(callback_url);
    EXPECT_EQ(response.status, 400u) << response.body;
    EXPECT_EQ(mock().stats().token, 0);
}

TEST_F(AuthCallbackTest, AccessDeniedShowsA403PageAndNeverCallsTheTokenEndpoint) {
    start_gateway([](GatewaySettings& s) { s.set("intercom", "client_id", "deny"); });
    auto client = browser();
    const auto callback_url = approve(begin_login(client));
    ASSERT_EQ(query_parameter(callback_url, "error"), "access_denied") << callback_url;
    const auto response = client.fetch(callback_url);
    EXPECT_EQ(response.status, 403u) << response.body;
    expect_html(response);
    std::string lower = response.body;
    for (auto& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_NE(lower.find("denied"), std::string::npos) << response.body;
    expect_no_session_cookie(response);
    EXPECT_EQ(mock().stats().token, 0);
    EXPECT_EQ(client.get("/auth/session").status, 401u);
}

TEST_F(AuthCallbackTest, ErrorParametersAreNotReflectedIntoThePage) {
    auto client = browser();
    const auto authorize_url = begin_login(client);
    const auto state = query_parameter(authorize_url, "state").value_or("");
    const auto response = client.get("/auth/callback?error=access_denied&error_description=" +
                                     percent_encode("<script>alert(1)</script>") + "&state=" + percent_encode(state));
    EXPECT_EQ(response.status, 403u) << response.body;
    EXPECT_EQ(response.body.find("<script>alert(1)</script>"), std::string::npos) << response.body;
}

class TokenFailureTest : public GatewayTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(TokenFailureTest, FailedTokenExchangeIs502WithoutASession) {
    start_gateway([](GatewaySettings& s) { s.set("intercom", "timeout", "1s"); });
    mock().set_token_mode(GetParam());
    auto client = browser();
    const auto callback_url = approve(begin_login(client));
    const auto started = std::chrono::steady_clock::now();
    const auto response = client.fetch(callback_url);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(response.status, 502u) << "token mode " << GetParam() << ": " << response.body;
    expect_html(response);
    expect_no_session_cookie(response);
    EXPECT_LT(took, std::chrono::seconds(8)) << "the upstream deadline (intercom.timeout) must bound the callback";
    EXPECT_FALSE(client.cookie(session_cookie).has_value());
    EXPECT_EQ(client.get("/auth/session").status, 401u);
}

INSTANTIATE_TEST_SUITE_P(EveryMockFault, TokenFailureTest,
                         ::testing::Values("reject", "error500", "garbage", "no_token", "slow"),
                         [](const auto& info) { return std::string(info.param); });

class MeLookupFailureTest : public GatewayTest, public ::testing::WithParamInterface<const char*> {};

// The token came back but the admin could not be looked up: still no session.
TEST_P(MeLookupFailureTest, FailedAdminLookupIs502WithoutASession) {
    start_gateway([](GatewaySettings& s) { s.set("intercom", "timeout", "1s"); });
    mock().set_me_mode(GetParam());
    auto client = browser();
    const auto callback_url = approve(begin_login(client));
    const auto response = client.fetch(callback_url);
    EXPECT_EQ(response.status, 502u) << "me mode " << GetParam() << ": " << response.body;
    expect_html(response);
    expect_no_session_cookie(response);
    EXPECT_EQ(client.get("/auth/session").status, 401u);
}

INSTANTIATE_TEST_SUITE_P(EveryMockFault, MeLookupFailureTest, ::testing::Values("error500", "slow"),
                         [](const auto& info) { return std::string(info.param); });

TEST_F(AuthCallbackTest, OtherErrorsFromIntercomEndTheLoginWithoutASession) {
    auto client = browser();
    const auto authorize_url = begin_login(client);
    const auto state = query_parameter(authorize_url, "state").value_or("");
    const auto response = client.get("/auth/callback?error=server_error&state=" + percent_encode(state));
    EXPECT_GE(response.status, 400u) << response.body;
    EXPECT_LT(response.status, 500u) << response.body;
    expect_no_session_cookie(response);
    EXPECT_EQ(mock().stats().token, 0);
}

TEST_F(AuthCallbackTest, LoginWithAnOldSessionReplacesIt) {
    auto client = browser();
    login(client);
    const auto old_session = client.cookie(session_cookie);
    ASSERT_TRUE(old_session.has_value());

    login(client);  // carries the old cookie
    const auto new_session = client.cookie(session_cookie);
    ASSERT_TRUE(new_session.has_value());
    EXPECT_NE(*new_session, *old_session);
    EXPECT_EQ(client.get("/auth/session").status, 200u);

    auto stale = browser();
    stale.set_cookie(session_cookie, *old_session);
    EXPECT_EQ(stale.get("/auth/session").status, 401u) << "the old session must be gone";
}

TEST_F(AuthCallbackTest, TwoLoginsStartedInOneBrowserBothSucceed) {
    auto client = browser();
    const auto first = approve(begin_login(client, "/auth/login?return_to=%2Ffirst"));
    const auto second = approve(begin_login(client, "/auth/login?return_to=%2Fsecond"));
    ASSERT_NE(first, second);

    const auto a = client.fetch(first);
    EXPECT_EQ(a.status, 302u) << a.body;
    EXPECT_TRUE(find_set_cookie(a, session_cookie).has_value());
    EXPECT_EQ(location_path(a, client.origin()), "/first");

    const auto b = client.fetch(second);
    EXPECT_EQ(b.status, 302u) << b.body;
    EXPECT_TRUE(find_set_cookie(b, session_cookie).has_value());
    EXPECT_EQ(location_path(b, client.origin()), "/second");

    EXPECT_EQ(client.get("/auth/session").status, 200u);
    EXPECT_EQ(mock().stats().token, 2);
}

TEST_F(AuthCallbackTest, TwoLoginsFinishedInReverseOrderBothSucceed) {
    auto client = browser();
    const auto first = approve(begin_login(client));
    const auto second = approve(begin_login(client));
    EXPECT_EQ(client.fetch(second).status, 302u);
    EXPECT_EQ(client.fetch(first).status, 302u);
    EXPECT_EQ(client.get("/auth/session").status, 200u);
}

// The binding cookie ties a callback to the browser that started the login; once the login is
// done it has no use left, unless another tab of the browser still waits for its callback.
TEST_F(AuthCallbackTest, TheLoginCookieIsClearedOnceNoLoginOfTheBrowserWaits) {
    auto client = browser();
    const auto first = approve(begin_login(client));
    const auto second = approve(begin_login(client));
    const auto a = client.fetch(first);
    ASSERT_EQ(a.status, 302u) << a.body;
    EXPECT_FALSE(find_set_cookie(a, login_cookie).has_value()) << "the second tab still needs it";
    const auto b = client.fetch(second);
    ASSERT_EQ(b.status, 302u) << b.body;
    const auto cleared = find_set_cookie(b, login_cookie);
    ASSERT_TRUE(cleared.has_value()) << "the last login of this browser is done";
    EXPECT_TRUE(cleared->value.empty()) << cleared->raw;
    EXPECT_EQ(cleared->max_age().value_or(-1), 0) << cleared->raw;
    EXPECT_FALSE(client.cookie(login_cookie).has_value());
    EXPECT_EQ(client.get("/auth/session").status, 200u);
}

TEST_F(AuthCallbackTest, AFailedExchangeSpendsTheLoginAndClearsItsCookieToo) {
    auto client = browser();
    const auto callback = approve(begin_login(client));
    mock().set_token_mode("error500");
    const auto r = client.fetch(callback);
    EXPECT_EQ(r.status, 502u) << r.body;
    const auto cleared = find_set_cookie(r, login_cookie);
    ASSERT_TRUE(cleared.has_value());
    EXPECT_TRUE(cleared->value.empty());
}

TEST_F(AuthCallbackTest, AWorkspaceOutsideTheAllowListGetsA403PageAndNoSessionNorConnection) {
    start_gateway([](GatewaySettings& s) { s.set_literal("intercom", "allowed_workspaces", "[\"ws_other\"]"); });
    auto client = browser();
    const auto callback = approve(begin_login(client));
    const auto r = client.fetch(callback);
    EXPECT_EQ(r.status, 403u) << r.body;
    expect_html(r);
    EXPECT_NE(r.body.find("This workspace cannot log in here"), std::string::npos) << r.body;
    expect_no_session_cookie(r);
    EXPECT_EQ(client.get("/auth/session").status, 401u);
    EXPECT_TRUE(gateway_keys("workspace").empty()) << "the refused workspace's token was kept";
    EXPECT_TRUE(gateway_keys("session").empty());

    start_gateway([](GatewaySettings& s) {
        s.set_literal("intercom", "allowed_workspaces",
                      std::string("[\"ws_other\", \"") + MockIntercom::default_workspace_id + "\"]");
    });
    auto allowed = browser();
    ASSERT_TRUE(login(allowed).session_set_cookie.has_value());
    EXPECT_EQ(allowed.get("/auth/session").status, 200u);
}

}  // namespace
}  // namespace icg::testing
