// Session lifetimes with short timeouts: waits are bounded polls of the condition, never fixed sleeps.
#include "gateway_fixture.hpp"

#include "support/eventually.hpp"

namespace icg::testing {
namespace {

using namespace std::chrono_literals;
using SessionTimeoutTest = GatewayTest;
using Clock = std::chrono::steady_clock;

TEST_F(SessionTimeoutTest, AnUnusedSessionEndsAfterTheIdleTimeout) {
    start_gateway([](GatewaySettings& s) {
        s.set("session", "idle_timeout", "2s");
        s.set("session", "absolute_timeout", "1h");
    });
    auto client = browser();
    login(client);
    ASSERT_FALSE(gateway_keys("session").empty());
    // Watch Redis, not the gateway: a request would count as use.
    EXPECT_TRUE(eventually([&] { return gateway_keys("session").empty(); }, 10s, 100ms))
        << "the session key never expired";
    EXPECT_EQ(client.get("/auth/session").status, 401u);
}

TEST_F(SessionTimeoutTest, UseExtendsTheIdleTimeoutButNotTheAbsoluteTimeout) {
    start_gateway([](GatewaySettings& s) {
        s.set("session", "idle_timeout", "2s");
        s.set("session", "absolute_timeout", "4s");
    });
    auto client = browser();
    login(client);
    const auto logged_in = Clock::now();
    Clock::time_point last_ok = logged_in;
    unsigned last_status = 0;
    const bool ended = eventually(
        [&] {
            last_status = client.get("/auth/session").status;
            if (last_status == 200u) last_ok = Clock::now();
            return last_status != 200u;
        },
        12s, 250ms);
    ASSERT_TRUE(ended) << "the session outlived its absolute timeout by far";
    EXPECT_EQ(last_status, 401u);
    const auto alive_for = last_ok - logged_in;
    EXPECT_GT(alive_for, 2500ms) << "requests every 250 ms must keep the session past its 2 s idle timeout";
    EXPECT_LT(alive_for, 4500ms) << "the session must end at its 4 s absolute timeout";
}

TEST_F(SessionTimeoutTest, LoginStateExpiresWithTheLoginTimeout) {
    start_gateway([](GatewaySettings& s) { s.set("session", "login_timeout", "1s"); });
    auto client = browser();
    const auto callback_url = approve(begin_login(client));
    ASSERT_FALSE(gateway_keys("login").empty());
    EXPECT_TRUE(eventually([&] { return gateway_keys("login").empty(); }, 10s, 100ms))
        << "the login state never expired";
    EXPECT_EQ(client.fetch(callback_url).status, 400u);
    EXPECT_EQ(mock().stats().token, 0);
}

}  // namespace
}  // namespace icg::testing
