// The proxy's relay and policy against a fake upstream, a fake exchange and a fake caller: what
// Intercom is sent, what the client gets back, and what happens on a refused token or a failure.
#include "proxy/proxy_handler.hpp"

#include "core/random.hpp"
#include "proxy/fake_upstream.hpp"
#include "proxy/workspace_rate_limits.hpp"
#include "support/event_loop.hpp"
#include "support/fake_clock.hpp"

#include <gtest/gtest.h>

namespace icg::proxy {
namespace {

using testing::FakeCallerResolver;
using testing::FakeExchange;
using testing::FakeUpstreamClient;
using testing::ScriptedAnswer;

ScriptedAnswer scripted(unsigned status, std::string body, bool chunked = false,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    ScriptedAnswer a;
    a.status = status;
    a.body = std::move(body);
    a.chunked = chunked;
    a.headers = std::move(headers);
    return a;
}

class ProxyHandlerTest : public ::testing::Test {
protected:
    ProxyHandler handler() {
        return ProxyHandler({.upstream_host = "api.intercom.test", .upstream_path = "", .api_version = "2.14"}, callers,
                            upstream, rate_limits, random);
    }

    // Serves one request through a fresh handler.
    void serve(http::Request& request, FakeExchange& exchange) {
        auto h = handler();
        loop.run([&]() -> boost::asio::awaitable<void> { co_await h.serve(request, exchange); }());
    }

    static http::Request request(std::string method, std::string target) {
        http::Request r;
        r.method = std::move(method);
        r.target = std::move(target);
        r.headers.add("Host", "gateway.example");
        r.headers.add("Accept", "application/json");
        return r;
    }

    icg::testing::EventLoop loop;
    core::SystemRandom random;
    FakeCallerResolver callers;
    FakeUpstreamClient upstream;
    icg::testing::FakeClock clock;
    WorkspaceRateLimits rate_limits{clock};
};

TEST_F(ProxyHandlerTest, RelaysTheAnswerAndSendsTheCallersToken) {
    upstream.answer = scripted(200, std::string(40'000, 'b'), false,
                               {{"Content-Type", "application/json"}, {"X-RateLimit-Remaining", "9"}});
    auto req = request("GET", "/intercom/contacts?page=2");
    FakeExchange exchange;
    serve(req, exchange);

    EXPECT_EQ(callers.last_api_path, "/contacts");
    EXPECT_EQ(upstream.seen.method, "GET");
    EXPECT_EQ(upstream.seen.target, "/contacts?page=2");
    EXPECT_EQ(upstream.seen.fields.get("Authorization"), "Bearer " + callers.token);
    EXPECT_EQ(upstream.seen.fields.get("Host"), "api.intercom.test");
    EXPECT_EQ(upstream.seen.fields.get("Intercom-Version"), "2.14");
    EXPECT_TRUE(upstream.seen.resend_if_stale) << "a GET without a body may go again on a fresh connection";

    EXPECT_EQ(exchange.status, 200u);
    EXPECT_EQ(exchange.body, std::string(40'000, 'b'));
    EXPECT_TRUE(exchange.finished);
    EXPECT_EQ(exchange.headers.get("X-RateLimit-Remaining"), "9");
    EXPECT_EQ(exchange.headers.get("Cache-Control"), "no-store");
    EXPECT_FALSE(exchange.headers.get("X-Request-Id").empty());
    EXPECT_TRUE(upstream.seen.connection_kept);
}

TEST_F(ProxyHandlerTest, StreamsTheRequestBodyInPiecesAndEndsAChunkedOne) {
    auto req = request("POST", "/intercom/contacts/search");
    FakeExchange exchange(std::string(5000, 'x'), /*chunked=*/true);
    serve(req, exchange);
    EXPECT_EQ(upstream.seen.body, std::string(5000, 'x'));
    EXPECT_TRUE(upstream.seen.body_finished);
    EXPECT_FALSE(upstream.seen.content_length.has_value()) << "a chunked upload goes on chunked";
    EXPECT_FALSE(upstream.seen.resend_if_stale) << "a streamed body cannot be sent twice";
    EXPECT_EQ(exchange.status, 200u);
}

TEST_F(ProxyHandlerTest, ARefusedTokenIsTheCallersToEnd) {
    upstream.answer = scripted(401, R"({"type":"error.list"})");
    auto req = request("GET", "/intercom/me");
    FakeExchange exchange;
    serve(req, exchange);
    EXPECT_EQ(callers.refused_tokens, 1);
    EXPECT_EQ(exchange.status, 401u);
    EXPECT_EQ(exchange.body, R"({"error":"fake_refused"})");
    EXPECT_EQ(exchange.headers.get("Cache-Control"), "no-store");
}

TEST_F(ProxyHandlerTest, TheCallersRefusalIsAnsweredWithoutCallingIntercom) {
    callers.refusal = http::json_response(403, R"({"error":"not_allowed"})");
    auto req = request("DELETE", "/intercom/contacts/1");
    FakeExchange exchange;
    serve(req, exchange);
    EXPECT_EQ(upstream.seen.calls, 0);
    EXPECT_EQ(exchange.status, 403u);
}

TEST_F(ProxyHandlerTest, AnExhaustedWorkspaceIsHeldWithoutCallingIntercomUntilItsWindowResets) {
    const auto reset = std::to_string(clock.unix_seconds() + 7);
    upstream.answer = scripted(200, "{}", false, {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", reset}});
    auto first = request("GET", "/intercom/me");
    FakeExchange served;
    serve(first, served);
    EXPECT_EQ(served.status, 200u) << "the call that spent the last one is answered";
    EXPECT_EQ(upstream.seen.calls, 1);

    auto held = request("GET", "/intercom/contacts");
    FakeExchange exchange;
    serve(held, exchange);
    EXPECT_EQ(upstream.seen.calls, 1) << "no call to Intercom while the workspace has none left";
    EXPECT_EQ(exchange.status, 429u);
    EXPECT_EQ(exchange.body, R"({"error":"rate_limited"})");
    EXPECT_EQ(exchange.headers.get("Retry-After"), "7");
    EXPECT_EQ(exchange.log_note, "rate_limited_held");

    callers.workspace = "ws_other";  // another workspace has its own quota
    auto other = request("GET", "/intercom/me");
    FakeExchange other_exchange;
    upstream.answer = scripted(200, "{}", false, {{"X-RateLimit-Remaining", "50"}});
    serve(other, other_exchange);
    EXPECT_EQ(other_exchange.status, 200u);
    EXPECT_EQ(upstream.seen.calls, 2);

    callers.workspace = "ws_fake";
    clock.advance(std::chrono::seconds(7));
    auto after = request("GET", "/intercom/me");
    FakeExchange after_exchange;
    serve(after, after_exchange);
    EXPECT_EQ(after_exchange.status, 200u) << "a new window has begun";
    EXPECT_EQ(upstream.seen.calls, 3);
}

TEST_F(ProxyHandlerTest, IntercomsOwn429GetsARetryAfterFromItsReset) {
    const auto reset = std::to_string(clock.unix_seconds() + 4);
    upstream.answer = scripted(429, R"({"type":"error.list"})", false,
                               {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", reset}});
    auto req = request("GET", "/intercom/me");
    FakeExchange exchange;
    serve(req, exchange);
    EXPECT_EQ(exchange.status, 429u);
    EXPECT_EQ(exchange.headers.get("Retry-After"), "4");
    EXPECT_EQ(exchange.headers.get("X-RateLimit-Reset"), reset) << "Intercom's own figures pass through";
    auto next = request("GET", "/intercom/me");
    FakeExchange held;
    serve(next, held);
    EXPECT_EQ(upstream.seen.calls, 1);
    EXPECT_EQ(held.headers.get("Retry-After"), "4");
}

TEST_F(ProxyHandlerTest, ErrorBodiesAreScrubbedOrWithheld) {
    upstream.answer = scripted(400, R"({"message":"bad token tok-fake-0123456789"})");
    auto req = request("GET", "/intercom/contacts");
    FakeExchange small;
    serve(req, small);
    EXPECT_EQ(small.status, 400u);
    EXPECT_EQ(small.body, R"({"message":"bad token [redacted]"})");

    EXPECT_TRUE(upstream.seen.connection_kept) << "a body read to its end leaves the connection reusable";

    upstream.seen = {};
    upstream.answer = scripted(500, "tok-fake-0123456789", true);
    FakeExchange unknown_length;
    serve(req, unknown_length);
    EXPECT_EQ(unknown_length.status, 500u);
    EXPECT_EQ(unknown_length.body, R"({"error":"upstream_error","status":500})");
    EXPECT_FALSE(upstream.seen.connection_kept) << "a connection with an unread body must not be reused";
}

TEST_F(ProxyHandlerTest, AnUpstreamThatCannotBeReachedOrIsTooSlowIsAGatewayError) {
    upstream.answer.start_error = upstream::UpstreamErrc::connect_failed;
    auto req = request("GET", "/intercom/me");
    FakeExchange unreachable;
    serve(req, unreachable);
    EXPECT_EQ(unreachable.status, 502u);
    EXPECT_NE(unreachable.body.find("upstream_unavailable"), std::string::npos);

    EXPECT_EQ(unreachable.log_note, "upstream_failed");

    upstream.answer.start_error = upstream::UpstreamErrc::timeout;
    FakeExchange slow;
    serve(req, slow);
    EXPECT_EQ(slow.status, 504u);
    EXPECT_NE(slow.body.find("upstream_timeout"), std::string::npos);
    EXPECT_EQ(slow.log_note, "upstream_timeout");

    upstream.answer.start_error = upstream::UpstreamErrc::bad_framing;
    FakeExchange malformed;
    serve(req, malformed);
    EXPECT_EQ(malformed.status, 502u);
    EXPECT_EQ(malformed.log_note, "upstream_bad_framing");
}

// A small answer is read whole before anything goes to the client, so a failure while reading its
// body still gets a clean answer, judged as one before the answer came, and noted as in the body.
TEST_F(ProxyHandlerTest, AFailureInASmallAnswersBodyIsAGatewayErrorNotedAsInTheBody) {
    upstream.answer = scripted(200, std::string(2500, 'x'));
    const std::pair<upstream::UpstreamErrc, std::pair<unsigned, const char*>> cases[] = {
        {upstream::UpstreamErrc::timeout, {504u, "upstream_timeout_in_body"}},
        {upstream::UpstreamErrc::connect_failed, {502u, "upstream_failed_in_body"}},
        {upstream::UpstreamErrc::bad_framing, {502u, "upstream_bad_framing"}},
    };
    for (const auto& [error, expected] : cases) {
        upstream.answer.body_error = error;
        auto req = request("GET", "/intercom/me");
        FakeExchange exchange;
        serve(req, exchange);
        EXPECT_EQ(exchange.status, expected.first) << expected.second;
        EXPECT_EQ(exchange.log_note, expected.second);
        EXPECT_EQ(exchange.body.find(std::string(100, 'x')), std::string::npos) << "no part of the answer is passed on";
    }
}

TEST_F(ProxyHandlerTest, MethodsAndPathsAreJudgedBeforeAnyoneIsAsked) {
    for (const char* method : {"get", "TRACE", "PROPFIND"}) {
        auto req = request(method, "/intercom/me");
        FakeExchange exchange;
        serve(req, exchange);
        EXPECT_TRUE(exchange.status == 405u || exchange.status == 501u) << method << ": " << exchange.status;
    }
    auto options = request("OPTIONS", "/intercom/me");
    FakeExchange preflight;
    serve(options, preflight);
    EXPECT_EQ(preflight.status, 204u);
    auto dots = request("GET", "/intercom/a/../../auth/session");
    FakeExchange bad_path;
    serve(dots, bad_path);
    EXPECT_EQ(bad_path.status, 400u);
    EXPECT_EQ(upstream.seen.calls, 0);
    EXPECT_TRUE(callers.last_api_path.empty()) << "the caller was resolved for a request refused on its form";
}

}  // namespace
}  // namespace icg::proxy
