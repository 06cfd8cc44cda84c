#include "proxy/header_rules.hpp"

#include <gtest/gtest.h>

namespace icg::proxy {
namespace {

http::Headers client_headers() {
    http::Headers h;
    h.add("Accept", "application/json");
    h.add("Content-Type", "application/json");
    h.add("Cookie", "__Host-icg-session=abc");
    h.add("Authorization", "Bearer from-the-browser");
    h.add("Connection", "keep-alive, X-Private");
    h.add("X-Private", "1");
    h.add("Keep-Alive", "timeout=5");
    h.add("Proxy-Authorization", "Basic x");
    h.add("TE", "trailers");
    h.add("Trailer", "X-T");
    h.add("Upgrade", "websocket");
    h.add("Host", "gateway.example");
    h.add("Content-Length", "10");
    h.add("X-CSRF", "1");
    h.add("X-Forwarded-For", "10.0.0.1");
    h.add("Accept-Language", "en");
    return h;
}

TEST(UpstreamRequestHeaders, InjectsTheBearerAndDropsWhatTheGatewayOwns) {
    const auto out = upstream_request_headers(
        client_headers(),
        {.bearer_token = "tok", .host = "api.intercom.io", .api_version = "2.11", .request_id = "r1"});
    EXPECT_EQ(out.get("Authorization"), "Bearer tok");
    EXPECT_EQ(out.count("Authorization"), 1u);
    EXPECT_EQ(out.get("Host"), "api.intercom.io");
    EXPECT_EQ(out.count("Host"), 1u);
    EXPECT_EQ(out.get("Intercom-Version"), "2.11");
    EXPECT_EQ(out.get("X-Request-Id"), "r1");
    EXPECT_EQ(out.get("Accept"), "application/json");
    EXPECT_EQ(out.get("Content-Type"), "application/json");
    EXPECT_EQ(out.get("Accept-Language"), "en");
    for (const char* gone : {"Cookie", "Connection", "X-Private", "Keep-Alive", "Proxy-Authorization", "TE", "Trailer",
                             "Upgrade", "Content-Length", "X-CSRF", "X-Forwarded-For"})
        EXPECT_FALSE(out.contains(gone)) << gone;
}

TEST(UpstreamRequestHeaders, KeepsTheClientsIntercomVersion) {
    http::Headers h;
    h.add("intercom-version", "2.9");
    const auto out =
        upstream_request_headers(h, {.bearer_token = "t", .host = "h", .api_version = "2.11", .request_id = "r"});
    EXPECT_EQ(out.count("Intercom-Version"), 1u);
    EXPECT_EQ(out.get("Intercom-Version"), "2.9");
}

TEST(ClientResponseHeaders, DropsHopByHopAndUpstreamCookies) {
    http::Headers up;
    up.add("Content-Type", "application/json");
    up.add("Set-Cookie", "upstream=1");
    up.add("Connection", "X-Hop");
    up.add("X-Hop", "1");
    up.add("Keep-Alive", "timeout=5");
    up.add("Transfer-Encoding", "chunked");
    up.add("Retry-After", "7");
    up.add("X-RateLimit-Remaining", "0");
    const auto out = client_response_headers(up);
    EXPECT_EQ(out.get("Content-Type"), "application/json");
    EXPECT_EQ(out.get("Retry-After"), "7");
    EXPECT_EQ(out.get("X-RateLimit-Remaining"), "0");
    EXPECT_EQ(out.get("X-Content-Type-Options"), "nosniff");
    for (const char* gone : {"Set-Cookie", "Connection", "X-Hop", "Keep-Alive", "Transfer-Encoding"})
        EXPECT_FALSE(out.contains(gone)) << gone;
}

}  // namespace
}  // namespace icg::proxy
