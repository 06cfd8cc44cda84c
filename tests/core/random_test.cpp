#include "core/random.hpp"

#include "core/base64.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

namespace icg::core {
namespace {

// Fixed bytes, to check what token() does with them.
class SequenceRandom final : public Random {
public:
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) b = next_++;
    }

private:
    std::uint8_t next_ = 0;
};

TEST(RandomToken, IsTheUnpaddedBase64UrlOfTheFilledBytes) {
    SequenceRandom random;
    const auto token = random.token(16);
    EXPECT_EQ(token.size(), 22u);  // 128 bits
    const auto bytes = base64url_decode(token);
    ASSERT_TRUE(bytes.has_value());
    ASSERT_EQ(bytes->size(), 16u);
    for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(std::uint8_t((*bytes)[i]), i);
}

TEST(RandomToken, LengthFollowsTheByteCount) {
    SystemRandom random;
    EXPECT_EQ(random.token(0), "");
    EXPECT_EQ(random.token(1).size(), 2u);
    EXPECT_EQ(random.token(32).size(), 43u);  // 256 bits
}

TEST(SystemRandom, TokensDoNotRepeat) {
    SystemRandom random;
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(random.token(16));
    EXPECT_EQ(seen.size(), 1000u);
}

TEST(SystemRandom, FillsEveryByte) {
    SystemRandom random;
    // Over 64 draws of 64 bytes, a byte position that stays zero would mean it is never written.
    std::array<std::uint8_t, 64> any{};
    for (int round = 0; round < 64; ++round) {
        std::array<std::uint8_t, 64> buffer{};
        random.fill(buffer);
        for (std::size_t i = 0; i < buffer.size(); ++i) any[i] |= buffer[i];
    }
    for (std::size_t i = 0; i < any.size(); ++i) EXPECT_NE(any[i], 0) << "byte " << i;
    std::array<std::uint8_t, 0> empty{};
    random.fill(empty);  // allowed, and does nothing
}

}  // namespace
}  // namespace icg::core
