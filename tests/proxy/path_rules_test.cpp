#include "proxy/path_rules.hpp"

#include <gtest/gtest.h>

namespace icg::proxy {
namespace {

TEST(UpstreamTarget, KeepsPathAndQueryByteForByte) {
    EXPECT_EQ(upstream_target("/intercom/me"), "/me");
    EXPECT_EQ(upstream_target("/intercom/contacts/1?per_page=5&x=%2F+y"), "/contacts/1?per_page=5&x=%2F+y");
    EXPECT_EQ(upstream_target("/intercom/contacts/search?q=a%20b"), "/contacts/search?q=a%20b");
    EXPECT_EQ(upstream_target("/intercom/a.b/c..d/.e"), "/a.b/c..d/.e");
    EXPECT_EQ(upstream_target("/intercom/me?next=../x"), "/me?next=../x");  // dots in the query are data
}

TEST(UpstreamTarget, RefusesAnythingThatCouldLeaveTheApiBase) {
    for (const char* bad :
         {"/intercom", "/intercom/", "/intercomx/me", "/other/me", "/intercom/../auth/session", "/intercom/a/../../x",
          "/intercom/./me", "/intercom/%2e%2e/x", "/intercom/%2E%2E/x", "/intercom/.%2e/x", "/intercom/a%2Fb",
          "/intercom/a%2fb", "/intercom/a%5Cb", "/intercom/a\\b", "/intercom//evil.com/x", "/intercom/a%00b",
          "/intercom/a b", "/intercom/me#frag", "/intercom/\x7f"}) {
        EXPECT_FALSE(upstream_target(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace icg::proxy
