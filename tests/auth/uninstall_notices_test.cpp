// Uninstall notices against fake stores and a fake Intercom: only a notice Intercom confirms (by
// refusing the stored token) ends a workspace; forged ones change nothing and cannot be repeated
// to spend the workspace's rate limit.
#include "auth/uninstall_notices.hpp"

#include "session/fake_session_store.hpp"
#include "support/event_loop.hpp"
#include "support/eventually.hpp"
#include "support/fake_clock.hpp"
#include "upstream/fake_intercom_oauth_client.hpp"
#include "workspace/fake_workspace_store.hpp"
#include "workspace/workspace_revocation.hpp"

#include <gtest/gtest.h>

namespace icg::auth {
namespace {
using namespace std::chrono_literals;

class UninstallNoticesTest : public ::testing::Test {
protected:
    UninstallNoticesTest() {
        connections.connections["ws_a"] = icg::testing::connection_holding("ws_a", "tok-a");
        session::SessionRecord browser;
        browser.workspace_id = "ws_a";
        browser.access_token = core::Secret(std::string("tok-a"));
        sessions.sessions["sid-1"] = browser;
        intercom.live_tokens = {"tok-a"};
    }

    NoticeOutcome check(const std::string& id) { return loop.run(notices.check(id)); }

    static http::Request notice(std::string body) {
        http::Request r;
        r.method = "POST";
        r.target = "/auth/intercom/uninstalled";
        r.body = std::move(body);
        return r;
    }

    icg::testing::EventLoop loop;
    icg::testing::FakeClock clock;
    icg::testing::FakeSessionStore sessions;
    icg::testing::FakeWorkspaceStore connections;
    icg::testing::FakeIntercomOAuthClient intercom;
    workspace::WorkspaceRevocation revocation{sessions, connections, intercom};
    UninstallNotices notices{loop.io().get_executor(), connections, intercom, revocation, clock};
};

TEST_F(UninstallNoticesTest, AForgedNoticeChangesNothing) {
    EXPECT_EQ(check("ws_a"), NoticeOutcome::token_works);
    EXPECT_EQ(intercom.me_asked, std::vector<std::string>{"tok-a"}) << "checked with the stored token";
    EXPECT_TRUE(connections.connections.contains("ws_a"));
    EXPECT_EQ(sessions.sessions.size(), 1u);
}

TEST_F(UninstallNoticesTest, AConfirmedNoticeEndsTheWorkspaceEverywhere) {
    intercom.live_tokens.clear();  // the workspace removed the app
    EXPECT_EQ(check("ws_a"), NoticeOutcome::ended);
    EXPECT_FALSE(connections.connections.contains("ws_a"));
    EXPECT_TRUE(sessions.sessions.empty());
    EXPECT_TRUE(intercom.uninstalled.empty()) << "nothing left to revoke";
}

TEST_F(UninstallNoticesTest, UnknownWorkspacesAreIgnoredWithoutAskingIntercom) {
    EXPECT_EQ(check("ws_unknown"), NoticeOutcome::not_connected);
    EXPECT_TRUE(intercom.me_asked.empty());
}

TEST_F(UninstallNoticesTest, AWorkspaceFoundWorkingIsNotAskedAboutAgainForAMinute) {
    EXPECT_EQ(check("ws_a"), NoticeOutcome::token_works);
    EXPECT_EQ(check("ws_a"), NoticeOutcome::skipped);
    EXPECT_EQ(intercom.me_asked.size(), 1u);
    clock.advance(UninstallNotices::recheck_after);
    intercom.live_tokens.clear();
    EXPECT_EQ(check("ws_a"), NoticeOutcome::ended);
}

TEST_F(UninstallNoticesTest, WhenIntercomOrRedisDoesNotAnswerNothingEndsAndALaterNoticeIsChecked) {
    intercom.unreachable = true;
    EXPECT_EQ(check("ws_a"), NoticeOutcome::unverifiable);
    EXPECT_TRUE(connections.connections.contains("ws_a"));
    intercom.unreachable = false;
    connections.down = true;
    EXPECT_EQ(check("ws_a"), NoticeOutcome::unverifiable);
    connections.down = false;
    intercom.live_tokens.clear();
    EXPECT_EQ(check("ws_a"), NoticeOutcome::ended);
}

TEST_F(UninstallNoticesTest, EveryWellFormedNoticeIsAnsweredAlikeAndOnlyMalformedOnesAre400) {
    const auto known = notices.receive(notice(R"({"app_id":"ws_a"})"));
    const auto unknown = notices.receive(notice(R"({"app_id":"ws_nobody"})"));
    EXPECT_EQ(known.status, 200u);
    EXPECT_EQ(known.body, unknown.body) << "the answer reveals nothing about the workspace";
    EXPECT_TRUE(
        icg::testing::eventually([&] { return loop.run(notices.check("ws_a")) == NoticeOutcome::skipped; }, 5s));
    for (const char* bad : {"", "{}", R"({"app_id":5})", R"({"app_id":"a b"})", "[", R"(["ws_a"])"})
        EXPECT_EQ(notices.receive(notice(bad)).status, 400u) << bad;
}

TEST(NoticeWorkspaceIdTest, ReadsTheAppIdOfAJsonObject) {
    EXPECT_EQ(notice_workspace_id(R"({"app_id":"ecahpwf5","type":"uninstall"})"), "ecahpwf5");
    EXPECT_EQ(notice_workspace_id(R"({"app_id":"")"), "");
    EXPECT_EQ(notice_workspace_id(std::string(100'000, '[')), "") << "deep nesting is no problem";
}

}  // namespace
}  // namespace icg::auth
