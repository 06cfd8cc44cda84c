#include "proxy/method_policy.hpp"

#include <gtest/gtest.h>

namespace icg::proxy {
namespace {

TEST(MethodPolicy, ForwardsOnlyTheApisCanonicalMethods) {
    for (const char* m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
        EXPECT_EQ(judge_method(m), MethodVerdict::forward) << m;
}

TEST(MethodPolicy, AnswersOptionsItself) {
    EXPECT_EQ(judge_method("OPTIONS"), MethodVerdict::answer_options);
}

TEST(MethodPolicy, RefusesTraceAndConnect) {
    EXPECT_EQ(judge_method("TRACE"), MethodVerdict::not_allowed);
    EXPECT_EQ(judge_method("CONNECT"), MethodVerdict::not_allowed);
}

// Methods are case-sensitive: "get" is not GET, and an upstream that upper-cases it must never see it.
TEST(MethodPolicy, OtherSpellingsAndUnknownMethodsAreNotImplemented) {
    for (const char* m : {"get", "Get", "post", "Delete", "options", "PROPFIND", "MKCOL", "PURGE", "LINK", "QUERY",
                          "FOO", "GET ", ""})
        EXPECT_EQ(judge_method(m), MethodVerdict::not_implemented) << m;
}

TEST(MethodPolicy, OnlyGetAndHeadAreSafe) {
    EXPECT_TRUE(is_safe_method("GET"));
    EXPECT_TRUE(is_safe_method("HEAD"));
    for (const char* m : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "get", "head", "FOO", ""})
        EXPECT_FALSE(is_safe_method(m)) << m;
}

}  // namespace
}  // namespace icg::proxy
