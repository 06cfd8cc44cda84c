// CSRF on /intercom/*: a state-changing call needs X-CSRF and must not come from another site;
// a refused one never reaches Intercom. Reads need nothing.
#include "gateway_fixture.hpp"

#include <rapidjson/document.h>

namespace icg::testing {
namespace {

class ProxyCsrfTest : public GatewayTest {
protected:
    void SetUp() override {
        GatewayTest::SetUp();
        client_.emplace(browser());
        login(*client_);
    }

    TestClient& client() { return *client_; }

    // Sends `method` to /intercom/echo with exactly `headers` (plus the session cookie).
    HttpResponse call(const char* method, HeaderList headers) {
        return client().request(method, "/intercom/echo/notes?x=1", std::move(headers), R"({"body":"note"})");
    }

    std::optional<TestClient> client_;
};

constexpr const char* state_changing[] = {"POST", "PUT", "PATCH", "DELETE"};

void expect_csrf_refusal(const HttpResponse& response, const std::string& what) {
    EXPECT_EQ(response.status, 403u) << what << ": " << response.body;
    EXPECT_TRUE(response.header("Content-Type").starts_with("application/json")) << what;
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("error") && doc["error"].IsString()) << what << ": " << response.body;
}

TEST_F(ProxyCsrfTest, StateChangingCallsWithoutXCsrfAreRefusedBeforeIntercom) {
    const auto before = mock().stats().api;
    for (const char* method : state_changing) {
        expect_csrf_refusal(call(method, {{"Origin", client().origin()}, {"Sec-Fetch-Site", "same-origin"}}), method);
        expect_csrf_refusal(call(method, {}), std::string(method) + " with no headers at all");
    }
    EXPECT_EQ(mock().stats().api, before) << "a call without X-CSRF reached Intercom";
}

TEST_F(ProxyCsrfTest, CrossSiteCallsAreRefusedEvenWithXCsrf) {
    const auto before = mock().stats().api;
    const std::string same = client().origin();
    const std::string other_port =
        "https://localhost:" + std::to_string(client().port() == 65535 ? 1 : client().port() + 1);
    for (const char* method : state_changing) {
        const std::string m = method;
        expect_csrf_refusal(call(method, {{"X-CSRF", "1"}, {"Origin", "https://evil.example"}}), m + " evil origin");
        expect_csrf_refusal(call(method, {{"X-CSRF", "1"}, {"Origin", "null"}}), m + " opaque origin");
        expect_csrf_refusal(
            call(method, {{"X-CSRF", "1"}, {"Origin", "http://localhost:" + std::to_string(client().port())}}),
            m + " plain-http origin");
        expect_csrf_refusal(call(method, {{"X-CSRF", "1"}, {"Origin", other_port}}), m + " other port");
        expect_csrf_refusal(call(method, {{"X-CSRF", "1"}, {"Sec-Fetch-Site", "cross-site"}}), m + " cross-site fetch");
        expect_csrf_refusal(call(method, {{"X-CSRF", "1"}, {"Origin", same}, {"Sec-Fetch-Site", "cross-site"}}),
                            m + " same Origin but a cross-site fetch");
    }
    EXPECT_EQ(mock().stats().api, before) << "a cross-site call reached Intercom";
}

TEST_F(ProxyCsrfTest, SameOriginCallsWithXCsrfPass) {
    const auto before = mock().stats().api;
    for (const char* method : state_changing) {
        const auto response =
            call(method, {{"X-CSRF", "1"}, {"Origin", client().origin()}, {"Sec-Fetch-Site", "same-origin"}});
        ASSERT_EQ(response.status, 200u) << method << ": " << response.body;
        const auto seen = parse_seen_request(response.body);
        ASSERT_TRUE(seen.has_value()) << response.body;
        EXPECT_EQ(seen->method, method);
        EXPECT_EQ(seen->path, "/echo/notes");
    }
    EXPECT_EQ(mock().stats().api, before + 4);
}

TEST_F(ProxyCsrfTest, ReadsNeedNoCsrfHeader) {
    const auto get = client().get("/intercom/contacts");
    EXPECT_EQ(get.status, 200u) << get.body;
    const auto echo = client().get("/intercom/echo?x=1");
    ASSERT_EQ(echo.status, 200u) << echo.body;
    const auto seen = parse_seen_request(echo.body);
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->method, "GET");
    const auto head = client().request("HEAD", "/intercom/contacts");
    EXPECT_EQ(head.status, 200u);
    EXPECT_TRUE(head.body.empty());
}

}  // namespace
}  // namespace icg::testing
