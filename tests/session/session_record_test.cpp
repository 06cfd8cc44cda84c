#include "session/session_record.hpp"

#include <gtest/gtest.h>

#include <string>

namespace icg::session {
namespace {

TEST(SessionRecord, RoundTrips) {
    SessionRecord r;
    r.access_token = core::Secret(std::string("tok-1"));
    r.admin_id = "7";
    r.admin_name = "Ada";
    r.admin_email = "ada@example.com";
    r.workspace_id = "ws1";
    r.workspace_name = "Demo";
    r.created_at = 1700000000;
    r.expires_at = 1700600000;
    const auto json = serialize(r);
    const auto back = deserialize(json.expose());
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->access_token.expose(), "tok-1");
    EXPECT_EQ(back->admin_email, "ada@example.com");
    EXPECT_EQ(back->workspace_id, "ws1");
    EXPECT_EQ(back->expires_at, 1700600000);
}

// Found by fuzzing: rapidjson's recursive parser ran out of stack on deep nesting, and an empty
// record made it offset a null pointer.
TEST(SessionRecord, DeepNestingAndEmptyInputAreRefusedNotFatal) {
    const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
    EXPECT_FALSE(deserialize(deep).has_value());
    const std::string deep_objects = [] {
        std::string s;
        for (int i = 0; i < 100'000; ++i) s += "{\"a\":";
        s += "1";
        s += std::string(100'000, '}');
        return s;
    }();
    EXPECT_FALSE(deserialize(deep_objects).has_value());
    EXPECT_FALSE(deserialize(std::string_view()).has_value());
    EXPECT_FALSE(deserialize("").has_value());
}

}  // namespace
}  // namespace icg::session
