#include "crypto/digest.hpp"

#include <gtest/gtest.h>

#include <string>

namespace icg::crypto {
namespace {

// FIPS 180-2 examples and the empty string.
TEST(Sha256Hex, MatchesKnownVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Hex, IsLowerCaseHexOf64Characters) {
    const auto digest = sha256_hex("session id");
    ASSERT_EQ(digest.size(), 64u);
    for (char c : digest) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
}

TEST(Sha256Hex, HashesBinaryInputIncludingNulBytes) {
    EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex("a"));
    EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex(std::string("a\0c", 3)));
}

}  // namespace
}  // namespace icg::crypto
