// An internal service's way in, against fake stores: the key, the workspace header, the
// service's policy, then the workspace's connection, failing closed when the store does not answer.
#include "proxy/service_caller_resolver.hpp"

#include "crypto/digest.hpp"
#include "proxy/service_directory.hpp"
#include "session/fake_session_store.hpp"
#include "support/event_loop.hpp"
#include "upstream/fake_intercom_oauth_client.hpp"
#include "workspace/fake_workspace_store.hpp"
#include "workspace/workspace_revocation.hpp"

#include <gtest/gtest.h>

namespace icg::proxy {
namespace {

std::string raw_hash(std::string_view key) {
    const auto md = crypto::sha256(key);
    return {reinterpret_cast<const char*>(md.data()), md.size()};
}

ServicePolicy service(std::string name, std::string key, std::vector<std::string> workspaces,
                      std::vector<std::string> allow = {}) {
    ServicePolicy s;
    s.name = std::move(name);
    s.key_sha256 = raw_hash(key);
    for (auto& w : workspaces)
        if (w == "*")
            s.any_workspace = true;
        else
            s.workspaces.push_back(std::move(w));
    s.allow = std::move(allow);
    s.allow_list = *AllowList::parse(s.allow, nullptr);
    return s;
}

class ServiceCallerResolverTest : public ::testing::Test {
protected:
    ServiceCallerResolverTest()
        : directory({service("sync", "key-sync", {"ws_x"}, {"GET /contacts/**", "POST /contacts/search"}),
                     service("all", "key-all", {"*"})}) {
        connections.connections["ws_x"] = icg::testing::connection_holding("ws_x", "tok-x");
        connections.connections["ws_y"] = icg::testing::connection_holding("ws_y", "tok-y");
    }

    static http::Request request(std::string method, std::string key, std::vector<std::string> workspace_headers) {
        http::Request r;
        r.method = std::move(method);
        r.target = "/intercom/contacts/1";
        if (!key.empty()) r.headers.add("Authorization", "Bearer " + key);
        for (const auto& w : workspace_headers) r.headers.add("Intercom-Workspace-Id", w);
        return r;
    }

    Resolution resolve(http::Request r, std::string_view api_path = "/contacts/1") {
        last = std::move(r);
        return loop.run(
            [&]() -> boost::asio::awaitable<Resolution> { co_return co_await resolver.resolve(last, api_path); }());
    }

    static unsigned status(const Resolution& r) {
        const auto* refused = std::get_if<http::Response>(&r);
        return refused ? refused->status : 0;
    }
    static std::string body(const Resolution& r) {
        const auto* refused = std::get_if<http::Response>(&r);
        return refused ? refused->body : std::string();
    }

    icg::testing::EventLoop loop;
    ServiceDirectory directory;
    icg::testing::FakeSessionStore sessions;
    icg::testing::FakeWorkspaceStore connections;
    icg::testing::FakeIntercomOAuthClient intercom;
    workspace::WorkspaceRevocation revocation{sessions, connections, intercom};
    ServiceCallerResolver resolver{directory, connections, revocation};
    http::Request last;
};

TEST_F(ServiceCallerResolverTest, AnAllowedCallGetsTheWorkspacesTokenAndIsNamedInTheLog) {
    auto resolved = resolve(request("GET", "key-sync", {"ws_x"}));
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Caller>>(resolved)) << body(resolved);
    EXPECT_EQ(std::get<std::unique_ptr<Caller>>(resolved)->bearer_token(), "tok-x");
    EXPECT_EQ(last.log_caller, "sync");
    EXPECT_EQ(last.log_workspace, "ws_x");
    EXPECT_EQ(connections.uses_noted, 1);
}

TEST_F(ServiceCallerResolverTest, NoKeyOrAWrongOneIs401WithAChallenge) {
    for (const auto& key : {std::string(), std::string("key-syn"), std::string("key-synd"), std::string("tok-x")}) {
        auto resolved = resolve(request("GET", key, {"ws_x"}));
        ASSERT_EQ(status(resolved), 401u) << key;
        EXPECT_EQ(body(resolved), R"({"error":"unauthenticated"})");
        EXPECT_EQ(std::get<http::Response>(resolved).headers.get("WWW-Authenticate"), "Bearer");
    }
}

TEST_F(ServiceCallerResolverTest, TheWorkspaceHeaderMustBeOneWellFormedId) {
    const std::vector<std::vector<std::string>> bad = {
        {}, {""}, {"ws x"}, {"ws_x", "ws_x"}, {"ws_x", "ws_y"}, {"ws_x,ws_y"}, {std::string(65, 'a')}, {"ws_x\t"}};
    for (const auto& headers : bad) {
        auto resolved = resolve(request("GET", "key-all", headers));
        EXPECT_EQ(status(resolved), 400u);
        EXPECT_EQ(body(resolved), R"({"error":"workspace_required"})");
    }
}

TEST_F(ServiceCallerResolverTest, AServiceNeverReachesAWorkspaceOrCallOutsideItsPolicy) {
    for (const auto& other : {"ws_y", "WS_X", "ws_x2", "ws_"}) {
        auto resolved = resolve(request("GET", "key-sync", {other}));
        EXPECT_EQ(status(resolved), 403u) << other;
        EXPECT_EQ(body(resolved), R"({"error":"not_allowed"})");
    }
    EXPECT_EQ(status(resolve(request("DELETE", "key-sync", {"ws_x"}))), 403u);
    EXPECT_EQ(status(resolve(request("GET", "key-sync", {"ws_x"}), "/admins")), 403u);
    EXPECT_EQ(status(resolve(request("POST", "key-sync", {"ws_x"}), "/contacts/search")), 0u);
    EXPECT_EQ(status(resolve(request("DELETE", "key-all", {"ws_y"}), "/contacts/1")), 0u) << "no rules: every call";
}

TEST_F(ServiceCallerResolverTest, AnUnconnectedWorkspaceIs404AndAStoreThatDoesNotAnswer503) {
    auto resolved = resolve(request("GET", "key-all", {"ws_z"}));
    EXPECT_EQ(status(resolved), 404u);
    EXPECT_EQ(body(resolved), R"({"error":"workspace_not_connected"})");
    connections.down = true;
    EXPECT_EQ(status(resolve(request("GET", "key-all", {"ws_x"}))), 503u);
}

TEST_F(ServiceCallerResolverTest, ARefusedTokenEndsTheConnectionAndTheSessionsHoldingIt) {
    session::SessionRecord browser;
    browser.access_token = core::Secret(std::string("tok-x"));
    browser.workspace_id = "ws_x";
    sessions.sessions["sid-1"] = browser;
    auto resolved = resolve(request("GET", "key-sync", {"ws_x"}));
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Caller>>(resolved));
    const auto answer = loop.run(std::get<std::unique_ptr<Caller>>(resolved)->token_refused());
    EXPECT_EQ(answer.status, 404u);
    EXPECT_NE(answer.body.find("workspace_not_connected"), std::string::npos);
    EXPECT_FALSE(connections.connections.contains("ws_x"));
    EXPECT_TRUE(sessions.sessions.empty());
    EXPECT_TRUE(connections.connections.contains("ws_y"));
}

TEST_F(ServiceCallerResolverTest, CallsInFlightAreCountedPerServiceAndWorkspace) {
    auto a = resolve(request("GET", "key-all", {"ws_x"}));
    auto b = resolve(request("GET", "key-all", {"ws_y"}));
    auto c = resolve(request("GET", "key-sync", {"ws_x"}));
    auto key = [](const Resolution& r) { return std::get<std::unique_ptr<Caller>>(r)->concurrency_key(); };
    EXPECT_NE(key(a), key(b));
    EXPECT_NE(key(a), key(c));
}

}  // namespace
}  // namespace icg::proxy
