// Which key a command is routed by on a Cluster.
#include "redis/cluster_client.hpp"

#include <gtest/gtest.h>

namespace icg::redis {
namespace {

TEST(RoutingKeyTest, IsTheFirstArgumentOrEvalsFirstKeyInAnyCase) {
    EXPECT_EQ(routing_key({"GETEX", "icg:session:a", "EX", "60"}), "icg:session:a");
    EXPECT_EQ(routing_key({"hset", "icg:workspace:w", "sealed", "x"}), "icg:workspace:w");
    EXPECT_EQ(routing_key({"EVAL", "return 1", "1", "icg:session-index:w", "arg"}), "icg:session-index:w");
    EXPECT_EQ(routing_key({"evalsha", "abc", "1", "k"}), "k");
}

TEST(RoutingKeyTest, CommandsWithoutAKeyHaveNone) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"PING"},
                                                                  {"ping", "hello"},
                                                                  {"WAIT", "1", "500"},
                                                                  {"CLIENT", "TRACKING", "off"},
                                                                  {"cluster", "SLOTS"},
                                                                  {"EVAL", "return 1", "0"},
                                                                  {"SELECT", "0"},
                                                                  {}})
        EXPECT_EQ(routing_key(args), "") << (args.empty() ? "" : args[0]);
    EXPECT_EQ(routing_key({"PINGS", "k"}), "k") << "a longer name is another command";
}

}  // namespace
}  // namespace icg::redis
