// /intercom/<path>?<query> → {intercom.api_base}/<path>?<query>: what is forwarded, what is refused
// before Intercom hears of it (paths leaving the API base, no session, proxy.allow).
#include "gateway_fixture.hpp"

#include "crypto/digest.hpp"

#include <map>

namespace icg::testing {
namespace {

using ProxyRoutingTest = GatewayTest;

// What the SPA sends with every state-changing call to its own origin.
HeaderList same_origin_write(const TestClient& client) {
    return {{"X-CSRF", "1"}, {"Origin", client.origin()}, {"Sec-Fetch-Site", "same-origin"}};
}

const std::map<std::string, std::string> unauthenticated = {{"error", "unauthenticated"}, {"login", "/auth/login"}};

// Binary bytes, NULs included, so a body that is re-encoded or cut short shows in the digest.
std::string binary_body(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 7 + size) % 256);
    return out;
}

TEST_F(ProxyRoutingTest, ForwardsPathAndQueryByteForByte) {
    auto client = browser();
    login(client);
    struct Case {
        std::string path;   // after /intercom
        std::string query;  // empty: no '?'
    };
    const std::vector<Case> cases = {
        {"/echo", ""},
        {"/echo/caf%C3%A9/%c3%a9/~user/a+b;v=1/x:y@z!$&'()*,=", "q=a%2Fb&q=a/b&empty=&flag&sp=%20+x&pct=%25"},
        {"/echo/%41%42/-._~", "%41=%42&utf=%E2%9C%93&sym=!$'()*,;:@/?&dots=../%2e%2e&semi=a;b"},
        {"/echo/trailing/", "a=1&a=2&A=3"},
        {"/echo/UPPER/lower/MiXeD", "=&&=x"},
    };
    for (const auto& c : cases) {
        const std::string target = "/intercom" + c.path + (c.query.empty() ? "" : "?" + c.query);
        const auto response = client.get(target);
        ASSERT_EQ(response.status, 200u) << target << ": " << response.body;
        const auto seen = parse_seen_request(response.body);
        ASSERT_TRUE(seen.has_value()) << response.body;
        EXPECT_EQ(seen->method, "GET");
        EXPECT_EQ(seen->path, c.path) << target;
        EXPECT_EQ(seen->query, c.query) << target;
    }

    // Not only /echo: the mock's own record of a contacts call shows the same forwarding.
    ASSERT_EQ(
        client.get("/intercom/contacts/65f1c0a8e4b0d2a1c3f4e501?per_page=5&starting_after=WzE3MDAwMDAwMDBd").status,
        200u);
    const auto seen = mock().last_request();
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->path, "/contacts/65f1c0a8e4b0d2a1c3f4e501");
    EXPECT_EQ(seen->query, "per_page=5&starting_after=WzE3MDAwMDAwMDBd");
}

TEST_F(ProxyRoutingTest, ForwardsEveryMethodWithItsBody) {
    auto client = browser();
    login(client);
    struct Case {
        const char* method;
        std::size_t body_size;
    };
    for (const auto& [method, body_size] :
         std::vector<Case>{{"POST", 1}, {"PUT", 1000}, {"PATCH", 65537}, {"DELETE", 200'000}, {"GET", 0}}) {
        const std::string body = binary_body(body_size);
        auto headers = same_origin_write(client);
        headers.emplace_back("Content-Type", "application/octet-stream");
        const auto response = client.request(method, "/intercom/echo/m?x=1", headers, body);
        ASSERT_EQ(response.status, 200u) << method << ": " << response.body;
        const auto seen = parse_seen_request(response.body);
        ASSERT_TRUE(seen.has_value()) << response.body;
        EXPECT_EQ(seen->method, method);
        EXPECT_EQ(seen->path, "/echo/m");
        EXPECT_EQ(seen->query, "x=1");
        EXPECT_EQ(seen->body_length, static_cast<long long>(body.size())) << method;
        EXPECT_EQ(seen->body_sha256, crypto::sha256_hex(body)) << method;
    }
}

TEST_F(ProxyRoutingTest, RefusesPathsThatLeaveTheApiBaseWithoutCallingIntercom) {
    auto client = browser();
    login(client);
    const auto before = mock().stats();
    for (const char* target : {
             "/intercom/../auth/session",
             "/intercom/echo/../../me",
             "/intercom/echo/..",
             "/intercom/echo/..?x=1",
             "/intercom/./echo",
             "/intercom/echo/.",
             "/intercom/%2e%2e/me",
             "/intercom/echo/%2E%2E/%2e%2E/me",
             "/intercom/echo/.%2e/me",
             "/intercom/echo/%2e./me",
             "/intercom/echo/%2e/me",
             "/intercom/echo%2F..%2F..%2Fme",
             "/intercom/echo%2f..%2fme",
             "/intercom/echo/%2F",
             "/intercom/..%2Fme",
             "/intercom/echo%5C..%5Cme",
         }) {
        const auto response = client.get(target);
        EXPECT_EQ(response.status, 400u) << target << ": " << response.body;
        EXPECT_TRUE(response.header("Content-Type").starts_with("application/json")) << target;
    }
    // The same with a state-changing method that would otherwise pass the CSRF check.
    const auto post = client.request("POST", "/intercom/echo/%2e%2e/%2e%2e/me", same_origin_write(client), "{}");
    EXPECT_EQ(post.status, 400u) << post.body;

    const auto after = mock().stats();
    EXPECT_EQ(after.api, before.api) << "a refused path reached Intercom's API";
    EXPECT_EQ(after.me, before.me) << "a refused path reached Intercom's /me";
}

TEST_F(ProxyRoutingTest, WithoutASessionIs401AndIntercomIsNotCalled) {
    auto client = browser();
    const auto before = mock().stats();
    const auto get = client.get("/intercom/contacts");
    EXPECT_EQ(get.status, 401u) << get.body;
    EXPECT_EQ(string_members(get), unauthenticated);
    const auto post = client.request("POST", "/intercom/echo", same_origin_write(client), "{}");
    EXPECT_EQ(post.status, 401u) << post.body;
    EXPECT_EQ(string_members(post), unauthenticated);
    EXPECT_EQ(mock().stats().api, before.api);
}

TEST_F(ProxyRoutingTest, WithAnUnknownSessionIs401AndIntercomIsNotCalled) {
    auto client = browser();
    const auto before = mock().stats();
    for (const char* value : {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x", "%00", "../../etc/passwd"}) {
        client.set_cookie(session_cookie, value);
        const auto response = client.get("/intercom/contacts");
        EXPECT_EQ(response.status, 401u) << value << ": " << response.body;
        EXPECT_EQ(string_members(response), unauthenticated) << value;
    }
    EXPECT_EQ(mock().stats().api, before.api);
}

TEST_F(ProxyRoutingTest, ASessionGoneFromRedisIs401AndIntercomIsNotCalled) {
    auto client = browser();
    login(client);
    ASSERT_EQ(client.get("/intercom/contacts").status, 200u);
    const auto before = mock().stats();
    auto redis = redis_probe();
    const auto keys = gateway_keys();
    ASSERT_FALSE(keys.empty());
    for (const auto& key : keys) redis.command({"DEL", key});
    const auto response = client.get("/intercom/contacts");
    EXPECT_EQ(response.status, 401u) << response.body;
    EXPECT_EQ(string_members(response), unauthenticated);
    EXPECT_EQ(mock().stats().api, before.api);
}

TEST_F(ProxyRoutingTest, AllowListPassesListedRequestsAndRefusesTheRest) {
    start_gateway([](GatewaySettings& s) {
        s.set_literal("proxy", "allow", R"(["GET /contacts", "GET /contacts/*", "POST /echo/**"])");
    });
    auto client = browser();
    login(client);

    const auto before = mock().stats();
    const auto list = client.get("/intercom/contacts?per_page=2");
    EXPECT_EQ(list.status, 200u) << list.body;
    const auto one = client.get("/intercom/contacts/65f1c0a8e4b0d2a1c3f4e502");
    EXPECT_EQ(one.status, 200u) << one.body;
    EXPECT_NE(one.body.find("Alan Turing"), std::string::npos) << one.body;
    const auto post = client.request("POST", "/intercom/echo/notes/1", same_origin_write(client), "{\"body\":\"hi\"}");
    ASSERT_EQ(post.status, 200u) << post.body;
    const auto seen = parse_seen_request(post.body);
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->path, "/echo/notes/1");
    EXPECT_EQ(mock().stats().api, before.api + 3);

    struct Refused {
        const char* method;
        const char* target;
    };
    for (const auto& [method, target] : std::vector<Refused>{
             {"GET", "/intercom/echo"},
             {"GET", "/intercom/echo/notes/1"},
             {"POST", "/intercom/echo"},
             {"PUT", "/intercom/echo/notes/1"},
             {"DELETE", "/intercom/contacts/65f1c0a8e4b0d2a1c3f4e502"},
             {"POST", "/intercom/contacts"},
             {"GET", "/intercom/contacts/65f1c0a8e4b0d2a1c3f4e502/notes"},
             {"GET", "/intercom/stream?bytes=10"},
             {"GET", "/intercom/rate-limited"},
         }) {
        const auto response = client.request(method, target, same_origin_write(client), "{}");
        EXPECT_EQ(response.status, 403u) << method << " " << target << ": " << response.body;
        EXPECT_TRUE(response.header("Content-Type").starts_with("application/json")) << target;
    }
    EXPECT_EQ(mock().stats().api, before.api + 3) << "a request outside proxy.allow reached Intercom";
}

}  // namespace
}  // namespace icg::testing
