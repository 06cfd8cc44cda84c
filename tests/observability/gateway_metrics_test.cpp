// GatewayMetrics: what each telemetry call adds to the text format, with bounded labels, and the
// values read at scrape time.
#include "observability/gateway_metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>
#include <vector>

namespace icg::observability {
namespace {

using namespace std::chrono_literals;

// The value of one series as the text format writes it (name{labels}); -1 when absent.
double series(const std::string& text, const std::string& name) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    return -1;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

TEST(GatewayMetricsTest, EverySeriesExistsAtZeroBeforeAnythingHappens) {
    GatewayMetrics metrics;
    const auto text = metrics.scrape();
    // 8 route groups × 6 status classes, made up front: a rate over a series that appears late
    // misses its first increase.
    EXPECT_EQ(occurrences(text, "intercom_gateway_requests_total{"), 48u);
    EXPECT_EQ(series(text, R"(intercom_gateway_requests_total{route="proxy",status_class="2xx"})"), 0);
    EXPECT_EQ(series(text, R"(intercom_gateway_upstream_calls_total{outcome="unreachable"})"), 0);
    EXPECT_EQ(series(text, R"(intercom_gateway_logins_total{result="workspace_refused"})"), 0);
    EXPECT_EQ(series(text, R"(intercom_gateway_sessions_ended_total{cause="logout"})"), 0);
    EXPECT_EQ(series(text, R"(intercom_gateway_redis_command_errors_total)"), 0);
    EXPECT_GT(series(text, "process_open_fds"), 0);
    EXPECT_GT(series(text, "process_max_fds"), 0);
}

TEST(GatewayMetricsTest, RequestsAreCountedByRouteGroupAndStatusClassWithTheirDuration) {
    GatewayMetrics metrics;
    metrics.request_finished(RouteGroup::proxy, 200, 800us);
    metrics.request_finished(RouteGroup::proxy, 204, 3ms);
    metrics.request_finished(RouteGroup::proxy, 502, 2s);
    metrics.request_finished(RouteGroup::other, 0, 1ms);  // the client left before an answer
    const auto text = metrics.scrape();
    EXPECT_EQ(series(text, R"(intercom_gateway_requests_total{route="proxy",status_class="2xx"})"), 2);
    EXPECT_EQ(series(text, R"(intercom_gateway_requests_total{route="proxy",status_class="5xx"})"), 1);
    EXPECT_EQ(series(text, R"(intercom_gateway_requests_total{route="other",status_class="other"})"), 1);
    EXPECT_EQ(series(text, R"(intercom_gateway_request_duration_seconds_count{route="proxy"})"), 3);
    EXPECT_DOUBLE_EQ(series(text, R"(intercom_gateway_request_duration_seconds_sum{route="proxy"})"), 2.0038);
    EXPECT_EQ(series(text, R"(intercom_gateway_request_duration_seconds_bucket{route="proxy",le="0.001"})"), 1);
    EXPECT_EQ(series(text, R"(intercom_gateway_request_duration_seconds_bucket{route="proxy",le="0.005"})"), 2);
    EXPECT_EQ(series(text, R"(intercom_gateway_request_duration_seconds_bucket{route="proxy",le="+Inf"})"), 3);
}

TEST(GatewayMetricsTest, UpstreamLoginsSessionsRedisAndCachesHaveTheirSeries) {
    GatewayMetrics metrics;
    metrics.upstream_call(UpstreamOutcome::revoked, 5ms);
    metrics.upstream_call(UpstreamOutcome::timeout, 30s);
    metrics.login(LoginResult::completed);
    metrics.login(LoginResult::completed);
    metrics.sessions_ended(SessionEnd::revoked, 3);
    metrics.redis_command(80us, false);
    metrics.redis_command(500ms, true);
    auto& sessions = metrics.cache("session");
    sessions.cache_lookup(true);
    sessions.cache_lookup(true);
    sessions.cache_lookup(false);
    const auto text = metrics.scrape();
    EXPECT_EQ(series(text, R"(intercom_gateway_upstream_calls_total{outcome="revoked"})"), 1);
    EXPECT_EQ(series(text, R"(intercom_gateway_upstream_calls_total{outcome="timeout"})"), 1);
    EXPECT_EQ(series(text, R"(intercom_gateway_upstream_response_head_seconds_count{outcome="timeout"})"), 1);
    EXPECT_EQ(series(text, R"(intercom_gateway_logins_total{result="completed"})"), 2);
    EXPECT_EQ(series(text, R"(intercom_gateway_sessions_ended_total{cause="revoked"})"), 3);
    EXPECT_EQ(series(text, R"(intercom_gateway_redis_command_duration_seconds_count)"), 2);
    EXPECT_EQ(series(text, R"(intercom_gateway_redis_command_errors_total)"), 1);
    EXPECT_EQ(series(text, R"(intercom_gateway_cache_lookups_total{cache="session",result="hit"})"), 2);
    EXPECT_EQ(series(text, R"(intercom_gateway_cache_lookups_total{cache="session",result="miss"})"), 1);
}

TEST(GatewayMetricsTest, SampledValuesAreReadAtEachScrapeAndShareOneHelpLinePerName) {
    GatewayMetrics metrics;
    std::atomic<int> open{3};
    metrics.add_sampled("test_connections", "Open.", GatewayMetrics::Kind::gauge, {{"listener", "public"}},
                        [&] { return double(open.load()); });
    metrics.add_sampled("test_other", "Other.", GatewayMetrics::Kind::counter, {}, [] { return 7.0; });
    metrics.add_sampled("test_connections", "Open.", GatewayMetrics::Kind::gauge, {{"listener", "internal"}},
                        [] { return 1.0; });
    auto text = metrics.scrape();
    EXPECT_EQ(series(text, R"(test_connections{listener="public"})"), 3);
    EXPECT_EQ(series(text, R"(test_connections{listener="internal"})"), 1);
    EXPECT_EQ(series(text, "test_other"), 7);
    EXPECT_EQ(occurrences(text, "# HELP test_connections "), 1u);
    EXPECT_EQ(occurrences(text, "# TYPE test_connections gauge"), 1u);
    EXPECT_EQ(occurrences(text, "# TYPE test_other counter"), 1u);
    open = 5;
    EXPECT_EQ(series(metrics.scrape(), R"(test_connections{listener="public"})"), 5);
}

TEST(GatewayMetricsTest, CountsFromManyThreadsAddUp) {
    GatewayMetrics metrics;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10'000; ++i) metrics.request_finished(RouteGroup::auth, 302, 1ms);
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(series(metrics.scrape(), R"(intercom_gateway_requests_total{route="auth",status_class="3xx"})"), 40'000);
}

}  // namespace
}  // namespace icg::observability
