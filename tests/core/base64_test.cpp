#include "core/base64.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace icg::core {
namespace {

struct Vector {
    const char* plain;
    const char* standard;
    const char* url;
};

// RFC 4648 section 10, plus the unpadded URL-safe forms.
constexpr Vector rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

TEST(Base64, EncodesTheRfc4648Vectors) {
    for (const auto& v : rfc4648) {
        EXPECT_EQ(base64_encode(v.plain), v.standard) << v.plain;
        EXPECT_EQ(base64url_encode(v.plain), v.url) << v.plain;
    }
}

TEST(Base64, DecodesTheRfc4648Vectors) {
    for (const auto& v : rfc4648) {
        EXPECT_EQ(base64_decode(v.standard), std::optional<std::string>(v.plain)) << v.standard;
        EXPECT_EQ(base64url_decode(v.url), std::optional<std::string>(v.plain)) << v.url;
    }
}

TEST(Base64, TheTwoAlphabetsDifferOnlyInTheLastTwoLetters) {
    const std::string bytes("\xfb\xff\xbf", 3);
    EXPECT_EQ(base64_encode(bytes), "+/+/");
    EXPECT_EQ(base64url_encode(bytes), "-_-_");
    EXPECT_EQ(base64_decode("+/+/"), bytes);
    EXPECT_EQ(base64url_decode("-_-_"), bytes);
    EXPECT_EQ(base64_decode("-_-_"), std::nullopt);
    EXPECT_EQ(base64url_decode("+/+/"), std::nullopt);
}

TEST(Base64, RoundTripsEveryByteValueAndLength) {
    std::mt19937 rng(12345);
    for (std::size_t length = 0; length <= 100; ++length) {
        std::string bytes(length, '\0');
        for (auto& b : bytes) b = char(rng() & 0xff);
        EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << "length " << length;
        EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << "length " << length;
    }
    std::string all;
    for (int i = 0; i < 256; ++i) all += char(i);
    EXPECT_EQ(base64_decode(base64_encode(all)), all);
    EXPECT_EQ(base64url_decode(base64url_encode(all)), all);
}

TEST(Base64, UrlSafeOutputNeedsNoEscapingInCookiesOrQueries) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += char(i);
    for (char c : base64url_encode(all))
        EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
}

TEST(Base64, RejectsCharactersOutsideTheAlphabet) {
    for (const char* bad : {"Zm9v!", "Zm9 v", "Zm9v\n", "Zm.v", "Zm9v\r\n", "Zm\x80v", "Zm9v Zm9v"}) {
        EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
        EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
    }
    EXPECT_EQ(base64_decode(std::string("Zm9\0", 4)), std::nullopt);
}

TEST(Base64, StandardDecodingRequiresCorrectPadding) {
    for (const char* bad :
         {"Zg", "Zg=", "Zm8", "Zg===", "Z===", "====", "=", "Zm9vYg=", "Zm9vYg=A", "Zg==Zg==", "Zm=8"})
        EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
}

TEST(Base64, UrlDecodingRejectsPaddingAndImpossibleLengths) {
    for (const char* bad : {"Zg==", "Zm8=", "Z", "Zm9vY", "="}) EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
}

TEST(Base64, RejectsNonCanonicalEncodingsWithStrayLowBits) {
    // "Zh==" and "Zm9=" decode to the same bytes as "Zg==" and "Zm8=" in lenient decoders.
    for (const char* bad : {"Zh==", "Zm9=", "AB==", "AAB="}) EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
    for (const char* bad : {"Zh", "Zm9", "AB", "AAB"}) EXPECT_EQ(base64url_decode(bad), std::nullopt) << bad;
}

}  // namespace
}  // namespace icg::core
