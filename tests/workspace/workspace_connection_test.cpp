// A workspace connection's record, and what counts as a workspace id.
#include "workspace/workspace_connection.hpp"

#include <gtest/gtest.h>

namespace icg::workspace {
namespace {

TEST(WorkspaceConnectionTest, SurvivesARoundTrip) {
    const WorkspaceConnection c{.access_token = core::Secret(std::string("tok \"quoted\"")),
                                .workspace_id = "ecahpwf5",
                                .workspace_name = "Acme \u00e9",
                                .api_base = "https://api.eu.intercom.io",
                                .admin_id = "991",
                                .admin_name = "Grace",
                                .connected_at = 1'700'000'000};
    const auto back = deserialize_connection(serialize(c).expose());
    ASSERT_TRUE(back);
    EXPECT_EQ(back->access_token.expose(), "tok \"quoted\"");
    EXPECT_EQ(back->workspace_id, "ecahpwf5");
    EXPECT_EQ(back->workspace_name, "Acme \u00e9");
    EXPECT_EQ(back->api_base, "https://api.eu.intercom.io");
    EXPECT_EQ(back->admin_id, "991");
    EXPECT_EQ(back->admin_name, "Grace");
    EXPECT_EQ(back->connected_at, 1'700'000'000);
}

TEST(WorkspaceConnectionTest, IncompleteOrMalformedRecordsAreRefused) {
    EXPECT_FALSE(deserialize_connection(""));
    EXPECT_FALSE(deserialize_connection("[]"));
    EXPECT_FALSE(deserialize_connection(R"({"token":"t"})"));
    EXPECT_FALSE(deserialize_connection(
        R"({"token":"","workspace_id":"w","workspace_name":"","api_base":"","admin_id":"","admin_name":"","connected_at":1})"));
    EXPECT_FALSE(deserialize_connection(
        R"({"token":"t","workspace_id":"w x","workspace_name":"","api_base":"","admin_id":"","admin_name":"","connected_at":1})"));
    EXPECT_TRUE(deserialize_connection(
        R"({"token":"t","workspace_id":"w","workspace_name":"","api_base":"","admin_id":"","admin_name":"","connected_at":1})"));
}

TEST(WorkspaceConnectionTest, WorkspaceIdsAreShortWordsOfLettersDigitsDashAndUnderscore) {
    EXPECT_TRUE(looks_like_workspace_id("ecahpwf5"));
    EXPECT_TRUE(looks_like_workspace_id("ws_1-A"));
    EXPECT_TRUE(looks_like_workspace_id(std::string(64, 'a')));
    EXPECT_FALSE(looks_like_workspace_id(std::string(65, 'a')));
    EXPECT_FALSE(looks_like_workspace_id(""));
    for (const char* bad : {"a b", "a:b", "a*", "a/b", "a\r", "a,b", "\xc3\xa9", "a.b"})
        EXPECT_FALSE(looks_like_workspace_id(bad)) << bad;
}

}  // namespace
}  // namespace icg::workspace
