#include "http/query.hpp"

#include "http/message.hpp"

#include <gtest/gtest.h>

#include <string>

namespace icg::http {
namespace {

TEST(QueryParam, FindsAndDecodesAValue) {
    EXPECT_EQ(query_param("code=abc&state=xyz", "code"), "abc");
    EXPECT_EQ(query_param("code=abc&state=xyz", "state"), "xyz");
    EXPECT_EQ(query_param("return_to=%2Finbox%2F42%3Ftab%3Dopen", "return_to"), "/inbox/42?tab=open");
    EXPECT_EQ(query_param("a=1&b=x%20y", "b"), "x y");
}

TEST(QueryParam, AbsentNameIsNullopt) {
    EXPECT_EQ(query_param("code=abc", "state"), std::nullopt);
    EXPECT_EQ(query_param("codes=abc", "code"), std::nullopt);
    EXPECT_EQ(query_param("xcode=abc", "code"), std::nullopt);
}

TEST(QueryParam, EmptyQueryIsNullopt) {
    EXPECT_EQ(query_param("", "code"), std::nullopt);
    EXPECT_EQ(query_param(std::string_view(), "code"), std::nullopt);
}

TEST(QueryParam, QueryOfARequestWithoutOneIsNullopt) {
    // Request::query() of "/auth/login" is a default-constructed view (null data pointer).
    Request request;
    request.method = "GET";
    request.target = "/auth/login";
    EXPECT_EQ(query_param(request.query(), "return_to"), std::nullopt);
}

TEST(QueryParam, KeyWithoutValueIsEmpty) {
    EXPECT_EQ(query_param("flag&x=1", "flag"), "");
    EXPECT_EQ(query_param("flag=&x=1", "flag"), "");
}

TEST(QueryParam, RepeatedNameIsAmbiguousAndRejected) {
    EXPECT_EQ(query_param("state=a&state=b", "state"), std::nullopt);
    EXPECT_EQ(query_param("state=a&st%61te=b", "state"), std::nullopt);
}

TEST(QueryParam, EncodedKeysAreDecodedBeforeComparing) {
    EXPECT_EQ(query_param("st%61te=a", "state"), "a");
}

TEST(QueryParam, DecodesEncodedSlashesOnlyOnce) {
    EXPECT_EQ(query_param("return_to=%252F%252Fevil", "return_to"), "%2F%2Fevil");
}

}  // namespace
}  // namespace icg::http
