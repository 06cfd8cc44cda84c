// GET /auth/session and POST /auth/logout with Redis up.
#include "gateway_fixture.hpp"

#include <rapidjson/document.h>

namespace icg::testing {
namespace {

using AuthSessionTest = GatewayTest;

rapidjson::Document parse_json(const HttpResponse& response) {
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << response.body;
    EXPECT_TRUE(response.header("Content-Type").starts_with("application/json")) << response.header("Content-Type");
    return doc;
}

void expect_unauthenticated(const HttpResponse& response) {
    EXPECT_EQ(response.status, 401u) << response.body;
    auto doc = parse_json(response);
    ASSERT_TRUE(doc.IsObject()) << response.body;
    ASSERT_TRUE(doc.HasMember("authenticated")) << response.body;
    EXPECT_TRUE(doc["authenticated"].IsFalse()) << response.body;
}

std::string member_string(const rapidjson::Value& object, const char* section, const char* key) {
    if (!object.IsObject() || !object.HasMember(section) || !object[section].IsObject())
        return "(missing " + std::string(section) + ")";
    const auto& inner = object[section];
    if (!inner.HasMember(key) || !inner[key].IsString()) return "(missing " + std::string(section) + "." + key + ")";
    return inner[key].GetString();
}

TEST_F(AuthSessionTest, WithoutACookieIsUnauthenticated) {
    auto client = browser();
    expect_unauthenticated(client.get("/auth/session"));
}

TEST_F(AuthSessionTest, WithAnUnknownCookieIsUnauthenticated) {
    auto client = browser();
    for (const char* value : {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x", "", "%00", "../../etc/passwd", "*"}) {
        client.set_cookie(session_cookie, value);
        expect_unauthenticated(client.get("/auth/session"));
    }
}

TEST_F(AuthSessionTest, WithALiveSessionDescribesTheAdminAndWorkspace) {
    auto client = browser();
    login(client);
    const auto response = client.get("/auth/session");
    ASSERT_EQ(response.status, 200u) << response.body;
    auto doc = parse_json(response);
    ASSERT_TRUE(doc.IsObject());
    ASSERT_TRUE(doc.HasMember("authenticated"));
    EXPECT_TRUE(doc["authenticated"].IsTrue());
    EXPECT_EQ(member_string(doc, "admin", "name"), "Ada Lovelace");
    EXPECT_EQ(member_string(doc, "admin", "email"), "ada@example.com");
    EXPECT_EQ(member_string(doc, "workspace", "id"), "ws_demo1");
    EXPECT_EQ(member_string(doc, "workspace", "name"), "Demo Workspace");
    EXPECT_NE(response.header("Cache-Control").find("no-store"), std::string::npos);
}

TEST_F(AuthSessionTest, NeverShowsATokenOrTheSessionId) {
    auto client = browser();
    login(client);
    const auto response = client.get("/auth/session");
    ASSERT_EQ(response.status, 200u);
    std::string lower = response.body;
    for (auto& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(lower.find("token"), std::string::npos) << response.body;
    EXPECT_EQ(response.body.find(*client.cookie(session_cookie)), std::string::npos) << response.body;
    auto doc = parse_json(response);
    ASSERT_TRUE(doc.IsObject());
    for (const auto& member : doc.GetObject()) {
        const std::string name = member.name.GetString();
        EXPECT_TRUE(name == "authenticated" || name == "admin" || name == "workspace") << "unexpected field " << name;
    }
}

TEST_F(AuthSessionTest, SessionsOfTwoBrowsersAreSeparate) {
    auto alice = browser();
    auto bob = browser();
    login(alice);
    EXPECT_EQ(alice.get("/auth/session").status, 200u);
    expect_unauthenticated(bob.get("/auth/session"));
    login(bob);
    EXPECT_NE(alice.cookie(session_cookie), bob.cookie(session_cookie));
}

TEST_F(AuthSessionTest, LogoutDeletesTheSessionAndClearsTheCookie) {
    auto client = browser();
    login(client);
    const auto session = *client.cookie(session_cookie);
    const auto response = client.post("/auth/logout");
    EXPECT_EQ(response.status, 204u) << response.body;
    EXPECT_EQ(response.header("Cache-Control"), "no-store") << "an answer that clears a cookie is kept by no cache";
    const auto cleared = find_set_cookie(response, session_cookie);
    ASSERT_TRUE(cleared.has_value()) << "the logout must clear the session cookie";
    EXPECT_EQ(cleared->max_age(), 0) << cleared->raw;
    EXPECT_TRUE(cleared->value.empty()) << cleared->raw;
    EXPECT_EQ(cleared->get("Path"), "/") << cleared->raw;
    EXPECT_TRUE(cleared->has("Secure")) << "a __Host- cookie is only replaced by a Secure one: " << cleared->raw;
    EXPECT_FALSE(client.cookie(session_cookie).has_value());
    expect_unauthenticated(client.get("/auth/session"));

    auto replay = browser();
    replay.set_cookie(session_cookie, session);
    expect_unauthenticated(replay.get("/auth/session"));
}

TEST_F(AuthSessionTest, LogoutFromAnotherOriginIsRefused) {
    auto client = browser();
    login(client);
    const auto response = client.post("/auth/logout", "", {{"Origin", "https://evil.example.com"}});
    EXPECT_EQ(response.status, 403u) << response.body;
    EXPECT_FALSE(find_set_cookie(response, session_cookie).has_value());
    EXPECT_EQ(client.get("/auth/session").status, 200u) << "a cross-site request must not end the session";
}

TEST_F(AuthSessionTest, LogoutRemovesTheSessionFromRedis) {
    auto client = browser();
    login(client);
    const auto before = gateway_keys();
    ASSERT_FALSE(before.empty());
    ASSERT_EQ(client.post("/auth/logout").status, 204u);
    const auto after = gateway_keys();
    EXPECT_LT(after.size(), before.size()) << "a session key must be gone after logout";
}

TEST_F(AuthSessionTest, LoggingOutOneBrowserLeavesTheOtherSignedIn) {
    auto alice = browser();
    auto bob = browser();
    login(alice);
    login(bob);
    ASSERT_EQ(alice.post("/auth/logout").status, 204u);
    EXPECT_EQ(bob.get("/auth/session").status, 200u);
}

TEST_F(AuthSessionTest, SessionWorksAfterAGatewayRestartWithTheSameKey) {
    auto client = browser();
    login(client);
    start_gateway();  // same config, same encryption key, same Redis
    EXPECT_EQ(client.get("/auth/session").status, 200u) << "sessions live in Redis, not in the process";
}

TEST_F(AuthSessionTest, SessionIsUnusableAfterTheEncryptionKeyChanges) {
    auto client = browser();
    login(client);
    encryption_key = random_encryption_key();
    start_gateway();
    expect_unauthenticated(client.get("/auth/session"));
}

}  // namespace
}  // namespace icg::testing
