// Internal services calling Intercom through the gateway's internal listener, over real TLS with
// real Redis and mock-intercom: who may call, for which workspace, what reaches Intercom, the
// admin routes, and how revocation and disconnection end a workspace everywhere.
#include "internal_services_fixture.hpp"

#include "crypto/digest.hpp"
#include "support/eventually.hpp"
#include "support/time_scale.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <rapidjson/document.h>

#include <signal.h>

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

namespace icg::testing {
namespace {
using namespace std::chrono_literals;

// Keys as --new-service-key makes them (43 base64url characters); only their hashes are configured.
constexpr const char* sync_key = "sync-key-0123456789abcdefghijklmnopqrstuvwxyz0";
constexpr const char* all_key = "all-key-0123456789abcdefghijklmnopqrstuvwxyz01";
constexpr const char* admin_key = "adm-key-0123456789abcdefghijklmnopqrstuvwxyz01";
class InternalServicesTest : public InternalListenerTest {
protected:
    static void with_services(GatewaySettings& s) {
        s.set("internal", "listen", "127.0.0.1:0");
        s.append_tables(key_service_table("sync", sync_key, R"(["ws_demo1"])", R"(["GET /me", "GET /contacts/**"])"));
        s.append_tables(key_service_table("all", all_key, R"(["*"])"));
        s.append_tables(key_service_table("admin", admin_key, R"(["*"])", "[]", true));
    }

    void SetUp() override {
        GatewayTest::SetUp();
        start_gateway(with_services);
    }

    static HttpResponse call_on(std::uint16_t port, const std::filesystem::path& ca, const std::string& method,
                                const std::string& target, const std::string& key,
                                const std::vector<std::string>& workspaces, HeaderList extra = {}) {
        HttpsConnection connection(port, ca);
        HeaderList headers = std::move(extra);
        if (!key.empty()) headers.emplace_back("Authorization", "Bearer " + key);
        for (const auto& w : workspaces) headers.emplace_back("Intercom-Workspace-Id", w);
        return connection.request(method, target, headers);
    }

    HttpResponse call(const std::string& method, const std::string& target, const std::string& key,
                      const std::vector<std::string>& workspaces, HeaderList extra = {}) {
        return call_on(gateway().internal_port(), certificates().ca_file, method, target, key, workspaces,
                       std::move(extra));
    }
};

TEST_F(InternalServicesTest, AServiceCallsForAConnectedWorkspaceWithItsTokenNeverItsKey) {
    connect("ws_demo1");
    const auto response = call("GET", "/intercom/me", sync_key, {"ws_demo1"});
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(workspace_of_me(response), "ws_demo1");
    EXPECT_FALSE(response.header("X-Request-Id").empty());

    const auto seen = mock().last_request();
    ASSERT_TRUE(seen);
    const auto tokens = mock().issued_tokens();
    ASSERT_EQ(tokens.size(), 1u);
    EXPECT_EQ(seen->header("Authorization"), "Bearer " + tokens[0]) << "the workspace's token, not the service key";
    EXPECT_FALSE(seen->has_header("Intercom-Workspace-Id")) << "the gateway's own header stops at the gateway";
    EXPECT_EQ(seen->header("Intercom-Version"), "2.14");
}

TEST_F(InternalServicesTest, NoKeyAnUnknownKeyOrAWrongKeyOfTheRightLengthIs401) {
    connect("ws_demo1");
    std::string almost(sync_key);
    almost.back() = almost.back() == '0' ? '1' : '0';
    for (const std::string& key : {std::string(), std::string("nope"), almost}) {
        const auto response = call("GET", "/intercom/me", key, {"ws_demo1"});
        EXPECT_EQ(response.status, 401u) << key;
        EXPECT_EQ(response.body, R"({"error":"unauthenticated"})");
        EXPECT_EQ(response.header("WWW-Authenticate"), "Bearer");
    }
    // A browser's session cookie is no credential here, and the token behind it is none either.
    auto browser_client = connect("ws_demo1");
    const auto cookie = browser_client.cookie(session_cookie).value_or("");
    auto with_cookie =
        call("GET", "/intercom/me", "", {"ws_demo1"}, {{"Cookie", std::string(session_cookie) + "=" + cookie}});
    EXPECT_EQ(with_cookie.status, 401u);
    EXPECT_EQ(call("GET", "/intercom/me", mock().issued_tokens().at(0), {"ws_demo1"}).status, 401u);
}

TEST_F(InternalServicesTest, TheWorkspaceMustBeNamedOnceAndWellFormed) {
    connect("ws_demo1");
    const std::vector<std::vector<std::string>> bad = {
        {}, {""}, {"ws demo1"}, {"ws_demo1", "ws_demo1"}, {"ws_demo1,ws_other"}, {"ws_demo1;"}};
    for (const auto& headers : bad) {
        const auto response = call("GET", "/intercom/me", all_key, headers);
        EXPECT_EQ(response.status, 400u);
        EXPECT_EQ(response.body, R"({"error":"workspace_required"})");
    }
}

TEST_F(InternalServicesTest, AServiceNeverReachesAnotherWorkspaceWhateverTheSpelling) {
    connect("ws_demo1");
    connect(other_workspace);
    for (const std::vector<std::string>& headers : {std::vector<std::string>{other_workspace},
                                                    {"WS_OTHER"},
                                                    {"ws_demo1", other_workspace},
                                                    {other_workspace, "ws_demo1"}}) {
        const auto response = call("GET", "/intercom/me", sync_key, headers);
        EXPECT_TRUE(response.status == 403u || response.status == 400u) << response.status;
        EXPECT_NE(workspace_of_me(response), other_workspace);
    }
    // The name's case matters: "Intercom-Workspace-Id" in any case is one header.
    const auto lower = call("GET", "/intercom/me", sync_key, {}, {{"intercom-workspace-id", other_workspace}});
    EXPECT_EQ(lower.status, 403u);
    const auto mixed =
        call("GET", "/intercom/me", sync_key, {"ws_demo1"}, {{"INTERCOM-WORKSPACE-ID", other_workspace}});
    EXPECT_EQ(mixed.status, 400u) << "two spellings are two headers: refused, never the first or the last";
    EXPECT_EQ(mock().stats().api_calls(other_workspace), 0);

    // A service allowed every workspace gets each one's own token.
    EXPECT_EQ(workspace_of_me(call("GET", "/intercom/me", all_key, {other_workspace})), other_workspace);
    EXPECT_EQ(workspace_of_me(call("GET", "/intercom/me", all_key, {"ws_demo1"})), "ws_demo1");
}

TEST_F(InternalServicesTest, ACallOutsideTheServicesRulesIs403AndAnUnconnectedWorkspace404) {
    connect("ws_demo1");
    auto refused = call("POST", "/intercom/contacts", sync_key, {"ws_demo1"});
    EXPECT_EQ(refused.status, 403u);
    EXPECT_EQ(refused.body, R"({"error":"not_allowed"})");
    EXPECT_EQ(call("GET", "/intercom/admins", sync_key, {"ws_demo1"}).status, 403u);
    EXPECT_EQ(call("GET", "/intercom/contacts/42", sync_key, {"ws_demo1"}).status, 200u);

    const auto missing = call("GET", "/intercom/me", all_key, {other_workspace});
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(missing.body, R"({"error":"workspace_not_connected"})");
}

TEST_F(InternalServicesTest, CookiesSentToTheInternalListenerAreNeverForwarded) {
    connect("ws_demo1");
    const auto response =
        call("GET", "/intercom/me", sync_key, {"ws_demo1"}, {{"Cookie", "tracking=1; __Host-icg-session=x"}});
    ASSERT_EQ(response.status, 200u);
    const auto seen = mock().last_request();
    ASSERT_TRUE(seen);
    EXPECT_FALSE(seen->has_header("Cookie"));
}

TEST_F(InternalServicesTest, AdminServicesListWorkspacesWithoutTokensOrEmails) {
    connect("ws_demo1");
    connect(other_workspace);
    ASSERT_EQ(call("GET", "/intercom/me", all_key, {"ws_demo1"}).status, 200u);

    EXPECT_EQ(call("GET", "/workspaces", sync_key, {}).status, 403u);
    EXPECT_EQ(call("GET", "/workspaces", "", {}).status, 401u);
    const auto listed = call("GET", "/workspaces", admin_key, {});
    ASSERT_EQ(listed.status, 200u) << listed.body;
    EXPECT_EQ(listed.header("Cache-Control"), "no-store");
    rapidjson::Document doc;
    doc.Parse(listed.body.c_str());
    ASSERT_TRUE(doc.IsArray()) << listed.body;
    ASSERT_EQ(doc.Size(), 2u);
    EXPECT_STREQ(doc[0]["id"].GetString(), "ws_demo1");
    EXPECT_STREQ(doc[0]["name"].GetString(), "Demo Workspace");
    EXPECT_EQ(doc[0]["api_base"].GetString(), mock().api_base());
    EXPECT_GT(doc[0]["connected_at"].GetInt64(), 1'700'000'000);
    EXPECT_TRUE(doc[0]["last_used_at"].IsInt64()) << "used through the gateway just now";
    EXPECT_STREQ(doc[1]["id"].GetString(), other_workspace);
    EXPECT_TRUE(doc[1]["last_used_at"].IsNull()) << "never used by a service";
    for (const auto& token : mock().issued_tokens()) EXPECT_EQ(listed.body.find(token), std::string::npos);
    EXPECT_EQ(listed.body.find("@"), std::string::npos) << "no email";
}

TEST_F(InternalServicesTest, DeletingAWorkspaceRevokesItAtIntercomAndEndsItsSessions) {
    auto demo_browser = connect("ws_demo1");
    auto other_browser = connect(other_workspace);
    ASSERT_EQ(other_browser.get("/auth/session").status, 200u);

    EXPECT_EQ(call("DELETE", "/workspaces/" + std::string(other_workspace), sync_key, {}).status, 403u);
    const auto deleted = call("DELETE", "/workspaces/" + std::string(other_workspace), admin_key, {});
    EXPECT_EQ(deleted.status, 204u) << deleted.body;
    EXPECT_EQ(mock().stats().uninstall_calls, 1);

    EXPECT_EQ(other_browser.get("/auth/session").status, 401u) << "the workspace's browser session ended";
    EXPECT_EQ(call("GET", "/intercom/me", all_key, {other_workspace}).status, 404u);
    EXPECT_EQ(demo_browser.get("/auth/session").status, 200u) << "another workspace is untouched";
    EXPECT_EQ(call("GET", "/intercom/me", all_key, {"ws_demo1"}).status, 200u);

    const auto again = call("DELETE", "/workspaces/" + std::string(other_workspace), admin_key, {});
    EXPECT_EQ(again.status, 204u) << "already gone is done too";
    EXPECT_EQ(mock().stats().uninstall_calls, 1) << "nothing left to revoke with";
    EXPECT_EQ(call("DELETE", "/workspaces/not%20an%20id", admin_key, {}).status, 404u);
    EXPECT_EQ(call("POST", "/workspaces/ws_demo1", admin_key, {}).status, 405u);
}

TEST_F(InternalServicesTest, ATokenRevokedAtIntercomEndsTheConnectionAndEverySessionHoldingIt) {
    auto first = connect("ws_demo1");
    auto second = connect("ws_demo1");  // a later login: the connection now holds its token
    ASSERT_EQ(call("GET", "/intercom/me", all_key, {"ws_demo1"}).status, 200u);

    mock().uninstall_workspace("ws_demo1");
    const auto refused = call("GET", "/intercom/me", all_key, {"ws_demo1"});
    EXPECT_EQ(refused.status, 404u);
    EXPECT_EQ(refused.body, R"({"error":"workspace_not_connected","reason":"token_revoked"})");
    EXPECT_EQ(second.get("/auth/session").status, 401u) << "the session holding the same token ended";
    EXPECT_EQ(first.get("/intercom/me", {{"X-CSRF", "1"}}).status, 401u) << "its older token is dead too";

    const auto calls_before = mock().stats().api_calls("ws_demo1");
    EXPECT_EQ(call("GET", "/intercom/contacts/1", all_key, {"ws_demo1"}).status, 404u);
    EXPECT_EQ(mock().stats().api_calls("ws_demo1"), calls_before) << "an ended connection never reaches Intercom";
}

TEST_F(InternalServicesTest, ABrowserRefusalEndsTheConnectionForServicesToo) {
    auto client = connect("ws_demo1");
    mock().uninstall_workspace("ws_demo1");
    EXPECT_EQ(client.get("/intercom/me", {{"X-CSRF", "1"}}).status, 401u);
    const auto after = call("GET", "/intercom/me", all_key, {"ws_demo1"});
    EXPECT_EQ(after.status, 404u);
    EXPECT_EQ(after.body, R"({"error":"workspace_not_connected"})") << "ended already, without calling Intercom";
}

TEST_F(InternalServicesTest, DisconnectFromTheBrowserRevokesAndEndsTheWorkspace) {
    auto client = connect("ws_demo1");
    auto other_tab_owner = connect("ws_demo1");
    auto foreign = client.post("/auth/disconnect", "", {{"Origin", "https://evil.example"}});
    EXPECT_EQ(foreign.status, 403u);
    EXPECT_EQ(client.get("/auth/session").status, 200u) << "a cross-origin attempt changes nothing";
    EXPECT_EQ(mock().stats().uninstall_calls, 0);

    const auto disconnected = client.post("/auth/disconnect", "", {{"Origin", client.origin()}});
    EXPECT_EQ(disconnected.status, 204u) << disconnected.body;
    EXPECT_FALSE(client.cookie(session_cookie)) << "the cookie is cleared";
    EXPECT_EQ(mock().stats().uninstall_calls, 1);
    EXPECT_EQ(other_tab_owner.get("/auth/session").status, 401u) << "every session of the workspace ended";
    EXPECT_EQ(call("GET", "/intercom/me", all_key, {"ws_demo1"}).status, 404u);
    EXPECT_EQ(client.post("/auth/disconnect", "", {{"Origin", client.origin()}}).status, 401u);
}

TEST_F(InternalServicesTest, ADisconnectIntercomDoesNotConfirmEndsNothing) {
    auto client = connect("ws_demo1");
    mock().set_rate_limit(0);  // every call refused, the uninstall included
    const auto response = client.post("/auth/disconnect", "", {{"Origin", client.origin()}});
    EXPECT_EQ(response.status, 502u);
    EXPECT_EQ(response.body, R"({"error":"intercom_unavailable"})");
    mock().set_rate_limit(100'000);
    EXPECT_EQ(client.get("/auth/session").status, 200u);
    EXPECT_EQ(call("GET", "/intercom/me", all_key, {"ws_demo1"}).status, 200u);
}

TEST_F(InternalServicesTest, AnUninstallNoticeEndsAWorkspaceOnlyOnceIntercomConfirmsIt) {
    auto demo = connect("ws_demo1");
    auto other = connect(other_workspace);
    auto intercom_side = browser();  // Intercom's server: no cookies, no Origin
    intercom_side.clear_cookies();
    const std::string forged_body = R"({"app_id":"ws_demo1"})";
    const auto forged =
        intercom_side.post("/auth/intercom/uninstalled", forged_body, {{"Content-Type", "application/json"}});
    EXPECT_EQ(forged.status, 200u);
    ASSERT_TRUE(gateway().process().wait_for_output("workspace ws_demo1 ignored: Intercom still accepts its token", 5s))
        << gateway().process().output();
    EXPECT_EQ(demo.get("/auth/session").status, 200u) << "a forged notice changes nothing";
    EXPECT_EQ(call("GET", "/intercom/me", all_key, {"ws_demo1"}).status, 200u);

    const auto unknown = intercom_side.post("/auth/intercom/uninstalled", R"({"app_id":"ws_nobody"})",
                                            {{"Content-Type", "application/json"}});
    EXPECT_EQ(unknown.status, 200u);
    EXPECT_EQ(unknown.body, forged.body) << "the answer says nothing about the workspace";
    EXPECT_EQ(intercom_side.post("/auth/intercom/uninstalled", "app_id=ws_demo1").status, 400u);
    EXPECT_EQ(intercom_side.post("/auth/intercom/uninstalled", std::string(5000, ' ') + forged_body).status, 413u)
        << "the body is capped";

    mock().uninstall_workspace(other_workspace);  // the workspace removed the app in Intercom
    const auto verified = intercom_side.post("/auth/intercom/uninstalled", R"({"app_id":"ws_other"})",
                                             {{"Content-Type", "application/json"}});
    EXPECT_EQ(verified.status, 200u);
    ASSERT_TRUE(gateway().process().wait_for_output("workspace ws_other verified: ended", 5s))
        << gateway().process().output();
    EXPECT_EQ(other.get("/auth/session").status, 401u);
    const auto calls_before = mock().stats().api_calls(other_workspace);
    const auto after = call("GET", "/intercom/contacts/1", all_key, {other_workspace});
    EXPECT_EQ(after.status, 404u);
    EXPECT_EQ(mock().stats().api_calls(other_workspace), calls_before);
    EXPECT_EQ(demo.get("/auth/session").status, 200u);
}

TEST_F(InternalServicesTest, AnExhaustedWorkspaceIsHeldForEveryCallerWithoutReachingIntercom) {
    auto client = connect("ws_demo1");
    connect(other_workspace);
    mock().set_rate_limit(3, 10s);
    for (int i = 0; i < 3; ++i) ASSERT_EQ(call("GET", "/intercom/contacts/1", all_key, {"ws_demo1"}).status, 200u);
    const auto calls = mock().stats().api_calls("ws_demo1");

    const auto held = call("GET", "/intercom/contacts/1", sync_key, {"ws_demo1"});
    EXPECT_EQ(held.status, 429u);
    EXPECT_EQ(held.body, R"({"error":"rate_limited"})");
    const auto retry_after = std::stoi(held.header("Retry-After").empty() ? "0" : held.header("Retry-After"));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 11);
    const auto from_browser = client.get("/intercom/contacts/1", {{"X-CSRF", "1"}});
    EXPECT_EQ(from_browser.status, 429u) << "the browser path shares the workspace's hold";
    EXPECT_FALSE(from_browser.header("Retry-After").empty());
    EXPECT_EQ(mock().stats().api_calls("ws_demo1"), calls) << "nothing reached Intercom while exhausted";

    EXPECT_EQ(call("GET", "/intercom/contacts/1", all_key, {other_workspace}).status, 200u)
        << "another workspace has its own quota";
}

TEST_F(InternalServicesTest, IntercomsOwn429CarriesARetryAfter) {
    connect("ws_demo1");
    mock().set_rate_limit(0, 10s);  // the first call is already over the limit
    const auto refused = call("GET", "/intercom/contacts/1", all_key, {"ws_demo1"});
    EXPECT_EQ(refused.status, 429u);
    EXPECT_NE(refused.body.find("rate_limit_exceeded"), std::string::npos) << "Intercom's own answer";
    EXPECT_FALSE(refused.header("X-RateLimit-Reset").empty());
    const auto retry_after = std::stoi(refused.header("Retry-After").empty() ? "0" : refused.header("Retry-After"));
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 11);
}

TEST_F(InternalServicesTest, LogsNameTheServiceAndWorkspaceButNoKeyOrToken) {
    connect("ws_demo1");
    ASSERT_EQ(call("GET", "/intercom/me", sync_key, {"ws_demo1"}).status, 200u);
    ASSERT_EQ(call("GET", "/intercom/me", "wrong-key", {"ws_demo1"}).status, 401u);
    ASSERT_EQ(call("GET", "/workspaces", admin_key, {}).status, 200u);
    ASSERT_TRUE(gateway().process().wait_for_output("\"workspaces_listed\"", 5s));
    stop_gateway();
    const std::string log = read_file(dir / "gateway.log");
    EXPECT_NE(log.find(R"("service":"sync","workspace":"ws_demo1")"), std::string::npos) << log;
    for (const std::string& secret :
         {std::string(sync_key), std::string(admin_key), std::string("wrong-key"), crypto::sha256_hex(sync_key)})
        EXPECT_EQ(log.find(secret), std::string::npos) << "a key or its hash is in the log";
    for (const auto& token : mock().issued_tokens()) EXPECT_EQ(log.find(token), std::string::npos);
}

TEST_F(InternalServicesTest, HealthAndReadinessAnswerOnTheInternalListener) {
    EXPECT_EQ(call("GET", "/healthz", "", {}).status, 200u);
    EXPECT_EQ(call("GET", "/readyz", "", {}).status, 200u);
    EXPECT_EQ(call("GET", "/", "", {}).status, 404u) << "no static files here";
    EXPECT_EQ(call("GET", "/auth/login", "", {}).status, 404u) << "no browser routes here";
}

// After SIGTERM the internal listener drains like the public one: its readiness fails, on a
// kept-alive connection from before too, which is told to close, and a service call in flight ends.
TEST_F(InternalServicesTest, TheInternalListenerDrainsLikeThePublicOne) {
    connect("ws_demo1");
    HttpsConnection before(gateway().internal_port(), certificates().ca_file);
    ASSERT_EQ(before.request("GET", "/readyz").status, 200u);
    unsigned slow_status = 0;
    std::thread slow([&] { slow_status = call("GET", "/intercom/slow?ms=2000", all_key, {"ws_demo1"}).status; });
    ASSERT_TRUE(eventually(
        [&] {
            const auto seen = mock().last_request();
            return seen && seen->path == "/slow";
        },
        10s));
    ASSERT_TRUE(gateway().process().send_signal(SIGTERM));
    ASSERT_TRUE(gateway().process().wait_for_output("received SIGTERM", 5s));
    const auto ready = before.request("GET", "/readyz");
    EXPECT_EQ(ready.status, 503u) << ready.body;
    EXPECT_FALSE(ready.keep_alive) << "a kept-alive service connection must be told to close while draining";
    slow.join();
    EXPECT_EQ(slow_status, 200u) << "the service call in flight must finish";
    const auto status = gateway().process().wait_for_exit(20s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->success()) << status->describe();
}

TEST_F(InternalServicesTest, APlainListenerServesOnLoopbackOnly) {
    start_gateway([](GatewaySettings& s) {
        with_services(s);
        s.set_literal("internal", "tls", "false");
    });
    connect("ws_demo1");
    auto raw = [&](const std::string& request) {
        boost::asio::io_context io;
        boost::asio::ip::tcp::socket socket(io);
        socket.connect({boost::asio::ip::make_address("127.0.0.1"), gateway().internal_port()});
        boost::asio::write(socket, boost::asio::buffer(request));
        std::string answer;
        boost::system::error_code ec;
        char chunk[4096];
        for (;;) {
            const auto n = socket.read_some(boost::asio::buffer(chunk), ec);
            answer.append(chunk, n);
            if (ec) break;
        }
        return answer;
    };
    const auto answer = raw(std::string("GET /intercom/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ") +
                            sync_key + "\r\nIntercom-Workspace-Id: ws_demo1\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
    EXPECT_NE(answer.find("\"id_code\":\"ws_demo1\""), std::string::npos) << answer;

    auto s = settings();
    with_services(s);
    s.set("internal", "listen", "0.0.0.0:0");
    s.set_literal("internal", "tls", "false");
    const auto result =
        run_gateway_command({"--check-config", "--config", dir.write_file("public-plain.toml", s.to_toml()).string()});
    EXPECT_FALSE(result.status.success());
    EXPECT_NE(result.output.find("internal.tls"), std::string::npos) << result.output;
}

TEST_F(InternalServicesTest, TheListenersShareTheConnectionCapAQuarterForServices) {
    start_gateway([](GatewaySettings& s) {
        with_services(s);
        s.set_integer("server", "max_connections", 8);
    });
    // The internal listener holds 2 of the 8, the public one the other 6.
    std::vector<std::unique_ptr<HttpsConnection>> held;
    for (int i = 0; i < 2; ++i) {
        held.push_back(std::make_unique<HttpsConnection>(gateway().internal_port(), certificates().ca_file));
        ASSERT_EQ(held.back()->request("GET", "/healthz").status, 200u);
    }
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket extra(io);
    extra.connect({boost::asio::ip::address_v4::loopback(), gateway().internal_port()});
    char byte;
    boost::system::error_code ec;
    boost::asio::read(extra, boost::asio::buffer(&byte, 1), ec);
    EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) << ec.message();
    for (int i = 0; i < 6; ++i) {
        held.push_back(std::make_unique<HttpsConnection>(gateway().port(), certificates().ca_file));
        ASSERT_EQ(held.back()->request("GET", "/healthz").status, 200u) << "public connection " << i;
    }
}

TEST(NewServiceKeyTest, PrintsAFreshKeyAndTheHashLineForTheConfig) {
    auto key_and_hash = [] {
        const auto result = run_gateway_command({"--new-service-key"});
        EXPECT_TRUE(result.status.success()) << result.output;
        std::string key;
        std::string hash;
        std::istringstream lines(result.output);
        for (std::string line; std::getline(lines, line);) {
            const auto trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
            if (trimmed.starts_with("key_sha256 = \""))
                hash = trimmed.substr(14, 64);
            else if (trimmed.size() == 43 && key.empty())
                key = trimmed;
        }
        return std::pair(key, hash);
    };
    const auto [key, hash] = key_and_hash();
    ASSERT_EQ(key.size(), 43u) << "256 bits in base64url";
    EXPECT_EQ(hash, crypto::sha256_hex(key));
    EXPECT_NE(key_and_hash().first, key) << "a fresh key every time";
}

// Revocation seen by a second gateway process within 100 ms, through Redis alone.
class InternalServicesReplicaTest : public InternalServicesTest {
protected:
    void TearDown() override {
        if (second_) second_->stop();
        second_.reset();
        InternalServicesTest::TearDown();
    }

    Gateway& start_second() {
        second_ = start_replica(second_dir_, with_services);
        EXPECT_TRUE(second_->process().wait_for_output("cache on (session, workspace)", 10s))
            << second_->process().output();
        return *second_;
    }

    TempDir second_dir_;
    std::unique_ptr<Gateway> second_;
};

TEST_F(InternalServicesReplicaTest, ARevocationOnOneGatewayEndsTheWorkspaceOnAnotherWithin100ms) {
    ASSERT_TRUE(gateway().process().wait_for_output("cache on (session, workspace)", 10s));
    auto& replica = start_second();
    auto client = connect("ws_demo1");
    auto on_replica = [&](const std::string& target) {
        return call_on(replica.internal_port(), certificates().ca_file, "GET", target, all_key, {"ws_demo1"});
    };
    // The replica holds the connection and the session in its caches.
    ASSERT_EQ(on_replica("/intercom/me").status, 200u);
    TestClient replica_browser(replica.port(), certificates().ca_file);
    replica_browser.set_cookie(session_cookie, client.cookie(session_cookie).value_or(""));
    ASSERT_EQ(replica_browser.get("/auth/session").status, 200u);

    mock().uninstall_workspace("ws_demo1");
    ASSERT_EQ(call("GET", "/intercom/me", all_key, {"ws_demo1"}).status, 404u);  // the first gateway finds out
    const auto since = std::chrono::steady_clock::now();
    bool refused = false;
    std::chrono::steady_clock::duration took{};
    eventually(
        [&] {
            refused = replica_browser.get("/auth/session").status == 401u;
            took = std::chrono::steady_clock::now() - since;
            return refused;
        },
        2s, 1ms);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    RecordProperty("revocation_ms", std::to_string(ms));
    EXPECT_TRUE(refused);
    EXPECT_LT(ms, scaled(100)) << "the replica still accepted the session " << ms << " ms after the revocation";
    // The connection ended before the sessions, through the same invalidation channel: the replica
    // knows without asking Intercom.
    const auto calls_before = mock().stats().api_calls("ws_demo1");
    const auto after = on_replica("/intercom/me");
    EXPECT_EQ(after.status, 404u);
    EXPECT_EQ(after.body, R"({"error":"workspace_not_connected"})");
    EXPECT_EQ(mock().stats().api_calls("ws_demo1"), calls_before);
}

// A service's key is replaced by a reload (SIGHUP): the new key works at once, the old one no more.
TEST_F(InternalServicesTest, AServiceKeyReplacedByAReloadTakesEffectAtOnce) {
    connect("ws_demo1");
    ASSERT_EQ(call("GET", "/intercom/me", sync_key, {"ws_demo1"}).status, 200u);
    constexpr const char* new_sync_key = "new-key-0123456789abcdefghijklmnopqrstuvwxyz01";
    ASSERT_EQ(gateway().reload([](GatewaySettings& s) {
        s.clear_tables();
        s.append_tables(key_service_table("sync", new_sync_key, R"(["ws_demo1"])", R"(["GET /me"])"));
        s.append_tables(key_service_table("admin", admin_key, R"(["*"])", "[]", true));
    }),
              Gateway::ReloadOutcome::reloaded);
    EXPECT_EQ(call("GET", "/intercom/me", sync_key, {"ws_demo1"}).status, 401u) << "the old key still works";
    const auto renewed = call("GET", "/intercom/me", new_sync_key, {"ws_demo1"});
    EXPECT_EQ(renewed.status, 200u) << renewed.body;
    EXPECT_EQ(call("GET", "/intercom/contacts", new_sync_key, {"ws_demo1"}).status, 403u) << "its new allow list";
    EXPECT_EQ(call("GET", "/intercom/me", all_key, {"ws_demo1"}).status, 401u) << "a service removed is gone";
    EXPECT_EQ(call("GET", "/workspaces", admin_key, {}).status, 200u);
}

}  // namespace
}  // namespace icg::testing
