#include "http/cookies.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace icg::http {
namespace {

using namespace std::chrono_literals;

Headers cookie_headers(std::initializer_list<const char*> values) {
    Headers h;
    h.add("Host", "localhost");
    for (const char* v : values) h.add("Cookie", v);
    return h;
}

TEST(FindCookie, FindsANameAmongSeveral) {
    const auto h = cookie_headers({"a=1; b=2; c=3"});
    EXPECT_EQ(find_cookie(h, "a"), "1");
    EXPECT_EQ(find_cookie(h, "b"), "2");
    EXPECT_EQ(find_cookie(h, "c"), "3");
    EXPECT_EQ(find_cookie(h, "d"), std::nullopt);
}

TEST(FindCookie, LooksAcrossEveryCookieHeader) {
    // HTTP/2 clients send one Cookie header per cookie.
    const auto h = cookie_headers({"a=1", "b=2", "c=3"});
    EXPECT_EQ(find_cookie(h, "c"), "3");
}

TEST(FindCookie, HeaderNameIsCaseInsensitive) {
    Headers h;
    h.add("cookie", "a=1");
    h.add("COOKIE", "b=2");
    EXPECT_EQ(find_cookie(h, "a"), "1");
    EXPECT_EQ(find_cookie(h, "b"), "2");
}

TEST(FindCookie, CookieNamesAreCaseSensitive) {
    const auto h = cookie_headers({"SID=upper"});
    EXPECT_EQ(find_cookie(h, "sid"), std::nullopt);
    EXPECT_EQ(find_cookie(h, "SID"), "upper");
}

TEST(FindCookie, TheFirstOccurrenceWins) {
    EXPECT_EQ(find_cookie(cookie_headers({"a=first; a=second"}), "a"), "first");
    EXPECT_EQ(find_cookie(cookie_headers({"a=first", "a=second"}), "a"), "first");
}

TEST(FindCookie, NamesMustMatchExactlyNotByPrefixOrSuffix) {
    const auto h = cookie_headers({"__Host-icg-session=host; icg-session=plain; icg-session-old=old; xicg=x"});
    EXPECT_EQ(find_cookie(h, "icg-session"), "plain");
    EXPECT_EQ(find_cookie(h, "__Host-icg-session"), "host");
    EXPECT_EQ(find_cookie(h, "icg"), std::nullopt);
    EXPECT_EQ(find_cookie(h, "session"), std::nullopt);
    EXPECT_EQ(find_cookie(cookie_headers({"icg-session-old=old"}), "icg-session"), std::nullopt);
}

TEST(FindCookie, ToleratesWhitespaceAroundPairs) {
    const auto h = cookie_headers({"  a=1 ;b=2;\tc=3\t;  d = 4 "});
    EXPECT_EQ(find_cookie(h, "a"), "1");
    EXPECT_EQ(find_cookie(h, "b"), "2");
    EXPECT_EQ(find_cookie(h, "c"), "3");
    EXPECT_EQ(find_cookie(h, "d"), "4");
}

TEST(FindCookie, RemovesDoubleQuotesAroundAValue) {
    const auto h = cookie_headers({R"(a="quoted value"; b=""; c="unbalanced; d=in"side)"});
    EXPECT_EQ(find_cookie(h, "a"), "quoted value");
    EXPECT_EQ(find_cookie(h, "b"), "");
    EXPECT_EQ(find_cookie(h, "c"), "\"unbalanced");
    EXPECT_EQ(find_cookie(h, "d"), "in\"side");
}

TEST(FindCookie, KeepsEqualsSignsInTheValue) {
    EXPECT_EQ(find_cookie(cookie_headers({"a=b=c==; d=1"}), "a"), "b=c==");
}

TEST(FindCookie, AnEmptyValueIsPresent) {
    EXPECT_EQ(find_cookie(cookie_headers({"a=; b=2"}), "a"), "");
}

TEST(FindCookie, SkipsPiecesWithoutAnEqualsSign) {
    const auto h = cookie_headers({"junk; ; a=1;;"});
    EXPECT_EQ(find_cookie(h, "a"), "1");
    EXPECT_EQ(find_cookie(h, "junk"), std::nullopt);
}

TEST(FindCookie, IgnoresOtherHeaders) {
    Headers h;
    h.add("Set-Cookie", "a=1");
    h.add("X-Cookie", "a=2");
    EXPECT_EQ(find_cookie(h, "a"), std::nullopt);
}

TEST(MakeSetCookie, DefaultsAreSecureHttpOnlyLaxAndRootPath) {
    EXPECT_EQ(make_set_cookie("__Host-icg-session", "abc", {}),
              "__Host-icg-session=abc; Path=/; Secure; HttpOnly; SameSite=Lax");
}

TEST(MakeSetCookie, WritesMaxAge) {
    CookieAttributes a;
    a.max_age = 600s;
    EXPECT_EQ(make_set_cookie("__Host-icg-login", "v", a),
              "__Host-icg-login=v; Path=/; Max-Age=600; Secure; HttpOnly; SameSite=Lax");
}

TEST(MakeSetCookie, LeavesOutWhatIsSwitchedOff) {
    CookieAttributes a;
    a.http_only = false;
    a.secure = false;
    a.same_site = "";
    a.path = "";
    EXPECT_EQ(make_set_cookie("n", "v", a), "n=v");
    a.same_site = "Strict";
    a.path = "/auth";
    EXPECT_EQ(make_set_cookie("n", "v", a), "n=v; Path=/auth; SameSite=Strict");
}

TEST(MakeSetCookie, NeverWritesADomainSoHostPrefixedCookiesStayValid) {
    CookieAttributes a;
    a.max_age = 3600s;
    const auto header = make_set_cookie("__Host-x", "v", a);
    EXPECT_EQ(header.find("Domain"), std::string::npos);
    EXPECT_NE(header.find("; Secure"), std::string::npos);
    EXPECT_NE(header.find("; Path=/"), std::string::npos);
}

TEST(MakeClearingCookie, EmptiesTheValueWithMaxAgeZeroAndSameAttributes) {
    CookieAttributes a;
    a.max_age = 3600s;
    EXPECT_EQ(make_clearing_cookie("__Host-icg-session", a),
              "__Host-icg-session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
    EXPECT_EQ(make_clearing_cookie("n", {}), "n=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
}

}  // namespace
}  // namespace icg::http
