// Ending a workspace: against fake stores and a fake Intercom.
#include "workspace/workspace_revocation.hpp"

#include "session/fake_session_store.hpp"
#include "support/event_loop.hpp"
#include "upstream/fake_intercom_oauth_client.hpp"
#include "workspace/fake_workspace_store.hpp"

#include <gtest/gtest.h>

namespace icg::workspace {
namespace {

class WorkspaceRevocationTest : public ::testing::Test {
protected:
    WorkspaceRevocationTest() {
        connections.connections["ws_a"] = icg::testing::connection_holding("ws_a", "tok-a2");
        connections.connections["ws_b"] = icg::testing::connection_holding("ws_b", "tok-b");
        add_session("sid-1", "ws_a", "tok-a1");
        add_session("sid-2", "ws_a", "tok-a2");
        add_session("sid-3", "ws_b", "tok-b");
        intercom.live_tokens = {"tok-a1", "tok-a2", "tok-b"};
    }

    void add_session(std::string id, std::string workspace, std::string token) {
        session::SessionRecord r;
        r.workspace_id = std::move(workspace);
        r.access_token = core::Secret(std::move(token));
        sessions.sessions[std::move(id)] = r;
    }

    icg::testing::EventLoop loop;
    icg::testing::FakeSessionStore sessions;
    icg::testing::FakeWorkspaceStore connections;
    icg::testing::FakeIntercomOAuthClient intercom;
    WorkspaceRevocation revocation{sessions, connections, intercom};
};

TEST_F(WorkspaceRevocationTest, ARefusedTokenEndsOnlyWhatHoldsIt) {
    const core::Secret old_token(std::string("tok-a1"));
    ASSERT_TRUE(loop.run(revocation.token_refused("ws_a", old_token)));
    EXPECT_FALSE(sessions.sessions.contains("sid-1"));
    EXPECT_TRUE(sessions.sessions.contains("sid-2"));
    EXPECT_TRUE(connections.connections.contains("ws_a")) << "the connection holds a later token";

    const core::Secret current(std::string("tok-a2"));
    ASSERT_TRUE(loop.run(revocation.token_refused("ws_a", current)));
    EXPECT_FALSE(sessions.sessions.contains("sid-2"));
    EXPECT_FALSE(connections.connections.contains("ws_a"));
    EXPECT_TRUE(sessions.sessions.contains("sid-3"));
    EXPECT_TRUE(connections.connections.contains("ws_b"));
}

TEST_F(WorkspaceRevocationTest, DisconnectRevokesAtIntercomWithTheConnectionsTokenThenEndsEverything) {
    EXPECT_EQ(loop.run(revocation.disconnect("ws_a", nullptr)), DisconnectOutcome::disconnected);
    EXPECT_EQ(intercom.uninstalled, std::vector<std::string>{"tok-a2"});
    EXPECT_FALSE(connections.connections.contains("ws_a"));
    EXPECT_FALSE(sessions.sessions.contains("sid-1"));
    EXPECT_FALSE(sessions.sessions.contains("sid-2"));
    EXPECT_TRUE(sessions.sessions.contains("sid-3"));
}

TEST_F(WorkspaceRevocationTest, ATokenIntercomAlreadyRefusesCountsAsRevoked) {
    intercom.live_tokens.clear();
    EXPECT_EQ(loop.run(revocation.disconnect("ws_a", nullptr)), DisconnectOutcome::disconnected);
    EXPECT_FALSE(connections.connections.contains("ws_a"));
}

TEST_F(WorkspaceRevocationTest, WhenIntercomDoesNotConfirmNothingEnds) {
    intercom.unreachable = true;
    EXPECT_EQ(loop.run(revocation.disconnect("ws_a", nullptr)), DisconnectOutcome::intercom_unavailable);
    EXPECT_TRUE(connections.connections.contains("ws_a"));
    EXPECT_EQ(sessions.sessions.size(), 3u);
}

TEST_F(WorkspaceRevocationTest, WithoutAConnectionTheSessionsTokenRevokes) {
    connections.connections.erase("ws_a");
    const core::Secret fallback(std::string("tok-a1"));
    EXPECT_EQ(loop.run(revocation.disconnect("ws_a", &fallback)), DisconnectOutcome::disconnected);
    EXPECT_EQ(intercom.uninstalled, std::vector<std::string>{"tok-a1"});
    EXPECT_FALSE(sessions.sessions.contains("sid-2"));
    EXPECT_EQ(loop.run(revocation.disconnect("ws_z", nullptr)), DisconnectOutcome::not_connected);
}

TEST_F(WorkspaceRevocationTest, AStoreThatDoesNotAnswerIsReported) {
    connections.down = true;
    EXPECT_EQ(loop.run(revocation.disconnect("ws_a", nullptr)), DisconnectOutcome::store_unavailable);
    EXPECT_TRUE(intercom.uninstalled.empty()) << "nothing is revoked before the connection is known";
    EXPECT_FALSE(loop.run(revocation.end("ws_a")));
    connections.down = false;
    sessions.down = true;
    EXPECT_FALSE(loop.run(revocation.token_refused("ws_b", core::Secret(std::string("tok-b")))));
}

}  // namespace
}  // namespace icg::workspace
