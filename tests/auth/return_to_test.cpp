#include "auth/return_to.hpp"

#include <gtest/gtest.h>

#include <string>

namespace icg::auth {
namespace {

using namespace std::string_literals;

TEST(SafeReturnTo, KeepsPathsOnTheSameOrigin) {
    for (const std::string path :
         {"/", "/dashboard", "/inbox/42", "/a/b?x=1&y=2", "/search?q=%2F%2Fevil.com",
          "/conversations/123?tab=open&sort=new", "/a/./b/../c", "/a%20b", "/~user", "/?next=//evil.com"})
        EXPECT_EQ(safe_return_to(path), path) << path;
}

TEST(SafeReturnTo, AnythingElseBecomesTheRoot) {
    for (const std::string bad :
         {"", "dashboard", "./x", "../x", "?x=1", "#top", "https://evil.com", "http://evil.com/", "javascript:alert(1)",
          "data:text/html,hi", "mailto:a@b.c", " /x"})
        EXPECT_EQ(safe_return_to(bad), "/") << bad;
}

TEST(SafeReturnTo, RejectsSchemeRelativeUrls) {
    for (const std::string bad :
         {"//evil.com", "///evil.com", "//evil.com/path", "/\\evil.com", "/\\/evil.com", "\\\\evil.com", "\\/evil.com"})
        EXPECT_EQ(safe_return_to(bad), "/") << bad;
}

TEST(SafeReturnTo, RejectsBackslashesAnywhere) {
    for (const std::string bad : {"/a\\b", "/a/b\\", "/a?x=\\", "/\\"}) EXPECT_EQ(safe_return_to(bad), "/") << bad;
}

TEST(SafeReturnTo, RejectsValuesThatDecodeAgainIntoAnotherOrigin) {
    for (const std::string bad : {"/%2F%2Fevil.com", "/%2f%2fevil.com", "/%2Fevil.com", "/%2F/evil.com", "/%5Cevil",
                                  "/%5cevil", "/%5C%5Cevil.com", "/a%5Cb", "/%2F%5Cevil"})
        EXPECT_EQ(safe_return_to(bad), "/") << bad;
}

TEST(SafeReturnTo, RejectsControlCharacters) {
    for (const std::string& bad : {"/a\r\nSet-Cookie: x=y"s, "/a\nb"s, "/a\rb"s, "/a\tb"s, "/\t/evil.com"s, "/a\0b"s,
                                   "/\x01"s, "/\x1f"s, "/\x7f"s})
        EXPECT_EQ(safe_return_to(bad), "/") << bad;
}

// Whatever decodes the value downstream, once or several times, must not find a control
// character, a backslash or a second leading slash in it.
TEST(SafeReturnTo, RejectsValuesWhoseDecodedFormsHoldControlCharactersOrBackslashes) {
    for (const std::string bad :
         {"/a%0d%0aSet-Cookie:x=y", "/a%0Ab", "/a%09b", "/a%00b", "/a%7F", "/a?x=%0d", "/a%250d%250a", "/a%25250A",
          "/%252F%252Fevil.com", "/%25252F%25252Fevil.com", "/x%255Cy", "/a?next=%5C"})
        EXPECT_EQ(safe_return_to(bad), "/") << bad;
}

TEST(SafeReturnTo, KeepsHarmlessEncodedForms) {
    for (const std::string path : {"/a%20b", "/a%25b", "/search?q=a%26b", "/x%2Fy", "/%7Euser", "/a%25zz"})
        EXPECT_EQ(safe_return_to(path), path) << path;
    // Malformed escapes are not a URL at all.
    for (const std::string bad : {"/a%zzb", "/100%"}) EXPECT_EQ(safe_return_to(bad), "/") << bad;
}

TEST(SafeReturnTo, RejectsBytesOutsideAscii) {
    for (const std::string& bad : {"/caf\xc3\xa9"s, "/\x80"s, "/\xff"s,
                                   "/\xef\xbc\x8f\xef\xbc\x8f"
                                   "evil.com"s})
        EXPECT_EQ(safe_return_to(bad), "/") << bad;
}

TEST(SafeReturnTo, AcceptsUpTo2048Characters) {
    const std::string longest = "/" + std::string(2047, 'a');
    EXPECT_EQ(safe_return_to(longest), longest);
    EXPECT_EQ(safe_return_to(longest + "a"), "/");
    EXPECT_EQ(safe_return_to("/" + std::string(100'000, 'a')), "/");
}

}  // namespace
}  // namespace icg::auth
