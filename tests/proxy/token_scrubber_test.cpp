#include "proxy/token_scrubber.hpp"

#include <gtest/gtest.h>

#include <string>

namespace icg::proxy {
namespace {

constexpr std::string_view token = "dG9rOmFiYy/9kZWY+Z2hp=";  // base64 with '/', '+' and '='

TEST(TokenScrubber, ReplacesEveryOccurrenceAsItIs) {
    std::string body = "{\"message\":\"token " + std::string(token) + " is invalid\",\"echo\":\"" +
                       std::string(token) + "\"}";
    EXPECT_EQ(scrub_token(body, token), 2u);
    EXPECT_EQ(body.find(token), std::string::npos);
    EXPECT_EQ(body, "{\"message\":\"token [redacted] is invalid\",\"echo\":\"[redacted]\"}");
}

TEST(TokenScrubber, ReplacesTheJsonEscapedAndPercentEncodedSpellings) {
    std::string body = "a dG9rOmFiYy/9kZWY+Z2hp= b dG9rOmFiYy\\/9kZWY+Z2hp= c dG9rOmFiYy%2F9kZWY%2BZ2hp%3D "
                       "d dG9rOmFiYy%2f9kZWY%2bZ2hp%3d e";
    EXPECT_EQ(scrub_token(body, token), 4u) << body;
    EXPECT_EQ(body, "a [redacted] b [redacted] c [redacted] d [redacted] e");
}

TEST(TokenScrubber, LeavesOtherTextAndAnEmptyTokenAlone) {
    std::string body = "{\"errors\":[{\"code\":\"unauthorized\"}]}";
    const std::string before = body;
    EXPECT_EQ(scrub_token(body, token), 0u);
    EXPECT_EQ(body, before);
    EXPECT_EQ(scrub_token(body, ""), 0u);
    EXPECT_EQ(body, before);
}

TEST(TokenScrubber, FindsOverlappingAndAdjacentCopies) {
    std::string body = std::string(token) + std::string(token) + std::string(token);
    EXPECT_EQ(scrub_token(body, token), 3u);
    EXPECT_EQ(body, "[redacted][redacted][redacted]");
}

}  // namespace
}  // namespace icg::proxy
