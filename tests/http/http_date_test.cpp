#include "http/http_date.hpp"

#include <gtest/gtest.h>

#include <clocale>

namespace icg::http {
namespace {

TEST(HttpDateTest, FormatsImfFixdate) {
    EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
    EXPECT_EQ(http_date(1798761599), "Thu, 31 Dec 2026 23:59:59 GMT");
}

TEST(HttpDateTest, IgnoresTheLocale) {
    const std::string before = std::setlocale(LC_TIME, nullptr);
    if (!std::setlocale(LC_TIME, "de_DE.UTF-8") && !std::setlocale(LC_TIME, "C.UTF-8")) GTEST_SKIP();
    EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    std::setlocale(LC_TIME, before.c_str());
}

TEST(HttpDateTest, NowIsTheCurrentSecond) {
    const auto before = http_date(std::time(nullptr));
    const std::string now(http_date_now());
    const auto after = http_date(std::time(nullptr));
    EXPECT_TRUE(now == before || now == after) << now;
}

TEST(HttpDateTest, StatusesWithoutContent) {
    for (const unsigned status : {100u, 101u, 204u, 304u}) EXPECT_TRUE(status_has_no_content(status)) << status;
    for (const unsigned status : {200u, 201u, 205u, 302u, 400u, 503u}) EXPECT_FALSE(status_has_no_content(status)) << status;
}

}  // namespace
}  // namespace icg::http
