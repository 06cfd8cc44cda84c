// SIGTERM with a drain delay: /readyz answers 503 at once, new connections are still served for
// server.drain_delay, then none are accepted; requests in flight (a slow call, a long download)
// finish and the process exits 0; what still runs after server.shutdown_timeout is cut.
#include "gateway_fixture.hpp"

#include "support/eventually.hpp"
#include "support/time_scale.hpp"

#include <signal.h>

#include <atomic>
#include <thread>

namespace icg::testing {
namespace {

using namespace std::chrono_literals;

class DrainTest : public GatewayTest {
protected:
    void wait_until_the_mock_sees(const std::string& path) {
        ASSERT_TRUE(eventually(
            [&] {
                const auto seen = mock().last_request();
                return seen && seen->path == path;
            },
            10s));
    }
};

TEST_F(DrainTest, NewConnectionsAreServedDuringTheDelayThenRefusedWhileRequestsInFlightFinish) {
    const auto delay = scaled(std::chrono::milliseconds(1500));
    start_gateway([&](GatewaySettings& s) {
        s.set("server", "drain_delay", std::to_string(delay.count()) + "ms");
        s.set("server", "shutdown_timeout", "30s");
    });
    auto client = browser();
    login(client);
    const auto cookie = session_header(client);

    unsigned slow_status = 0;
    std::thread slow([&] {
        HttpsConnection connection(gateway().port(), certificates().ca_file, 30s);
        slow_status = connection.request("GET", "/intercom/slow?ms=2000", cookie).status;
    });
    wait_until_the_mock_sees("/slow");

    constexpr std::uint64_t size = 16ull * 1024 * 1024;
    auto download = begin_download(size, cookie);
    bool drained_mid_body = false;
    ReadOptions options;
    options.progress = [&](std::uint64_t received) {
        if (drained_mid_body || received < 1024 * 1024) return;
        drained_mid_body = true;
        // The download waits here, mid-body, through the whole drain delay.
        ASSERT_TRUE(gateway().process().send_signal(SIGTERM));
        ASSERT_TRUE(gateway().process().wait_for_output("received SIGTERM", 5s));
        HttpsConnection during(gateway().port(), certificates().ca_file);
        const auto ready = during.request("GET", "/readyz");
        EXPECT_EQ(ready.status, 503u) << "readiness fails at once";
        EXPECT_NE(ready.body.find("draining"), std::string::npos) << ready.body;
        EXPECT_FALSE(ready.keep_alive) << "responses close their connection while draining";
        HttpsConnection still(gateway().port(), certificates().ca_file);
        EXPECT_EQ(still.request("GET", "/healthz").status, 200u) << "a new connection is served during the delay";
        ASSERT_TRUE(gateway().process().wait_for_output("drain delay over", delay + scaled(5s)));
        EXPECT_THROW(HttpsConnection(gateway().port(), certificates().ca_file, 2s), std::runtime_error)
            << "a new connection was accepted after the delay";
    };
    const auto response = download.read_response(options);
    EXPECT_TRUE(drained_mid_body);
    EXPECT_EQ(response.status, 200u);
    EXPECT_TRUE(response.complete) << "the download in flight was cut";
    EXPECT_EQ(response.body_length, size);
    EXPECT_EQ(response.body_sha256, response.header("X-Body-Sha256"));
    slow.join();
    EXPECT_EQ(slow_status, 200u) << "the slow call in flight was cut";

    const auto status = gateway().process().wait_for_exit(scaled(10s));
    ASSERT_TRUE(status.has_value()) << "the gateway did not exit once its requests were done";
    EXPECT_TRUE(status->success()) << status->describe();
}

TEST_F(DrainTest, WhatStillRunsAfterTheShutdownTimeoutIsCutAndTheProcessExitsZero) {
    start_gateway([](GatewaySettings& s) { s.set("server", "shutdown_timeout", "1s"); });
    auto client = browser();
    login(client);
    const auto cookie = session_header(client);
    std::atomic<bool> answered{false};
    std::thread slow([&] {
        try {
            HttpsConnection connection(gateway().port(), certificates().ca_file, 30s);
            connection.request("GET", "/intercom/slow?ms=20000", cookie);
            answered = true;
        } catch (const std::exception&) {  // cut: what this test expects
        }
    });
    wait_until_the_mock_sees("/slow");
    const auto signalled = std::chrono::steady_clock::now();
    ASSERT_TRUE(gateway().process().send_signal(SIGTERM));
    const auto status = gateway().process().wait_for_exit(scaled(10s));
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->success()) << status->describe();
    EXPECT_LT(std::chrono::steady_clock::now() - signalled, scaled(5s));
    EXPECT_TRUE(gateway().process().wait_for_output("server.shutdown_timeout passed with 1 requests in flight", 1s));
    slow.join();
    EXPECT_FALSE(answered) << "the slow call was answered although the process ended";
}

}  // namespace
}  // namespace icg::testing
