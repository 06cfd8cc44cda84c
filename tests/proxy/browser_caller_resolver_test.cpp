// The browser's way in, against fake stores: the allow list and CSRF first, then the cookie and
// the session, failing closed when the store does not answer; a refused token ends what holds it.
#include "proxy/browser_caller_resolver.hpp"

#include "session/fake_session_store.hpp"
#include "support/event_loop.hpp"
#include "upstream/fake_intercom_oauth_client.hpp"
#include "workspace/fake_workspace_store.hpp"
#include "workspace/workspace_revocation.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>

namespace icg::proxy {
namespace {

class BrowserCallerResolverTest : public ::testing::Test {
protected:
    BrowserCallerResolverTest() {
        session::SessionRecord record;
        record.access_token = core::Secret(std::string("tok-of-ada"));
        record.workspace_id = "ws_acme";
        store.sessions["sid-ada"] = record;
    }

    // A Caller may not outlive its resolver: the resolvers live as long as the gateway.
    Resolution resolve(http::Request request, const std::vector<std::string>& allow = {}) {
        resolver.emplace(BrowserCallerSettings{.public_url = "https://app.example",
                                               .session_cookie = "sid",
                                               .allow = *AllowList::parse(allow, nullptr)},
                         store, revocation);
        return loop.run(
            [&]() -> boost::asio::awaitable<Resolution> { co_return co_await resolver->resolve(request, "/me"); }());
    }

    static http::Request request(std::string method, std::string cookie) {
        http::Request r;
        r.method = std::move(method);
        r.target = "/intercom/me";
        if (!cookie.empty()) r.headers.add("Cookie", "sid=" + cookie);
        return r;
    }

    static unsigned refusal_status(const Resolution& r) {
        const auto* refused = std::get_if<http::Response>(&r);
        return refused ? refused->status : 0;
    }

    icg::testing::EventLoop loop;
    icg::testing::FakeSessionStore store;
    icg::testing::FakeWorkspaceStore connections;
    icg::testing::FakeIntercomOAuthClient intercom;
    workspace::WorkspaceRevocation revocation{store, connections, intercom};
    std::optional<BrowserCallerResolver> resolver;
};

TEST_F(BrowserCallerResolverTest, ASessionGivesItsToken) {
    auto resolved = resolve(request("GET", "sid-ada"));
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Caller>>(resolved));
    EXPECT_EQ(std::get<std::unique_ptr<Caller>>(resolved)->bearer_token(), "tok-of-ada");
}

TEST_F(BrowserCallerResolverTest, NoCookieOrAnUnknownOneIs401AndOnlyAnUnknownOneIsCleared) {
    auto none = resolve(request("GET", ""));
    ASSERT_EQ(refusal_status(none), 401u);
    EXPECT_FALSE(std::get<http::Response>(none).headers.contains("Set-Cookie"));
    auto unknown = resolve(request("GET", "sid-nobody"));
    ASSERT_EQ(refusal_status(unknown), 401u);
    EXPECT_NE(std::get<http::Response>(unknown).headers.get("Set-Cookie").find("sid="), std::string_view::npos);
}

TEST_F(BrowserCallerResolverTest, AStoreThatDoesNotAnswerFailsClosedAndKeepsTheCookie) {
    store.down = true;
    auto resolved = resolve(request("GET", "sid-ada"));
    ASSERT_EQ(refusal_status(resolved), 503u);
    EXPECT_FALSE(std::get<http::Response>(resolved).headers.contains("Set-Cookie"));
}

TEST_F(BrowserCallerResolverTest, CsrfAndTheAllowListComeBeforeTheSession) {
    EXPECT_EQ(refusal_status(resolve(request("POST", "sid-ada"))), 403u);
    EXPECT_EQ(refusal_status(resolve(request("GET", "sid-ada"), {"GET /contacts"})), 403u);
    auto with_csrf = request("POST", "sid-ada");
    with_csrf.headers.add("X-CSRF", "1");
    EXPECT_EQ(refusal_status(resolve(with_csrf)), 0u);
}

TEST_F(BrowserCallerResolverTest, ARefusedTokenEndsTheSessionRetryingOnce) {
    auto resolved = resolve(request("GET", "sid-ada"));
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Caller>>(resolved));
    auto& caller = *std::get<std::unique_ptr<Caller>>(resolved);
    store.erase_failures_left = 1;
    const auto answer = loop.run(caller.token_refused());
    EXPECT_EQ(answer.status, 401u);
    EXPECT_NE(answer.body.find("token_revoked"), std::string::npos);
    EXPECT_NE(answer.headers.get("Set-Cookie").find("sid="), std::string_view::npos);
    EXPECT_EQ(store.erases, 2);
    EXPECT_TRUE(store.sessions.empty());
}

TEST_F(BrowserCallerResolverTest, ARefusedTokenEndsTheConnectionAndOtherSessionsHoldingIt) {
    session::SessionRecord same_token;
    same_token.access_token = core::Secret(std::string("tok-of-ada"));
    same_token.workspace_id = "ws_acme";
    store.sessions["sid-ada-laptop"] = same_token;
    session::SessionRecord newer = same_token;
    newer.access_token = core::Secret(std::string("tok-newer"));
    store.sessions["sid-grace"] = newer;
    connections.connections["ws_acme"] = icg::testing::connection_holding("ws_acme", "tok-of-ada");

    auto resolved = resolve(request("GET", "sid-ada"));
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Caller>>(resolved));
    loop.run(std::get<std::unique_ptr<Caller>>(resolved)->token_refused());
    EXPECT_FALSE(store.sessions.contains("sid-ada-laptop")) << "another session holding the dead token ended";
    EXPECT_TRUE(store.sessions.contains("sid-grace")) << "a session holding a newer token stays";
    EXPECT_FALSE(connections.connections.contains("ws_acme")) << "the connection holding the dead token ended";
    EXPECT_TRUE(intercom.uninstalled.empty()) << "a refused token needs no uninstall";
}

TEST_F(BrowserCallerResolverTest, ARefusedOldTokenLeavesALaterLoginsConnection) {
    connections.connections["ws_acme"] = icg::testing::connection_holding("ws_acme", "tok-newer");
    auto resolved = resolve(request("GET", "sid-ada"));
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Caller>>(resolved));
    loop.run(std::get<std::unique_ptr<Caller>>(resolved)->token_refused());
    EXPECT_TRUE(connections.connections.contains("ws_acme"));
}

}  // namespace
}  // namespace icg::proxy
