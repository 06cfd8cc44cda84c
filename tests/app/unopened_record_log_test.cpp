#include "app/unopened_record_log.hpp"

#include "support/fake_clock.hpp"

#include <gtest/gtest.h>

namespace icg::app {
namespace {

using namespace std::chrono_literals;

TEST(UnopenedRecordLogTest, CountsEveryRecordAndWritesAtMostOneLinePerInterval) {
    testing::FakeClock clock;
    UnopenedRecordLog log(clock, 60s);
    const auto first = log.count_and_describe("k1");
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(*first, "1 record in Redis opened by no key of session.encryption_keys (1 since start); the last "
                      "names key id \"k1\": was a key removed while records it sealed were still in use?");
    EXPECT_FALSE(log.count_and_describe("k1"));
    clock.advance(30s);
    EXPECT_FALSE(log.count_and_describe("k0"));
    clock.advance(30s);
    const auto next = log.count_and_describe("");
    ASSERT_TRUE(next.has_value());
    EXPECT_TRUE(next->starts_with("3 records in Redis opened by no key of session.encryption_keys (4 since start); "
                                  "the last names key none (sealed before key ids)"))
        << *next;
    EXPECT_EQ(log.unopened(), 4u);
}

TEST(UnopenedRecordLogTest, AnIdFromRedisIsShownOnlyAsTheCharactersAnIdMayHave) {
    testing::FakeClock clock;
    UnopenedRecordLog log(clock);
    const auto line = log.count_and_describe("k1\"\n{\"level\":\"error\"}");
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->find('\n'), std::string::npos) << *line;
    EXPECT_NE(line->find("key id \"k1????level???error??\""), std::string::npos) << *line;
}

}  // namespace
}  // namespace icg::app
