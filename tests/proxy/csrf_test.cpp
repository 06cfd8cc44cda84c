#include "proxy/csrf.hpp"

#include <gtest/gtest.h>

namespace icg::proxy {
namespace {

constexpr std::string_view origin = "https://app.example";

http::Request request(std::string method, std::initializer_list<std::pair<const char*, const char*>> headers) {
    http::Request r;
    r.method = std::move(method);
    r.target = "/intercom/contacts";
    for (auto [n, v] : headers) r.headers.add(n, v);
    return r;
}

TEST(Csrf, SafeMethodsNeedNothing) {
    EXPECT_TRUE(csrf_allows(request("GET", {}), origin));
    EXPECT_TRUE(csrf_allows(request("HEAD", {{"Origin", "https://evil.example"}}), origin));
}

TEST(Csrf, StateChangingMethodsNeedTheCustomHeader) {
    for (const char* m : {"POST", "PUT", "PATCH", "DELETE"}) {
        EXPECT_FALSE(csrf_allows(request(m, {}), origin)) << m;
        EXPECT_TRUE(csrf_allows(request(m, {{"X-CSRF", "1"}}), origin)) << m;
    }
}

// An allow list, not a deny list: every method but GET and HEAD needs the checks, including ones
// nobody listed and other spellings of the safe ones.
TEST(Csrf, EveryMethodButGetAndHeadNeedsTheChecks) {
    for (const char* m : {"OPTIONS", "get", "Head", "PROPFIND", "FOO", "TRACE"}) {
        EXPECT_FALSE(csrf_allows(request(m, {}), origin)) << m;
        EXPECT_FALSE(csrf_allows(request(m, {{"X-CSRF", "1"}, {"Origin", "https://evil.example"}}), origin)) << m;
    }
}

TEST(Csrf, OriginAndFetchMetadataMustSaySameOrigin) {
    EXPECT_TRUE(csrf_allows(request("POST", {{"X-CSRF", "1"}, {"Origin", "https://app.example"}}), origin));
    EXPECT_FALSE(csrf_allows(request("POST", {{"X-CSRF", "1"}, {"Origin", "https://evil.example"}}), origin));
    EXPECT_FALSE(csrf_allows(request("POST", {{"X-CSRF", "1"}, {"Origin", "null"}}), origin));
    EXPECT_TRUE(csrf_allows(request("DELETE", {{"X-CSRF", "1"}, {"Sec-Fetch-Site", "same-origin"}}), origin));
    EXPECT_FALSE(csrf_allows(request("DELETE", {{"X-CSRF", "1"}, {"Sec-Fetch-Site", "cross-site"}}), origin));
    EXPECT_FALSE(csrf_allows(request("DELETE", {{"X-CSRF", "1"}, {"Sec-Fetch-Site", "same-site"}}), origin));
}

}  // namespace
}  // namespace icg::proxy
