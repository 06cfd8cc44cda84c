// The admin listener: /metrics in Prometheus's text format, with what the gateway did (requests,
// logins, upstream calls, sessions ended, caches, Redis, process), /healthz and /readyz; what
// promtool makes of the output; and a real Prometheus server scraping a real gateway.
#include "gateway_fixture.hpp"

#include "support/admin_client.hpp"
#include "support/eventually.hpp"
#include "support/paths.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/time_scale.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

namespace icg::testing {
namespace {

using namespace std::chrono_literals;

std::size_t occurrences(const std::string& text, std::string_view needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

class MetricsTest : public GatewayTest {
protected:
    std::string scrape() {
        const auto answer = plain_request(gateway().admin_port(), "GET", "/metrics");
        EXPECT_EQ(answer.status, 200);
        return answer.body;
    }
    double value(const std::string& text, const std::string& series) {
        const auto v = series_value(text, series);
        EXPECT_TRUE(v.has_value()) << series << " is missing from:\n" << text;
        return v.value_or(-1);
    }
};

TEST_F(MetricsTest, CountsRequestsLoginsUpstreamOutcomesAndSessionsEnded) {
    const auto before = scrape();
    EXPECT_EQ(value(before, R"(intercom_gateway_logins_total{result="completed"})"), 0);
    EXPECT_EQ(value(before, R"(intercom_gateway_redis_connected)"), 1);

    auto client = browser();
    login(client);
    EXPECT_EQ(client.get("/intercom/echo/one").status, 200);
    EXPECT_EQ(client.get("/intercom/echo/two").status, 200);
    mock().set_api_fault("error500");
    EXPECT_EQ(client.get("/intercom/echo/three").status, 500);
    mock().set_api_fault("none");
    EXPECT_EQ(client.get("/nothing-here.txt").status, 404);
    // Intercom stops taking the token: the session holding it ends.
    mock().revoke_all_tokens();
    EXPECT_EQ(client.get("/intercom/echo/four").status, 401);
    // A request is counted once its answer is written, which the client may see first; its
    // access-log line comes after the count.
    ASSERT_TRUE(gateway().process().wait_for_output(R"("path":"/intercom/echo/four")", 5s));

    const auto after = scrape();
    EXPECT_EQ(value(after, R"(intercom_gateway_logins_total{result="started"})"), 1);
    EXPECT_EQ(value(after, R"(intercom_gateway_logins_total{result="completed"})"), 1);
    EXPECT_EQ(value(after, R"(intercom_gateway_requests_total{route="auth",status_class="3xx"})"), 2);
    EXPECT_EQ(value(after, R"(intercom_gateway_requests_total{route="proxy",status_class="2xx"})"), 2);
    EXPECT_EQ(value(after, R"(intercom_gateway_requests_total{route="proxy",status_class="5xx"})"), 1);
    EXPECT_EQ(value(after, R"(intercom_gateway_requests_total{route="proxy",status_class="4xx"})"), 1);
    EXPECT_EQ(value(after, R"(intercom_gateway_requests_total{route="static",status_class="4xx"})"), 1);
    EXPECT_EQ(value(after, R"(intercom_gateway_request_duration_seconds_count{route="proxy"})"), 4);
    EXPECT_EQ(value(after, R"(intercom_gateway_upstream_calls_total{outcome="answered"})"), 2);
    EXPECT_EQ(value(after, R"(intercom_gateway_upstream_calls_total{outcome="server_error"})"), 1);
    EXPECT_EQ(value(after, R"(intercom_gateway_upstream_calls_total{outcome="revoked"})"), 1);
    EXPECT_EQ(value(after, R"(intercom_gateway_upstream_response_head_seconds_count{outcome="answered"})"), 2);
    EXPECT_EQ(value(after, R"(intercom_gateway_sessions_ended_total{cause="revoked"})"), 1);
    EXPECT_GE(value(after, R"(intercom_gateway_redis_command_duration_seconds_count)"), 4);
    // The proxied calls looked their session up in memory: the first missed, later ones hit.
    EXPECT_GE(value(after, R"(intercom_gateway_cache_lookups_total{cache="session",result="hit"})"), 1);
    EXPECT_GE(value(after, R"(intercom_gateway_cache_lookups_total{cache="session",result="miss"})"), 1);
    EXPECT_EQ(value(after, R"(intercom_gateway_cache_enabled{cache="session"})"), 1);
    EXPECT_GE(value(after, R"(intercom_gateway_upstream_connections_opened_total)"), 1);
    EXPECT_GE(value(after, R"(intercom_gateway_upstream_pool_connections{state="idle"})"), 0);
    EXPECT_GE(value(after, R"(intercom_gateway_upstream_pool_waiting)"), 0);
    EXPECT_GE(value(after, R"(intercom_gateway_tls_handshakes_in_progress{listener="public"})"), 0);
    EXPECT_GT(value(after, R"(process_open_fds)"), 5);
    EXPECT_GT(value(after, R"(process_resident_memory_bytes)"), 1e6);
    EXPECT_GT(value(after, R"(process_start_time_seconds)"), 1.7e9);

    // No label carries what a client chose or whom a session belongs to.
    for (const char* chosen : {"echo", "/intercom", "nothing-here", MockIntercom::default_workspace_id})
        EXPECT_EQ(after.find(chosen), std::string::npos) << chosen;
}

TEST_F(MetricsTest, TheAdminListenerServesHealthReadinessAndMetricsOnly) {
    const auto port = gateway().admin_port();
    EXPECT_EQ(plain_request(port, "GET", "/healthz").status, 200);
    EXPECT_EQ(plain_request(port, "GET", "/readyz").status, 200);
    EXPECT_EQ(plain_request(port, "HEAD", "/metrics").status, 200);
    EXPECT_EQ(plain_request(port, "POST", "/metrics").status, 405);
    EXPECT_EQ(plain_request(port, "GET", "/auth/login").status, 404);
    EXPECT_EQ(plain_request(port, "GET", "/intercom/me").status, 404);
    // Admin requests are counted, not logged (scrapes and probes would drown the access log).
    const auto text = scrape();
    EXPECT_GE(value(text, R"(intercom_gateway_requests_total{route="admin",status_class="2xx"})"), 1);
    EXPECT_GE(value(text, R"(intercom_gateway_requests_total{route="health",status_class="2xx"})"), 2);
    // …and the metrics are not on the public listener.
    EXPECT_EQ(browser().get("/metrics").status, 404);
    // A connection held open shows in the gauge.
    HttpsConnection held(gateway().port(), certificates().ca_file);
    EXPECT_EQ(held.request("GET", "/healthz").status, 200);
    // (The browser's connection above closes on its own time: the gauge is awaited, not read once.)
    std::string seen;
    EXPECT_TRUE(eventually(
        [&] {
            seen = scrape();
            return series_value(seen, R"(intercom_gateway_client_connections{listener="public"})") == 1;
        },
        scaled(5000ms)))
        << seen;
    stop_gateway();  // the access log is batched: everything is out once the gateway has exited
    const auto log = read_file(dir / "gateway.log");
    EXPECT_EQ(occurrences(log, R"("path":"/metrics")"), 1u) << "only the public listener's 404 is logged";
    EXPECT_EQ(occurrences(log, R"("path":"/healthz")"), 1u) << "only the held connection's";
}

TEST_F(MetricsTest, ReadinessTurns503OnTheAdminListenerWhenDraining) {
    start_gateway([](GatewaySettings& s) { s.set("server", "drain_delay", "2s"); });
    const auto port = gateway().admin_port();
    ASSERT_EQ(plain_request(port, "GET", "/readyz").status, 200);
    // A kept-alive connection opened before the drain, as a prober or scraper holds one.
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket held(io);
    held.connect({boost::asio::ip::address_v4::loopback(), port});
    boost::beast::flat_buffer buffer;
    const auto readyz = [&] {
        namespace bhttp = boost::beast::http;
        bhttp::request<bhttp::empty_body> request{bhttp::verb::get, "/readyz", 11};
        request.set(bhttp::field::host, "127.0.0.1");
        bhttp::write(held, request);
        bhttp::response<bhttp::string_body> response;
        bhttp::read(held, buffer, response);
        return response;
    };
    const auto before = readyz();
    ASSERT_EQ(before.result_int(), 200u);
    ASSERT_TRUE(before.keep_alive());
    ASSERT_TRUE(gateway().process().send_signal(SIGTERM));
    ASSERT_TRUE(gateway().process().wait_for_output("received SIGTERM", 5s));
    const auto during = readyz();
    EXPECT_EQ(during.result_int(), 503u) << during.body();
    EXPECT_FALSE(during.keep_alive()) << "a kept-alive admin connection must be told to close while draining";
    EXPECT_TRUE(eventually([&] { return plain_request(port, "GET", "/readyz").status == 503; }, 10s));
    EXPECT_EQ(value(scrape(), "intercom_gateway_draining"), 1);
    EXPECT_EQ(plain_request(port, "GET", "/healthz").status, 200);
    const auto status = gateway().process().wait_for_exit(20s);
    ASSERT_TRUE(status.has_value());
    EXPECT_TRUE(status->success()) << status->describe();
}

TEST_F(MetricsTest, AnEmptyAdminListenTurnsTheListenerOff) {
    start_gateway([](GatewaySettings& s) { s.set("admin", "listen", ""); });
    EXPECT_EQ(gateway().process().output().find("admin listener on"), std::string::npos);
    EXPECT_EQ(browser().get("/readyz").status, 200);
}

// promtool (Debian's prometheus package) is the format's own checker.
TEST_F(MetricsTest, PromtoolAcceptsTheOutput) {
    const std::filesystem::path promtool = "/usr/bin/promtool";
    ASSERT_TRUE(std::filesystem::exists(promtool)) << "promtool is missing: tests/run installs Debian's prometheus";
    auto client = browser();
    login(client);
    EXPECT_EQ(client.get("/intercom/echo/x").status, 200);
    const auto file = dir.write_file("metrics.txt", scrape());
    const std::string command = promtool.string() + " check metrics < " + file.string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[4096];
    while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << output;
    EXPECT_EQ(output, "") << "promtool's remarks";
}

// A real Prometheus server scrapes the admin listener; the series are then found through its
// query API. It needs a few seconds to find its target and scrape it: polled, bounded.
TEST_F(MetricsTest, APrometheusServerScrapesTheGateway) {
    const std::filesystem::path prometheus = "/usr/bin/prometheus";
    ASSERT_TRUE(std::filesystem::exists(prometheus)) << "prometheus is missing: tests/run installs it";
    auto client = browser();
    login(client);
    EXPECT_EQ(client.get("/intercom/echo/x").status, 200);

    const auto config = dir.write_file("prometheus.yml",
                                       "global:\n"
                                       "  scrape_interval: 1s\n"
                                       "scrape_configs:\n"
                                       "  - job_name: intercom-gateway\n"
                                       "    static_configs:\n"
                                       "      - targets: ['127.0.0.1:" +
                                           std::to_string(gateway().admin_port()) + "']\n");
    const auto web_port = free_port();
    ProcessOptions options;
    options.name = "prometheus";
    options.log_file = dir / "prometheus.log";
    Process server(prometheus.string(),
                   {"--config.file=" + config.string(), "--storage.tsdb.path=" + (dir / "tsdb").string(),
                    "--web.listen-address=127.0.0.1:" + std::to_string(web_port), "--log.level=warn"},
                   options);

    const auto query = [&](const std::string& promql) {
        return plain_request(web_port, "GET", "/api/v1/query?query=" + promql).body;
    };
    std::string found;
    const bool scraped = eventually(
        [&] {
            found = query("intercom_gateway_logins_total%7Bresult%3D%22completed%22%7D");
            return found.find(R"("job":"intercom-gateway")") != std::string::npos;
        },
        60s);
    ASSERT_TRUE(scraped) << "last answer: " << found << "\nprometheus said:\n" << server.output();
    EXPECT_NE(found.find(R"("result":"completed")"), std::string::npos) << found;
    EXPECT_NE(found.find(R"(,"1"])"), std::string::npos) << found;
    // The target is up, and the process and proxy series are there too.
    EXPECT_NE(query("up").find(R"(,"1"])"), std::string::npos);
    EXPECT_NE(query("process_open_fds").find(R"("job":"intercom-gateway")"), std::string::npos);
    const auto proxied = query("intercom_gateway_requests_total%7Broute%3D%22proxy%22%2Cstatus_class%3D%222xx%22%7D");
    EXPECT_NE(proxied.find(R"(,"1"])"), std::string::npos) << proxied;
}

}  // namespace
}  // namespace icg::testing
