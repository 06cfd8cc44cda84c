// The headers on both legs of a proxied call: what Intercom sees (the session's token, its own
// Host, no browser cookies, no hop-by-hop fields) and what the browser gets back; X-Request-Id.
#include "gateway_fixture.hpp"

#include "crypto/digest.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <set>

namespace icg::testing {
namespace {

using ProxyHeadersTest = GatewayTest;

HeaderList same_origin_write(const TestClient& client) {
    return {{"X-CSRF", "1"}, {"Origin", client.origin()}, {"Sec-Fetch-Site", "same-origin"}};
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Whether a Connection header value names `token` (case-insensitive, comma-separated).
bool names_token(std::string_view connection, std::string_view token) {
    const auto wanted = lower(token);
    std::string item;
    for (char c : lower(connection) + ",") {
        if (c == ',') {
            if (item == wanted) return true;
            item.clear();
        } else if (c != ' ' && c != '\t') {
            item += c;
        }
    }
    return false;
}

// A generated X-Request-Id: present and made of the characters the gateway itself accepts.
bool looks_generated(const std::string& id) {
    return id.size() >= 8 && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
           });
}

TEST_F(ProxyHeadersTest, IntercomSeesTheSessionTokenItsHostAndNoBrowserOrHopByHopHeaders) {
    start_gateway([](GatewaySettings& s) { s.set("intercom", "api_version", "2.99-test"); });
    auto client = browser();
    login(client);
    client.set_cookie("spa_pref", "dark");  // any other cookie of the origin must stay home too
    const auto tokens = mock().issued_tokens();
    ASSERT_EQ(tokens.size(), 1u);

    auto headers = same_origin_write(client);
    const HeaderList sent = {
        {"Authorization", "Bearer client-chosen-token"},
        {"Accept", "application/json"},
        {"Content-Type", "application/json; charset=utf-8"},
        {"Accept-Language", "en-IE, en;q=0.8"},
        {"X-Spa-Trace", "end-to-end"},
        {"Connection", "X-Hop-One, x-hop-two"},
        {"X-Hop-One", "1"},
        {"X-Hop-Two", "2"},
        {"Keep-Alive", "timeout=5, max=100"},
        {"Proxy-Authorization", "Basic dXNlcjpwYXNz"},
        {"Proxy-Connection", "keep-alive"},
        {"TE", "trailers"},
        {"Trailer", "X-Checksum"},
        {"Upgrade", "h2c"},
    };
    headers.insert(headers.end(), sent.begin(), sent.end());
    const std::string body = R"({"query":{"field":"email","operator":"=","value":"ada@example.com"}})";
    const auto response = client.request("POST", "/intercom/echo/contacts/search", headers, body);
    ASSERT_EQ(response.status, 200u) << response.body;
    const auto seen = parse_seen_request(response.body);
    ASSERT_TRUE(seen.has_value()) << response.body;

    EXPECT_EQ(seen->headers_named("Authorization"), std::vector<std::string>{"Bearer " + tokens[0]});
    EXPECT_EQ(seen->headers_named("Host"), std::vector<std::string>{"localhost:" + std::to_string(mock().port())});
    EXPECT_FALSE(seen->has_header("Cookie")) << seen->header("Cookie");
    for (const char* hop : {"X-Hop-One", "X-Hop-Two", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "TE",
                            "Trailer", "Upgrade"})
        EXPECT_FALSE(seen->has_header(hop)) << hop << ": " << seen->header(hop);
    for (const auto& connection : seen->headers_named("Connection"))
        for (const char* token : {"X-Hop-One", "x-hop-two", "upgrade"})
            EXPECT_FALSE(names_token(connection, token)) << "Connection: " << connection;
    EXPECT_EQ(seen->headers_named("Accept"), std::vector<std::string>{"application/json"});
    EXPECT_EQ(seen->headers_named("Content-Type"), std::vector<std::string>{"application/json; charset=utf-8"});
    EXPECT_EQ(seen->headers_named("Accept-Language"), std::vector<std::string>{"en-IE, en;q=0.8"});
    EXPECT_EQ(seen->headers_named("X-Spa-Trace"), std::vector<std::string>{"end-to-end"});
    EXPECT_EQ(seen->headers_named("Intercom-Version"), std::vector<std::string>{"2.99-test"});
    EXPECT_EQ(seen->body_length, static_cast<long long>(body.size()));
    EXPECT_EQ(seen->body_sha256, crypto::sha256_hex(body));
}

TEST_F(ProxyHeadersTest, AClientIntercomVersionIsKept) {
    start_gateway([](GatewaySettings& s) { s.set("intercom", "api_version", "2.99-test"); });
    auto client = browser();
    login(client);
    const auto response = client.get("/intercom/echo", {{"Intercom-Version", "2.10"}});
    ASSERT_EQ(response.status, 200u) << response.body;
    const auto seen = parse_seen_request(response.body);
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->headers_named("Intercom-Version"), std::vector<std::string>{"2.10"});
}

TEST_F(ProxyHeadersTest, NoIntercomVersionIsAddedWhenNoneIsConfigured) {
    start_gateway([](GatewaySettings& s) { s.set("intercom", "api_version", ""); });
    auto client = browser();
    login(client);
    const auto response = client.get("/intercom/echo");
    ASSERT_EQ(response.status, 200u) << response.body;
    const auto seen = parse_seen_request(response.body);
    ASSERT_TRUE(seen.has_value());
    EXPECT_FALSE(seen->has_header("Intercom-Version")) << seen->header("Intercom-Version");
}

TEST_F(ProxyHeadersTest, TheResponseKeepsEndToEndHeadersAndDropsHopByHopOnesAndCookies) {
    auto client = browser();
    login(client);
    const auto session = client.cookie(session_cookie);
    ASSERT_TRUE(session.has_value());
    const auto response = client.get("/intercom/echo/r");
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_TRUE(parse_seen_request(response.body).has_value())
        << "the upstream body must pass unchanged: " << response.body;
    EXPECT_TRUE(response.header("Content-Type").starts_with("application/json")) << response.header("Content-Type");
    EXPECT_EQ(response.headers_named("X-Upstream-Echo"), std::vector<std::string>{"1"});
    EXPECT_FALSE(response.has_header("X-Upstream-Hop")) << "named by the upstream's Connection header";
    EXPECT_FALSE(response.has_header("Keep-Alive"));
    for (const auto& connection : response.headers_named("Connection"))
        EXPECT_FALSE(names_token(connection, "X-Upstream-Hop")) << "Connection: " << connection;
    for (const auto& set_cookie : response.headers_named("Set-Cookie"))
        EXPECT_EQ(set_cookie.find("upstream_session"), std::string::npos) << "upstream cookie leaked: " << set_cookie;
    EXPECT_FALSE(client.cookie("upstream_session").has_value());
    EXPECT_EQ(client.cookie(session_cookie), session) << "the session cookie must survive a proxied call";
}

TEST_F(ProxyHeadersTest, AChunkedUpstreamResponseArrivesWhole) {
    auto client = browser();
    login(client);
    const auto plain = client.get("/intercom/echo/c?n=1");
    const auto chunked = client.get("/intercom/echo/c?n=1", {{"X-Mock-Chunked", "1"}});
    ASSERT_EQ(plain.status, 200u) << plain.body;
    ASSERT_EQ(chunked.status, 200u) << chunked.body;
    const auto seen = parse_seen_request(chunked.body);
    ASSERT_TRUE(seen.has_value()) << chunked.body;
    EXPECT_EQ(seen->path, "/echo/c");
    EXPECT_EQ(seen->header("X-Mock-Chunked"), "1");
    EXPECT_EQ(chunked.headers_named("X-Upstream-Echo"), std::vector<std::string>{"1"});
    EXPECT_FALSE(chunked.has_header("X-Upstream-Hop"));
    EXPECT_FALSE(chunked.has_header("Content-Length") && chunked.has_header("Transfer-Encoding"))
        << "a message with both framings";

    const auto stream = client.get("/intercom/stream?bytes=70001&chunked=1");
    ASSERT_EQ(stream.status, 200u) << stream.body.substr(0, 200);
    EXPECT_EQ(stream.body.size(), 70001u);
    EXPECT_EQ(crypto::sha256_hex(stream.body), stream.header("X-Body-Sha256"));
    EXPECT_FALSE(stream.header("X-Body-Sha256").empty());
}

TEST_F(ProxyHeadersTest, RateLimitingPassesThroughWithRetryAfter) {
    auto client = browser();
    login(client);
    const auto response = client.get("/intercom/rate-limited");
    ASSERT_EQ(response.status, 429u) << response.body;
    EXPECT_EQ(response.headers_named("Retry-After"), std::vector<std::string>{"7"});
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    ASSERT_TRUE(doc.IsObject()) << response.body;
    ASSERT_TRUE(doc.HasMember("errors") && doc["errors"].IsArray() && doc["errors"].Size() == 1) << response.body;
    EXPECT_STREQ(doc["errors"][0]["code"].GetString(), "rate_limit_exceeded");
    EXPECT_TRUE(client.cookie(session_cookie).has_value()) << "a 429 is not a reason to end the session";
    EXPECT_EQ(client.get("/intercom/contacts").status, 200u);
}

TEST_F(ProxyHeadersTest, ASaneClientRequestIdIsKeptSentUpstreamAndReturned) {
    auto client = browser();
    login(client);
    for (const std::string& id : {std::string("spa-7f3a9c_01.2:3"), std::string(128, 'r')}) {
        const auto response = client.get("/intercom/echo", {{"X-Request-Id", id}});
        ASSERT_EQ(response.status, 200u) << response.body;
        EXPECT_EQ(response.headers_named("X-Request-Id"), std::vector<std::string>{id});
        const auto seen = parse_seen_request(response.body);
        ASSERT_TRUE(seen.has_value());
        EXPECT_EQ(seen->headers_named("X-Request-Id"), std::vector<std::string>{id});
    }
}

TEST_F(ProxyHeadersTest, AnInsaneClientRequestIdIsReplaced) {
    auto client = browser();
    login(client);
    for (const std::string& id :
         {std::string(129, 'r'), std::string("tab\tinside"), std::string("with space"), std::string("<script>"),
          std::string("quote\"d"), std::string("caf\xc3\xa9"), std::string("a,b")}) {
        const auto response = client.get("/intercom/echo", {{"X-Request-Id", id}});
        ASSERT_EQ(response.status, 200u) << response.body;
        const auto returned = response.headers_named("X-Request-Id");
        ASSERT_EQ(returned.size(), 1u) << id;
        EXPECT_NE(returned[0], id);
        EXPECT_TRUE(looks_generated(returned[0])) << returned[0];
        const auto seen = parse_seen_request(response.body);
        ASSERT_TRUE(seen.has_value());
        EXPECT_EQ(seen->headers_named("X-Request-Id"), returned) << "Intercom must see the id the browser got";
    }
}

TEST_F(ProxyHeadersTest, WithoutARequestIdOneIsGeneratedPerRequest) {
    auto client = browser();
    login(client);
    std::set<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        const auto response = client.get("/intercom/echo");
        ASSERT_EQ(response.status, 200u) << response.body;
        const auto returned = response.headers_named("X-Request-Id");
        ASSERT_EQ(returned.size(), 1u);
        EXPECT_TRUE(looks_generated(returned[0])) << returned[0];
        const auto seen = parse_seen_request(response.body);
        ASSERT_TRUE(seen.has_value());
        EXPECT_EQ(seen->headers_named("X-Request-Id"), returned);
        ids.insert(returned[0]);
    }
    EXPECT_EQ(ids.size(), 5u) << "generated request ids repeat";
}

// The gateway's access log line for `request_id` (JSON), waiting for it to be written.
std::string access_line(Gateway& gateway, const std::string& request_id) {
    auto line = gateway.process().wait_for_line("\"request_id\":\"" + request_id + "\"", std::chrono::seconds(10));
    return line.value_or("(no access log line with request_id " + request_id + ")");
}

TEST_F(ProxyHeadersTest, TheAccessLogHasMethodPathStatusAndRequestIdButNoQuery) {
    auto client = browser();
    login(client);
    const auto ok = client.get("/intercom/echo/logged?email=grace%40example.com&secret_value=hunter2",
                               {{"X-Request-Id", "log-check-ok"}});
    ASSERT_EQ(ok.status, 200u);
    const auto limited = client.get("/intercom/rate-limited?page=hunter3", {{"X-Request-Id", "log-check-429"}});
    ASSERT_EQ(limited.status, 429u);
    const auto generated = client.get("/intercom/contacts?q=hunter4");
    ASSERT_EQ(generated.status, 200u);
    const auto generated_id = generated.header("X-Request-Id");
    ASSERT_FALSE(generated_id.empty());
    // Answers the gateway makes itself carry the id too: a refused write, a call without a session.
    const auto refused =
        client.request("POST", "/intercom/echo?note=hunter5", {{"X-Request-Id", "log-check-403"}}, "{}");
    ASSERT_EQ(refused.status, 403u);
    EXPECT_EQ(refused.headers_named("X-Request-Id"), std::vector<std::string>{"log-check-403"});
    auto stranger = browser();
    const auto anonymous = stranger.get("/intercom/contacts?q=hunter6", {{"X-Request-Id", "log-check-401"}});
    ASSERT_EQ(anonymous.status, 401u);
    EXPECT_EQ(anonymous.headers_named("X-Request-Id"), std::vector<std::string>{"log-check-401"});

    struct Expected {
        std::string request_id;
        std::string method;
        std::string path;
        unsigned status;
        std::string query_value;
    };
    for (const auto& e : std::vector<Expected>{
             {"log-check-ok", "GET", "/intercom/echo/logged", 200, "hunter2"},
             {"log-check-429", "GET", "/intercom/rate-limited", 429, "hunter3"},
             {generated_id, "GET", "/intercom/contacts", 200, "hunter4"},
             {"log-check-403", "POST", "/intercom/echo", 403, "hunter5"},
             {"log-check-401", "GET", "/intercom/contacts", 401, "hunter6"},
         }) {
        const auto line = access_line(gateway(), e.request_id);
        rapidjson::Document doc;
        doc.Parse(line.c_str());
        ASSERT_TRUE(doc.IsObject()) << line;
        ASSERT_TRUE(doc.HasMember("method") && doc["method"].IsString()) << line;
        ASSERT_TRUE(doc.HasMember("path") && doc["path"].IsString()) << line;
        ASSERT_TRUE(doc.HasMember("status") && doc["status"].IsUint()) << line;
        EXPECT_EQ(std::string(doc["method"].GetString()), e.method) << line;
        EXPECT_EQ(std::string(doc["path"].GetString()), e.path) << line;
        EXPECT_EQ(doc["status"].GetUint(), e.status) << line;
        EXPECT_EQ(line.find(e.query_value), std::string::npos) << "a query value is logged: " << line;
        EXPECT_EQ(line.find('?'), std::string::npos) << line;
    }
}

}  // namespace
}  // namespace icg::testing
