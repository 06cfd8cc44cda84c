#include "crypto/session_cipher.hpp"

#include "core/random.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace icg::crypto {
namespace {

constexpr std::size_t header_size = 1 + 12;  // version byte and nonce
constexpr std::size_t tag_size = 16;

// Repeatable "random" bytes: shows exactly where the nonce comes from.
class CountingRandom final : public core::Random {
public:
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) b = next_++;
    }

private:
    std::uint8_t next_ = 1;
};

core::Secret key_of(char fill) {
    return core::Secret(std::string(SessionCipher::key_size, fill));
}

class SessionCipherTest : public ::testing::Test {
protected:
    core::SystemRandom random;
    SessionCipher cipher{key_of('k')};
    const std::string plaintext = R"({"access_token":"tok_abc","email":"ada@example.com"})";
    const std::string aad = "icg:session:0123abcd";
};

TEST_F(SessionCipherTest, OpensWhatItSealed) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    const auto opened = cipher.open(sealed, aad);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(opened->expose(), plaintext);
}

TEST_F(SessionCipherTest, RoundTripsEmptyAndLargeTexts) {
    for (const std::string& text : {std::string(), std::string(1, '\0'), std::string(100'000, 'x')}) {
        const auto opened = cipher.open(cipher.seal(text, aad, random), aad);
        ASSERT_TRUE(opened.has_value()) << text.size();
        EXPECT_EQ(opened->expose(), text);
    }
    const auto no_aad = cipher.open(cipher.seal(plaintext, "", random), "");
    ASSERT_TRUE(no_aad.has_value());
    EXPECT_EQ(no_aad->expose(), plaintext);
}

TEST_F(SessionCipherTest, OutputIsVersionNonceCiphertextTag) {
    CountingRandom counting;
    const auto sealed = cipher.seal(plaintext, aad, counting);
    ASSERT_EQ(sealed.size(), header_size + plaintext.size() + tag_size);
    EXPECT_EQ(std::uint8_t(sealed[0]), 1);
    for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(std::uint8_t(sealed[1 + i]), i + 1) << "nonce byte " << i;
    EXPECT_EQ(sealed.find(plaintext), std::string::npos);
    EXPECT_EQ(sealed.find("ada@example.com"), std::string::npos);
    EXPECT_EQ(sealed.find("tok_abc"), std::string::npos);
}

TEST_F(SessionCipherTest, TwoSealsOfTheSameTextDiffer) {
    const auto a = cipher.seal(plaintext, aad, random);
    const auto b = cipher.seal(plaintext, aad, random);
    EXPECT_NE(a, b);
    EXPECT_NE(a.substr(1, 12), b.substr(1, 12)) << "each seal must use a fresh nonce";
}

TEST_F(SessionCipherTest, WrongKeyDoesNotOpen) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    EXPECT_EQ(SessionCipher(key_of('K')).open(sealed, aad), std::nullopt);
    std::string almost(SessionCipher::key_size, 'k');
    almost.back() = 'j';
    EXPECT_EQ(SessionCipher(core::Secret(almost)).open(sealed, aad), std::nullopt);
}

TEST_F(SessionCipherTest, WrongAadDoesNotOpen) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    EXPECT_EQ(cipher.open(sealed, "icg:session:0123abce"), std::nullopt);
    EXPECT_EQ(cipher.open(sealed, ""), std::nullopt);
    EXPECT_EQ(cipher.open(sealed, aad + "x"), std::nullopt);
}

TEST_F(SessionCipherTest, AnyFlippedBitIsDetected) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    // Every byte of every part: version, nonce, ciphertext and tag; each of its eight bits.
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            auto altered = sealed;
            altered[i] = char(altered[i] ^ (1 << bit));
            EXPECT_EQ(cipher.open(altered, aad), std::nullopt) << "byte " << i << " bit " << bit;
        }
    }
}

TEST_F(SessionCipherTest, TruncatedOrExtendedInputDoesNotOpen) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    for (std::size_t length = 0; length < sealed.size(); ++length)
        EXPECT_EQ(cipher.open(sealed.substr(0, length), aad), std::nullopt) << "length " << length;
    EXPECT_EQ(cipher.open(sealed + '\0', aad), std::nullopt);
    EXPECT_EQ(cipher.open(sealed.substr(1), aad), std::nullopt);
}

TEST_F(SessionCipherTest, UnknownVersionDoesNotOpen) {
    auto sealed = cipher.seal(plaintext, aad, random);
    for (int version : {0, 2, 0x81, 0xff}) {
        sealed[0] = char(version);
        EXPECT_EQ(cipher.open(sealed, aad), std::nullopt) << version;
    }
}

TEST_F(SessionCipherTest, ARecordMovedToAnotherKeyDoesNotOpen) {
    const auto a = cipher.seal("record of a", "icg:session:aaaa", random);
    EXPECT_EQ(cipher.open(a, "icg:session:bbbb"), std::nullopt);
}

TEST(SessionCipherKey, MustBeExactly32Bytes) {
    EXPECT_THROW(SessionCipher(core::Secret(std::string(31, 'k'))), std::invalid_argument);
    EXPECT_THROW(SessionCipher(core::Secret(std::string(33, 'k'))), std::invalid_argument);
    EXPECT_THROW(SessionCipher(core::Secret()), std::invalid_argument);
    EXPECT_NO_THROW(SessionCipher(core::Secret(std::string(32, 'k'))));
}

TEST(SessionCipherKey, TheErrorDoesNotContainTheKey) {
    try {
        const SessionCipher cipher(core::Secret(std::string("short-key-material-XYZ")));
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).find("short-key-material-XYZ"), std::string::npos);
    }
}

}  // namespace
}  // namespace icg::crypto
