#include "observability/access_log.hpp"

#include <gtest/gtest.h>

namespace icg::observability {
namespace {

std::string logged(std::string_view level, std::string_view message) {
    ::testing::internal::CaptureStdout();
    log_event(level, message);
    return ::testing::internal::GetCapturedStdout();
}

TEST(EventLogTest, LinesBelowTheFloorAreDroppedFatalOnesNever) {
    ASSERT_TRUE(set_event_log_floor("warn"));
    EXPECT_EQ(logged("info", "started"), "");
    EXPECT_EQ(logged("debug", "detail"), "");
    EXPECT_NE(logged("warn", "careful").find(R"("level":"warn","msg":"careful")"), std::string::npos);
    EXPECT_NE(logged("error", "broken").find(R"("level":"error")"), std::string::npos);
    ASSERT_TRUE(set_event_log_floor("error"));
    EXPECT_NE(logged("fatal", "gone").find(R"("level":"fatal")"), std::string::npos);
    EXPECT_EQ(logged("warn", "careful"), "");
    ASSERT_TRUE(set_event_log_floor("debug"));
    EXPECT_NE(logged("debug", "detail").find(R"("level":"debug")"), std::string::npos);
    ASSERT_TRUE(set_event_log_floor("info"));  // as the other tests expect it
}

TEST(EventLogTest, OnlyTheFourLevelsCanBeTheFloor) {
    EXPECT_FALSE(set_event_log_floor("fatal"));
    EXPECT_FALSE(set_event_log_floor("INFO"));
    EXPECT_FALSE(set_event_log_floor(""));
    EXPECT_TRUE(is_event_log_level("warn"));
    EXPECT_FALSE(is_event_log_level("verbose"));
    EXPECT_NE(logged("info", "still at info").find("still at info"), std::string::npos) << "a refused floor changed it";
}

}  // namespace
}  // namespace icg::observability
