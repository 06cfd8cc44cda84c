#include "proxy/allow_list.hpp"

#include <gtest/gtest.h>

namespace icg::proxy {
namespace {

AllowList parse(std::vector<std::string> rules) {
    std::string error;
    auto list = AllowList::parse(rules, &error);
    EXPECT_TRUE(list.has_value()) << error;
    return list.value_or(AllowList{});
}

TEST(AllowList, EmptyAllowsEverything) {
    AllowList list;
    EXPECT_FALSE(list.restricts());
    EXPECT_TRUE(list.allows("DELETE", "/contacts/1"));
}

TEST(AllowList, MatchesMethodAndSegments) {
    const auto list = parse({"GET /me", "GET /contacts/*", "POST /contacts/search", "* /tags/**"});
    EXPECT_TRUE(list.allows("GET", "/me"));
    EXPECT_FALSE(list.allows("POST", "/me"));
    EXPECT_FALSE(list.allows("GET", "/me/x"));
    EXPECT_TRUE(list.allows("GET", "/contacts/123"));
    EXPECT_FALSE(list.allows("GET", "/contacts"));
    EXPECT_FALSE(list.allows("GET", "/contacts/1/notes"));
    EXPECT_FALSE(list.allows("DELETE", "/contacts/1"));
    EXPECT_TRUE(list.allows("POST", "/contacts/search"));
    EXPECT_TRUE(list.allows("DELETE", "/tags/1"));
    EXPECT_TRUE(list.allows("GET", "/tags/1/companies"));
    EXPECT_FALSE(list.allows("GET", "/tags"));
    EXPECT_FALSE(list.allows("GET", "/admins"));
}

TEST(AllowList, RejectsMalformedRulesWithTheRuleInTheMessage) {
    for (const char* bad : {"GET", "get /me", "GET me", "GET /me?x=1", "GET /**/x"}) {
        std::string error;
        EXPECT_FALSE(AllowList::parse({bad}, &error).has_value()) << bad;
        EXPECT_NE(error.find(bad), std::string::npos) << error;
    }
}

}  // namespace
}  // namespace icg::proxy
