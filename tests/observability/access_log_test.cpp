// The access log's line: JSON with escaped values, durations in milliseconds with three
// decimals, optional fields only when set.
#include "observability/access_log.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace icg::observability {
namespace {

using namespace std::chrono_literals;

std::string line_for(const AccessLogEntry& entry) {
    ::testing::internal::CaptureStdout();
    write_access_log(entry);
    return ::testing::internal::GetCapturedStdout();
}

TEST(AccessLogTest, ALineHoldsEveryFieldAsJson) {
    const auto line = line_for({.remote = "203.0.113.7",
                                .method = "GET",
                                .path = "/intercom/me",
                                .status = 200,
                                .bytes_in = 412,
                                .bytes_out = 1873,
                                .duration = 1234us,
                                .note = "proxied",
                                .request_id = "abc",
                                .upstream_time = 5us,
                                .caller = "billing-sync",
                                .workspace = "ws_demo1"});
    const std::regex shape(
        R"(^\{"ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","type":"access","remote":"203\.0\.113\.7","method":"GET",)"
        R"("path":"/intercom/me","status":200,"bytes_in":412,"bytes_out":1873,"duration_ms":1\.234,"note":"proxied",)"
        R"("request_id":"abc","service":"billing-sync","workspace":"ws_demo1","upstream_ms":0\.005\}\n$)");
    EXPECT_TRUE(std::regex_match(line, shape)) << line;
}

TEST(AccessLogTest, OptionalFieldsAppearOnlyWhenSet) {
    AccessLogEntry entry;
    entry.remote = "::1";
    entry.method = "-";
    entry.path = "-";
    entry.status = 400;
    entry.duration = 2'000'000us;
    const auto line = line_for(entry);
    EXPECT_NE(line.find(R"("duration_ms":2000.000})"), std::string::npos) << line;
    for (const char* field : {"note", "request_id", "service", "workspace", "upstream_ms"})
        EXPECT_EQ(line.find(std::string("\"") + field + "\""), std::string::npos) << field;
}

TEST(AccessLogTest, ValuesAreEscapedWhereverTheEscapeBegins) {
    AccessLogEntry entry;
    entry.remote = "r";
    entry.method = "GET";
    entry.path = std::string_view(
        "/a\"b\\c\n\x01\x7f"
        "d",
        10);
    entry.status = 404;
    const auto line = line_for(entry);
    EXPECT_NE(line.find(R"("path":"/a\"b\\c\n\u0001\u007fd")"), std::string::npos) << line;
    EXPECT_EQ(json_escape("plain"), "plain");
    EXPECT_EQ(json_escape("tab\there"), "tab\\there");
    EXPECT_EQ(json_escape("\"quoted\""), "\\\"quoted\\\"");
}

}  // namespace
}  // namespace icg::observability
