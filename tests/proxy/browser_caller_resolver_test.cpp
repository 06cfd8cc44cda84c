// The browser's way in, against a fake session store: the allow list and CSRF first, then the
// cookie and the session, failing closed when the store does not answer.
#include "proxy/browser_caller_resolver.hpp"

#include "session/session_store.hpp"
#include "support/event_loop.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>

namespace icg::proxy {
namespace {

class FakeSessionStore final : public session::SessionStore {
public:
    std::map<std::string, session::SessionRecord> sessions;
    bool down = false;
    int erase_failures_left = 0;
    int erases = 0;

    boost::asio::awaitable<session::Result<core::Secret>> create(const session::SessionRecord&) override {
        co_return core::Secret(std::string("unused"));
    }
    boost::asio::awaitable<session::Result<std::optional<session::SessionRecord>>> load(
        const core::Secret& id) override {
        if (down) co_return boost::system::errc::make_error_code(boost::system::errc::timed_out);
        auto it = sessions.find(std::string(id.expose()));
        if (it == sessions.end()) co_return std::optional<session::SessionRecord>{};
        co_return std::optional<session::SessionRecord>(it->second);
    }
    boost::asio::awaitable<session::Result<void>> erase(const core::Secret& id) override {
        ++erases;
        if (erase_failures_left > 0) {
            --erase_failures_left;
            co_return boost::system::errc::make_error_code(boost::system::errc::timed_out);
        }
        sessions.erase(std::string(id.expose()));
        co_return session::Result<void>{};
    }
    boost::asio::awaitable<session::Result<std::size_t>> end_workspace(std::string_view, const core::Secret*) override {
        co_return std::size_t{0};
    }
};

class BrowserCallerResolverTest : public ::testing::Test {
protected:
    BrowserCallerResolverTest() {
        session::SessionRecord record;
        record.access_token = core::Secret(std::string("tok-of-ada"));
        store.sessions["sid-ada"] = record;
    }

    // A Caller may not outlive its resolver: the resolvers live as long as the gateway.
    Resolution resolve(const http::Request& request, const std::vector<std::string>& allow = {}) {
        resolver.emplace(BrowserCallerSettings{.public_url = "https://app.example",
                                               .session_cookie = "sid",
                                               .allow = *AllowList::parse(allow, nullptr)},
                         store);
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
    FakeSessionStore store;
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

}  // namespace
}  // namespace icg::proxy
