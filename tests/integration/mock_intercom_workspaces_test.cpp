// The mock Intercom's workspaces, uninstall and rate limit, called directly over TLS (no gateway):
// the gateway's tests of internal services lean on these behaving like Intercom's.
#include "support/certificates.hpp"
#include "support/eventually.hpp"
#include "support/mock_intercom.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_client.hpp"
#include "support/time_scale.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace icg::testing {
namespace {

constexpr const char* kBeta = "ws_beta";
constexpr const char* kBetaName = "Beta Workspace";

// The members of Intercom's error list that tests compare: type, then each error's code and message.
struct ErrorList {
    std::string type;
    std::vector<std::pair<std::string, std::string>> errors;
};

ErrorList error_list(const HttpResponse& response) {
    ErrorList out;
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    if (doc.HasParseError() || !doc.IsObject()) return out;
    if (doc.HasMember("type") && doc["type"].IsString()) out.type = doc["type"].GetString();
    if (!doc.HasMember("errors") || !doc["errors"].IsArray()) return out;
    for (const auto& e : doc["errors"].GetArray()) {
        if (!e.IsObject() || !e.HasMember("code") || !e["code"].IsString() || !e.HasMember("message") ||
            !e["message"].IsString())
            continue;
        out.errors.emplace_back(e["code"].GetString(), e["message"].GetString());
    }
    return out;
}

bool is_unauthorized(const HttpResponse& response) {
    const auto errors = error_list(response);
    return response.status == 401 && errors.type == "error.list" &&
           errors.errors == std::vector<std::pair<std::string, std::string>>{{"unauthorized", "Access Token Invalid"}};
}

// GET /me's app and admin.
struct Admin {
    std::string app_id_code;
    std::string app_name;
    std::string admin_id;
    std::string admin_email;
};

std::optional<Admin> parse_admin(const HttpResponse& response) {
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    if (response.status != 200 || doc.HasParseError() || !doc.IsObject() || !doc.HasMember("app") ||
        !doc["app"].IsObject())
        return std::nullopt;
    const auto& app = doc["app"];
    auto text = [](const rapidjson::Value& object, const char* name) {
        return object.HasMember(name) && object[name].IsString() ? std::string(object[name].GetString())
                                                                 : std::string();
    };
    return Admin{text(app, "id_code"), text(app, "name"), text(doc, "id"), text(doc, "email")};
}

long long header_number(const HttpResponse& response, std::string_view name) {
    const auto text = response.header(name);
    return text.empty() ? -1 : std::stoll(text);
}

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class MockIntercomWorkspacesTest : public ::testing::Test {
protected:
    HttpResponse call(std::string_view method, std::string_view target, const std::string& token) {
        HttpsConnection connection(mock.port(), certificates.ca_file);
        return connection.request(method, target, {{"Authorization", "Bearer " + token}});
    }
    HttpResponse me(const std::string& token) { return call("GET", "/me", token); }
    HttpResponse contacts(const std::string& token) { return call("GET", "/contacts", token); }
    HttpResponse uninstall(const std::string& token) { return call("POST", "/auth/uninstall", token); }

    HttpResponse control(std::string_view target) {
        HttpsConnection connection(mock.port(), certificates.ca_file);
        return connection.request("POST", target);
    }

    // A token of `workspace`, whose approval then stays in force.
    std::string token_of(const std::string& workspace) {
        mock.authorize_workspace(workspace);
        return mock.obtain_token();
    }

    TempDir dir;
    const Certificates& certificates = test_certificates();
    MockIntercom mock{dir, certificates, {{kBeta, kBetaName}}};
};

TEST_F(MockIntercomWorkspacesTest, TokensAnswerMeForTheWorkspaceApprovedAtConsent) {
    const auto demo = mock.obtain_token();  // the default workspace, before any control
    mock.authorize_workspace(kBeta);
    const auto beta = mock.obtain_token();
    const auto beta_again = mock.obtain_token();  // the choice is sticky

    const auto demo_admin = parse_admin(me(demo));
    const auto beta_admin = parse_admin(me(beta));
    const auto beta_again_admin = parse_admin(me(beta_again));
    ASSERT_TRUE(demo_admin && beta_admin && beta_again_admin);
    EXPECT_EQ(demo_admin->app_id_code, MockIntercom::default_workspace_id);
    EXPECT_EQ(demo_admin->app_name, MockIntercom::default_workspace_name);
    EXPECT_EQ(demo_admin->admin_id, MockIntercom::default_admin_id);
    EXPECT_EQ(demo_admin->admin_email, "ada@example.com");
    EXPECT_EQ(beta_admin->app_id_code, kBeta);
    EXPECT_EQ(beta_admin->app_name, kBetaName);
    EXPECT_EQ(beta_admin->admin_id, "7310565");
    EXPECT_EQ(beta_admin->admin_email, "admin+ws_beta@example.com");
    EXPECT_EQ(beta_again_admin->app_id_code, kBeta);

    // The REST endpoints answer in the token's workspace too.
    EXPECT_NE(contacts(beta).body.find("\"workspace_id\":\"ws_beta\""), std::string::npos);
    EXPECT_NE(contacts(demo).body.find("\"workspace_id\":\"ws_demo1\""), std::string::npos);

    mock.authorize_workspace(MockIntercom::default_workspace_id);
    const auto demo_again = parse_admin(me(mock.obtain_token()));
    ASSERT_TRUE(demo_again);
    EXPECT_EQ(demo_again->app_id_code, MockIntercom::default_workspace_id);
}

TEST_F(MockIntercomWorkspacesTest, ACodeBelongsToTheWorkspaceApprovedWhenItWasIssued) {
    HttpsConnection connection(mock.port(), certificates.ca_file);
    const std::string redirect_uri = "https://localhost/callback";
    const auto consent = connection.request("GET", "/oauth?client_id=" + std::string(MockIntercom::client_id) +
                                                       "&redirect_uri=" + percent_encode(redirect_uri));
    const auto code = query_parameter(consent.header("Location"), "code");
    ASSERT_TRUE(code) << consent.status;

    mock.authorize_workspace(kBeta);  // after the consent, before the exchange
    const auto exchange = connection.request(
        "POST", "/auth/eagle/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
        "code=" + percent_encode(*code) + "&client_id=" + MockIntercom::client_id +
            "&client_secret=" + MockIntercom::client_secret + "&redirect_uri=" + percent_encode(redirect_uri));
    ASSERT_EQ(exchange.status, 200u) << exchange.body;
    rapidjson::Document doc;
    doc.Parse(exchange.body.c_str());
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("access_token") && doc["access_token"].IsString());

    const auto admin = parse_admin(me(doc["access_token"].GetString()));
    ASSERT_TRUE(admin);
    EXPECT_EQ(admin->app_id_code, MockIntercom::default_workspace_id);
}

TEST_F(MockIntercomWorkspacesTest, UnknownWorkspacesAreRefused) {
    EXPECT_EQ(control("/__mock/authorize-workspace?id=ws_nope").status, 404u);
    EXPECT_EQ(control("/__mock/uninstall-workspace?id=ws_nope").status, 404u);
    EXPECT_EQ(control("/__mock/authorize-workspace").status, 400u);
    EXPECT_THROW(mock.authorize_workspace("ws_nope"), std::runtime_error);
    EXPECT_THROW(mock.uninstall_workspace("ws_nope"), std::runtime_error);

    // The refused choice left the approval where it was.
    const auto admin = parse_admin(me(mock.obtain_token()));
    ASSERT_TRUE(admin);
    EXPECT_EQ(admin->app_id_code, MockIntercom::default_workspace_id);
}

TEST_F(MockIntercomWorkspacesTest, UninstallRevokesEveryTokenOfItsWorkspaceOnly) {
    const auto demo_1 = token_of(MockIntercom::default_workspace_id);
    const auto demo_2 = mock.obtain_token();
    const auto beta = token_of(kBeta);

    const auto uninstalled = uninstall(demo_1);
    ASSERT_EQ(uninstalled.status, 200u) << uninstalled.body;
    rapidjson::Document doc;
    doc.Parse(uninstalled.body.c_str());
    ASSERT_TRUE(doc.IsObject()) << uninstalled.body;
    EXPECT_EQ(uninstalled.header("Content-Type").substr(0, 16), "application/json");

    for (const auto& token : {demo_1, demo_2}) {
        EXPECT_TRUE(is_unauthorized(me(token))) << me(token).body;
        EXPECT_TRUE(is_unauthorized(contacts(token)));
    }
    EXPECT_EQ(me(beta).status, 200u);
    EXPECT_EQ(contacts(beta).status, 200u);

    // Once revoked, a token cannot uninstall again; nor can one the mock never issued.
    EXPECT_TRUE(is_unauthorized(uninstall(demo_2)));
    EXPECT_TRUE(is_unauthorized(uninstall("never-issued")));
    EXPECT_EQ(mock.stats().uninstall_calls, 3);

    // Installing again (a new consent) gives a working token.
    EXPECT_EQ(me(token_of(MockIntercom::default_workspace_id)).status, 200u);
    EXPECT_EQ(me(demo_1).status, 401u);
}

TEST_F(MockIntercomWorkspacesTest, UninstallControlRevokesAWorkspaceWithoutACall) {
    const auto demo = token_of(MockIntercom::default_workspace_id);
    const auto beta = token_of(kBeta);
    mock.uninstall_workspace(kBeta);
    EXPECT_TRUE(is_unauthorized(me(beta)));
    EXPECT_TRUE(is_unauthorized(contacts(beta)));
    EXPECT_EQ(me(demo).status, 200u);
    EXPECT_EQ(mock.stats().uninstall_calls, 0);
}

TEST_F(MockIntercomWorkspacesTest, ApiCallsAreCountedByTheTokensWorkspace) {
    const auto demo = token_of(MockIntercom::default_workspace_id);
    const auto beta = token_of(kBeta);
    const auto before = mock.stats();
    EXPECT_EQ(before.api_calls(MockIntercom::default_workspace_id), 0);
    EXPECT_EQ(before.api_calls(kBeta), 0);
    EXPECT_EQ(before.api_calls("ws_nope"), -1);

    EXPECT_EQ(contacts(demo).status, 200u);
    EXPECT_EQ(contacts(beta).status, 200u);
    EXPECT_EQ(call("GET", "/contacts/65f1c0a8e4b0d2a1c3f4e501", beta).status, 200u);
    EXPECT_EQ(contacts("never-issued").status, 401u);  // counted in `api` only
    EXPECT_EQ(me(beta).status, 200u);                  // /me has its own counter

    const auto after = mock.stats();
    EXPECT_EQ(after.api_calls(MockIntercom::default_workspace_id), 1);
    EXPECT_EQ(after.api_calls(kBeta), 2);
    EXPECT_EQ(after.api - before.api, 4);
    EXPECT_EQ(after.me - before.me, 1);
}

TEST_F(MockIntercomWorkspacesTest, EveryApiAnswerCarriesTheRateLimit) {
    const auto token = mock.obtain_token();
    const auto first = contacts(token);
    const auto second = me(token);
    const auto refused = contacts("never-issued");
    const auto missing = call("GET", "/no-such-endpoint", token);
    for (const auto* response : {&first, &second, &refused, &missing}) {
        EXPECT_EQ(header_number(*response, "X-RateLimit-Limit"), 100000) << response->status;
        EXPECT_GE(header_number(*response, "X-RateLimit-Reset"), unix_now());
        EXPECT_LE(header_number(*response, "X-RateLimit-Reset"), unix_now() + 11);
        EXPECT_FALSE(response->has_header("Retry-After"));
    }
    EXPECT_EQ(header_number(first, "X-RateLimit-Remaining"), 99999);
    EXPECT_EQ(header_number(second, "X-RateLimit-Remaining"), 99998);  // /me counts against the limit too
    EXPECT_EQ(header_number(refused, "X-RateLimit-Remaining"), 100000);
    EXPECT_EQ(header_number(missing, "X-RateLimit-Remaining"), 99998);  // told, not charged

    // The OAuth routes and the controls are not the API.
    HttpsConnection connection(mock.port(), certificates.ca_file);
    EXPECT_FALSE(connection.request("GET", "/oauth").has_header("X-RateLimit-Limit"));
    EXPECT_FALSE(connection.request("POST", "/auth/eagle/token").has_header("X-RateLimit-Limit"));
    EXPECT_FALSE(connection.request("GET", "/__mock/stats").has_header("X-RateLimit-Limit"));
}

TEST_F(MockIntercomWorkspacesTest, OverTheLimitIs429WithoutRetryAfterForThatWorkspaceOnly) {
    const auto demo = token_of(MockIntercom::default_workspace_id);
    const auto beta = token_of(kBeta);
    mock.set_rate_limit(2);

    const auto first = contacts(demo);
    const auto second = me(demo);
    const auto third = contacts(demo);
    EXPECT_EQ(first.status, 200u);
    EXPECT_EQ(header_number(first, "X-RateLimit-Remaining"), 1);
    EXPECT_EQ(second.status, 200u);
    EXPECT_EQ(header_number(second, "X-RateLimit-Remaining"), 0);

    ASSERT_EQ(third.status, 429u) << third.body;
    const auto errors = error_list(third);
    EXPECT_EQ(errors.type, "error.list");
    EXPECT_EQ(errors.errors, (std::vector<std::pair<std::string, std::string>>{
                                 {"rate_limit_exceeded", "Exceeded rate limit of 2 in 10_seconds"}}));
    EXPECT_EQ(header_number(third, "X-RateLimit-Limit"), 2);
    EXPECT_EQ(header_number(third, "X-RateLimit-Remaining"), 0);
    EXPECT_EQ(header_number(third, "X-RateLimit-Reset"), header_number(first, "X-RateLimit-Reset"));
    EXPECT_FALSE(third.has_header("Retry-After"));
    EXPECT_EQ(me(demo).status, 429u);
    EXPECT_EQ(uninstall(demo).status, 429u);
    EXPECT_EQ(me(demo).status, 429u) << "a refused uninstall uninstalled";

    // Another workspace has a window of its own.
    const auto other = contacts(beta);
    EXPECT_EQ(other.status, 200u);
    EXPECT_EQ(header_number(other, "X-RateLimit-Remaining"), 1);

    // What reached the mock counts, refused or not.
    const auto stats = mock.stats();
    EXPECT_EQ(stats.api_calls(MockIntercom::default_workspace_id), 2);
    EXPECT_EQ(stats.api_calls(kBeta), 1);

    // A new limit starts every window afresh.
    mock.set_rate_limit(5);
    const auto fresh = contacts(demo);
    EXPECT_EQ(fresh.status, 200u);
    EXPECT_EQ(header_number(fresh, "X-RateLimit-Remaining"), 4);
}

TEST_F(MockIntercomWorkspacesTest, TheWindowEndsAtItsReset) {
    const auto token = mock.obtain_token();
    mock.set_rate_limit(1, std::chrono::milliseconds(1500));
    const auto started = std::chrono::system_clock::now();
    const auto started_seconds = std::chrono::duration_cast<std::chrono::seconds>(started.time_since_epoch()).count();
    ASSERT_EQ(contacts(token).status, 200u);
    const auto refused = contacts(token);
    ASSERT_EQ(refused.status, 429u);
    EXPECT_EQ(error_list(refused).errors.at(0).second, "Exceeded rate limit of 1 in 1500_milliseconds");
    const auto reset = header_number(refused, "X-RateLimit-Reset");
    // The window ends 1.5 s after the first request, rounded up to a whole second.
    EXPECT_GE(reset, started_seconds + 2);
    EXPECT_LE(reset, unix_now() + 3);

    HttpResponse allowed;
    ASSERT_TRUE(eventually(
        [&] {
            allowed = contacts(token);
            return allowed.status == 200u;
        },
        scaled(std::chrono::milliseconds(6000)), std::chrono::milliseconds(100)))
        << "still " << allowed.status << " after the window's reset " << reset;
    // Not before the window ended, and by the Reset it announced (a poll step of slack).
    const auto ended = std::chrono::system_clock::now();
    EXPECT_GE(ended - started, std::chrono::milliseconds(1500));
    EXPECT_LE(std::chrono::duration_cast<std::chrono::seconds>(ended.time_since_epoch()).count(), reset + time_scale());
    EXPECT_EQ(header_number(allowed, "X-RateLimit-Remaining"), 0);
    EXPECT_GT(header_number(allowed, "X-RateLimit-Reset"), unix_now());
}

TEST_F(MockIntercomWorkspacesTest, RateLimitControlChecksItsParameters) {
    EXPECT_EQ(control("/__mock/rate-limit").status, 400u);
    EXPECT_EQ(control("/__mock/rate-limit?limit=ten").status, 400u);
    EXPECT_EQ(control("/__mock/rate-limit?limit=10&window_ms=0").status, 400u);
    EXPECT_EQ(control("/__mock/rate-limit?limit=10&window_ms=3600001").status, 400u);
    EXPECT_EQ(control("/__mock/rate-limit?limit=0").status, 204u);  // every call refused
    EXPECT_EQ(contacts(mock.obtain_token()).status, 429u);
}

TEST(MockIntercomOptionsTest, WorkspaceFlagIsCheckedAndDocumented) {
    const auto& certificates = test_certificates();
    auto run = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"--cert",          certificates.cert_file.string(),
                                      "--key",           certificates.key_file.string(),
                                      "--client-id",     "c",
                                      "--client-secret", "s"};
        args.insert(args.end(), extra.begin(), extra.end());
        Process process(mock_intercom_binary().string(), std::move(args));
        const auto status = process.wait_for_exit(std::chrono::seconds(20));
        process.wait_for_output_closed(std::chrono::seconds(5));
        return std::make_pair(status ? status->code : -1, process.output());
    };
    const auto [help_code, help] = run({"--help"});
    EXPECT_EQ(help_code, 0);
    for (const auto* needle :
         {"--workspace ID:NAME", "/__mock/authorize-workspace?id=ID", "/__mock/uninstall-workspace?id=ID",
          "/__mock/rate-limit?limit=N[&window_ms=M]", "POST /auth/uninstall", "X-RateLimit-Reset", "uninstall_calls",
          "api_calls_by_workspace"})
        EXPECT_NE(help.find(needle), std::string::npos) << needle;

    for (const auto& bad : {"ws_demo1:Again", "no-name", ":Name", "ws 1:Spaced"}) {
        const auto [code, output] = run({"--workspace", bad});
        EXPECT_EQ(code, 2) << bad;
        EXPECT_NE(output.find("--workspace"), std::string::npos) << output;
    }
    const auto [twice_code, twice] = run({"--workspace", "ws_b:B", "--workspace=ws_b:Other"});
    EXPECT_EQ(twice_code, 2);
    EXPECT_NE(twice.find("'ws_b' is given twice"), std::string::npos) << twice;
}

}  // namespace
}  // namespace icg::testing
