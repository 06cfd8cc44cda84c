#include "app/reload_plan.hpp"

#include <gtest/gtest.h>

namespace icg::app {
namespace {

using namespace std::chrono_literals;

TEST(ReloadPlanTest, WhatNeedsARestartKeepsItsRunningValueAndIsNamedTheRestApplies) {
    config::GatewayConfig running;
    running.server.listen = {"0.0.0.0", 8443};
    running.redis.url = core::Secret(std::string("redis://:old@127.0.0.1:6379/0"));
    running.redis.endpoint.port = 6379;
    running.intercom.client_secret = core::Secret(std::string("old-secret"));
    running.intercom.api_version = "2.14";
    running.proxy.allow = {"GET /me"};

    auto next = running;
    next.server.listen = {"0.0.0.0", 9443};
    next.redis.url = core::Secret(std::string("redis://:new@127.0.0.1:6380/0"));
    next.redis.endpoint.port = 6380;
    next.intercom.client_secret = core::Secret(std::string("new-secret"));
    next.intercom.api_version = "2.15";
    next.proxy.allow = {"GET /contacts"};
    next.server.read_timeout = 5s;

    const auto plan = plan_reload(running, next);
    EXPECT_EQ(plan.restart_needed, (std::vector<std::string>{"server.listen", "redis.url", "intercom.client_secret"}));
    EXPECT_EQ(plan.config.server.listen.port, 8443);
    EXPECT_EQ(plan.config.redis.url.expose(), "redis://:old@127.0.0.1:6379/0");
    EXPECT_EQ(plan.config.redis.endpoint.port, 6379) << "the parsed url goes with the url";
    EXPECT_EQ(plan.config.intercom.client_secret.expose(), "old-secret");
    EXPECT_EQ(plan.config.intercom.api_version, "2.15");
    EXPECT_EQ(plan.config.proxy.allow, std::vector<std::string>{"GET /contacts"});
    EXPECT_EQ(plan.config.server.read_timeout, 5s);
}

TEST(ReloadPlanTest, AnUnchangedConfigurationNeedsNoRestart) {
    config::GatewayConfig running;
    EXPECT_TRUE(plan_reload(running, running).restart_needed.empty());
}

TEST(ReloadPlanTest, APerSessionBoundAboveTheKeptPoolBoundIsLoweredToIt) {
    config::GatewayConfig running;
    running.proxy.max_connections = 16;
    auto next = running;
    next.proxy.max_connections = 64;
    next.proxy.max_in_flight_per_session = 32;
    const auto plan = plan_reload(running, next);
    EXPECT_EQ(plan.restart_needed, std::vector<std::string>{"proxy.max_connections"});
    EXPECT_EQ(plan.config.proxy.max_in_flight_per_session, 16u);
}

}  // namespace
}  // namespace icg::app
