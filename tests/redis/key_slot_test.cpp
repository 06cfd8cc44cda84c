// Hash slots as Redis Cluster computes them (values from CLUSTER KEYSLOT on Redis 7).
#include "redis/key_slot.hpp"

#include <gtest/gtest.h>

namespace icg::redis {
namespace {

TEST(KeySlotTest, IsCrc16OfTheKeyModulo16384) {
    // The specification's check value: CRC16/XMODEM of "123456789" is 0x31C3.
    EXPECT_EQ(key_slot("123456789"), 0x31C3);
    EXPECT_EQ(key_slot("foo"), 12182);
    EXPECT_EQ(key_slot("bar"), 5061);
    EXPECT_EQ(key_slot(""), 0);
}

TEST(KeySlotTest, AHashTagDecidesTheSlot) {
    EXPECT_EQ(key_slot("{user1000}.following"), key_slot("user1000"));
    EXPECT_EQ(key_slot("{user1000}.followers"), key_slot("{user1000}.following"));
    // Only the first '{' counts, and an empty tag is no tag.
    EXPECT_NE(key_slot("foo{}{bar}"), key_slot("bar"));
    EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
    EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
    EXPECT_NE(key_slot("{unclosed"), key_slot("unclosed"));
}

}  // namespace
}  // namespace icg::redis
