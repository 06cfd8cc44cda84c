#include "proxy/proxy_handler.hpp"

#include "core/base64.hpp"
#include "core/random.hpp"
#include "http/json_error.hpp"
#include "proxy/header_rules.hpp"
#include "proxy/method_policy.hpp"
#include "proxy/path_rules.hpp"
#include "proxy/token_scrubber.hpp"
#include "proxy/workspace_rate_limits.hpp"
#include "server/exchange.hpp"
#include "upstream/upstream_client.hpp"
#include "upstream/upstream_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <vector>

namespace icg::proxy {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_client_request_id = 128;

// Request ids must be unique, not secret. They are still drawn from the CSPRNG, but 3 KiB at a
// time: a RAND_bytes call per request showed in profiles (it also asks the kernel for the pid).
std::string new_request_id(core::Random& random) {
    constexpr std::size_t id_bytes = 16;
    thread_local std::array<std::uint8_t, 192 * id_bytes> pool;
    thread_local std::size_t used = pool.size();
    if (used == pool.size()) {
        random.fill(pool);
        used = 0;
    }
    const std::string_view bytes(reinterpret_cast<const char*>(pool.data() + used), id_bytes);
    used += id_bytes;
    return core::base64url_encode(bytes);
}

bool sane_request_id(std::string_view id) {
    return !id.empty() && id.size() <= max_client_request_id && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':';
    });
}

bool is_idempotent(std::string_view method) {
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE" ||
           method == "TRACE";
}

std::chrono::microseconds since(Clock::time_point started) {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
}

// What went wrong talking to the upstream: one judgement, for the metrics and for the answer.
observability::UpstreamOutcome failure_outcome(const error_code& ec) {
    using observability::UpstreamOutcome;
    if (ec == upstream::UpstreamErrc::timeout || ec == beast::error::timeout) return UpstreamOutcome::timeout;
    if (ec == upstream::UpstreamErrc::bad_framing) return UpstreamOutcome::malformed;
    return UpstreamOutcome::unreachable;
}

// The failure as the client should hear it, and the access log's note: what failed, and whether
// the answer's head had come already.
enum class Stage { before_answer, in_body };
http::Response upstream_failure(const error_code& ec, Stage stage) {
    using observability::UpstreamOutcome;
    const bool in_body = stage == Stage::in_body;
    switch (failure_outcome(ec)) {
        case UpstreamOutcome::timeout:
            return http::json_error(504, "upstream_timeout", in_body ? "upstream_timeout_in_body" : "upstream_timeout");
        case UpstreamOutcome::malformed:
            return http::json_error(502, "upstream_unavailable", "upstream_bad_framing");
        default:
            return http::json_error(502, "upstream_unavailable",
                                    in_body ? "upstream_failed_in_body" : "upstream_failed");
    }
}

observability::UpstreamOutcome answer_outcome(unsigned status) {
    using observability::UpstreamOutcome;
    if (status == 401) return UpstreamOutcome::revoked;
    if (status == 429) return UpstreamOutcome::rate_limited;
    if (status >= 500) return UpstreamOutcome::server_error;
    return UpstreamOutcome::answered;
}

// The gateway's answer to OPTIONS on /intercom/*: what the API takes, and no cross-origin grant,
// so a cross-site preflight fails in the browser and the call never happens.
http::Response options_answer() {
    http::Response r;
    r.status = 204;
    r.headers.add("Allow", proxy_allowed_methods);
    r.log_note = "proxy_options";
    return r;
}

http::Response method_refused(MethodVerdict verdict) {
    if (verdict == MethodVerdict::not_allowed) {
        auto r = http::json_error(405, "method_not_allowed", "proxy_method_not_allowed");
        r.headers.add("Allow", proxy_allowed_methods);
        return r;
    }
    return http::json_error(501, "method_not_implemented", "proxy_method_not_implemented");
}

http::Response rate_limited(std::chrono::seconds retry_after) {
    auto r = http::json_error(429, "rate_limited", "rate_limited_held");
    r.headers.add("Retry-After", std::to_string(retry_after.count()));
    return r;
}

http::Response too_many_in_flight() {
    auto r = http::json_error(429, "too_many_in_flight", "proxy_session_busy");
    r.headers.add("Retry-After", "1");
    return r;
}

// An upstream error body that cannot be checked for the token (too big to hold, of unknown length,
// or compressed) is not passed on: the browser gets the status and this instead.
std::string withheld_error_body(unsigned status) {
    return "{\"error\":\"upstream_error\",\"status\":" + std::to_string(status) + "}";
}

bool identity_encoded(const http::Headers& headers) {
    const auto encoding = headers.get("Content-Encoding");
    return encoding.empty() || http::iequals(encoding, "identity");
}

// An answer the gateway makes itself carries the request id like a relayed one does: in its
// X-Request-Id header and in the access log, where an error needs it most. Takes references to
// the caller's locals: a by-value argument would be a temporary in the co_await (GCC 12).
// No cache may keep it: it is about one session.
asio::awaitable<void> answer(server::Exchange& exchange, http::Response& response, const std::string& request_id) {
    response.headers.set("X-Request-Id", request_id);
    response.headers.set("Cache-Control", "no-store");
    response.request_id = request_id;
    co_await exchange.respond(std::move(response));
}

}  // namespace

bool is_proxy_path(std::string_view path) noexcept {
    return path == proxy_prefix || path.starts_with("/intercom/");
}

ProxyHandler::ProxyHandler(ProxySettings settings, CallerResolver& callers, upstream::UpstreamClient& upstream,
                           WorkspaceRateLimits& rate_limits, core::Random& random,
                           observability::UpstreamTelemetry& telemetry)
    : settings_(std::move(settings)),
      callers_(callers),
      upstream_(upstream),
      rate_limits_(rate_limits),
      random_(random),
      telemetry_(telemetry),
      calls_in_flight_(settings_.max_in_flight_per_caller) {}

asio::awaitable<void> ProxyHandler::serve(http::Request& head, server::Exchange& exchange) {
    const std::string client_id(head.headers.get("X-Request-Id"));
    const std::string request_id = sane_request_id(client_id) ? client_id : new_request_id(random_);

    const MethodVerdict verdict = judge_method(head.method);
    if (verdict == MethodVerdict::answer_options) {
        auto r = options_answer();
        co_await answer(exchange, r, request_id);
        co_return;
    }
    if (verdict != MethodVerdict::forward) {
        auto r = method_refused(verdict);
        co_await answer(exchange, r, request_id);
        co_return;
    }

    const auto target = upstream_target(head.target);
    if (!target) {
        auto r = http::json_error(400, "bad_path", "proxy_bad_path");
        co_await answer(exchange, r, request_id);
        co_return;
    }
    const std::string_view api_path = std::string_view(*target).substr(0, target->find('?'));
    Resolution resolution = co_await callers_.resolve(head, api_path);
    if (auto* refused = std::get_if<http::Response>(&resolution)) {
        co_await answer(exchange, *refused, request_id);
        co_return;
    }
    Caller& caller = *std::get<std::unique_ptr<Caller>>(resolution);

    // The workspace has no calls left in Intercom's window: wait here, not at Intercom's expense.
    if (const auto wait = rate_limits_.hold(caller.workspace_id())) {
        auto r = rate_limited(*wait);
        co_await answer(exchange, r, request_id);
        co_return;
    }

    // Held until the answer is relayed, so one caller cannot hold every upstream connection.
    const auto place = co_await calls_in_flight_.enter(caller.concurrency_key(), settings_.in_flight_patience);
    if (!place) {
        auto r = too_many_in_flight();
        co_await answer(exchange, r, request_id);
        co_return;
    }

    // The request head for Intercom: the client's end-to-end fields under the header rules.
    const auto content_length = exchange.request_content_length();
    const bool has_body = !content_length || *content_length > 0;
    const UpstreamIdentity identity{caller.bearer_token(), settings_.upstream_host, settings_.api_version, request_id};
    const http::Headers fields = upstream_request_headers(head.headers, identity);
    const std::string upstream_target = settings_.upstream_path + *target;
    const upstream::RequestHead request_head{
        .method = head.method,
        .target = upstream_target,
        .fields = fields,
        .content_length = content_length,
        // A request that has sent no client body can go again, once, when a kept-alive connection
        // turns out to have been closed by Intercom while idle.
        .resend_if_stale = is_idempotent(head.method) && !has_body};
    const upstream::CallTimeouts timeouts{.response = settings_.response_timeout,
                                          .idle_body = settings_.idle_body_timeout};
    const auto started = Clock::now();
    // Waiting here for a connection holds only this small frame; relay() has the heavy one.
    auto call = co_await upstream_.start(request_head, timeouts);
    if (!call) {
        const error_code failure = call.error();
        telemetry_.upstream_call(failure_outcome(failure), since(started));
        auto r = upstream_failure(failure, Stage::before_answer);
        co_await answer(exchange, r, request_id);
        co_return;
    }
    const Forward forward{.exchange = exchange, .caller = caller, .request_id = request_id, .has_body = has_body};
    co_await relay(**call, forward, started);
}

asio::awaitable<void> ProxyHandler::relay(upstream::UpstreamCall& call, const Forward& forward,
                                          Clock::time_point started) {
    server::Exchange& exchange = forward.exchange;
    const std::string& request_id = forward.request_id;

    // Request body: client → upstream, one buffer at a time (the call frames it as it was sent).
    error_code failure;
    while (forward.has_body) {
        const std::span<char> into = call.relay_buffer();
        auto got = co_await exchange.read_request_body(into);
        if (!got) co_return;  // the client went away mid-upload; the call's connection is dropped
        if (*got == 0) {
            failure = co_await call.finish_body();
            break;
        }
        const std::span<const char> piece(into.data(), *got);
        if ((failure = co_await call.write_body(piece))) break;
    }
    if (!failure) failure = co_await call.read_head();
    if (failure) {
        telemetry_.upstream_call(failure_outcome(failure), since(started));
        auto r = upstream_failure(failure, Stage::before_answer);
        co_await answer(exchange, r, request_id);
        co_return;
    }
    const auto upstream_header_time = since(started);
    telemetry_.upstream_call(answer_outcome(call.status()), upstream_header_time);
    rate_limits_.observe(forward.caller.workspace_id(), call.status(), call.headers());
    // The token no longer works: the caller ends what holds it, everywhere, and says what to answer.
    if (call.status() == 401) {
        auto r = co_await forward.caller.token_refused();
        co_await answer(exchange, r, request_id);
        co_return;
    }

    server::ResponseHead response_head;
    response_head.status = call.status();
    response_head.headers = client_response_headers(call.headers());
    response_head.headers.set("X-Request-Id", request_id);
    // The answer is about this session: no shared or browser cache may keep it.
    response_head.headers.set("Cache-Control", "no-store");
    // Intercom's 429 says when its window resets but not in the field clients read.
    if (call.status() == 429 && !response_head.headers.contains("Retry-After"))
        response_head.headers.set("Retry-After", std::to_string(rate_limits_.retry_after(call.headers()).count()));
    const unsigned status = response_head.status;
    response_head.no_body = call.no_body();
    response_head.content_length = call.content_length();
    response_head.log_note = "proxied";
    response_head.request_id = request_id;
    response_head.upstream_time = upstream_header_time;

    // An error answer may quote the token it refused: its body is passed on only once scrubbed,
    // so it must be small, of known length and not compressed; otherwise it is withheld.
    constexpr std::size_t small_body = 16 * 1024;  // the call's relay buffer
    const bool error_answer = (status < 200 || status >= 300) && !response_head.no_body;
    const bool small = response_head.content_length && *response_head.content_length <= small_body;
    if (error_answer && !(small && identity_encoded(response_head.headers))) {
        response_head.headers.erase("Content-Encoding");
        response_head.headers.erase("ETag");
        response_head.headers.set("Content-Type", "application/json");
        response_head.log_note = "proxied_error_withheld";
        const std::string replacement = withheld_error_body(status);
        const std::span<const char> bytes(replacement);
        co_await exchange.write_response(std::move(response_head), bytes);
        co_return;  // the unread body stays on the connection: it is not reused
    }

    // The common case, a small body of known length (usually already read with the head), goes
    // out with the head in one write: one TLS record and one system call instead of three.
    if (response_head.no_body || small) {
        const std::span<char> whole_body =
            call.relay_buffer().first(response_head.no_body ? 0 : *response_head.content_length);
        std::size_t filled = 0;
        while (!call.body_done()) {
            if (filled == whole_body.size()) {  // more than it announced: not a message we can relay
                auto r = http::json_error(502, "upstream_unavailable", "upstream_bad_framing");
                co_await answer(exchange, r, request_id);
                co_return;
            }
            auto got = co_await call.read_body(whole_body.subspan(filled));
            if (!got) {  // nothing has gone to the client yet, so it can still get a clean answer
                const error_code read_failure = got.error();
                auto r = upstream_failure(read_failure, Stage::in_body);
                co_await answer(exchange, r, request_id);
                co_return;
            }
            filled += *got;
        }
        if (error_answer) {
            std::string scrubbed(whole_body.data(), filled);
            if (scrub_token(scrubbed, forward.caller.bearer_token()) > 0)
                response_head.log_note = "proxied_token_scrubbed";
            const std::span<const char> whole(scrubbed);
            if (co_await exchange.write_response(std::move(response_head), whole)) co_return;
        } else {
            const std::span<const char> whole(whole_body.data(), filled);
            if (co_await exchange.write_response(std::move(response_head), whole)) co_return;
        }
        call.finish();
        co_return;
    }

    if (co_await exchange.write_response_head(std::move(response_head))) co_return;

    // Response body: upstream → client, one buffer at a time.
    const std::span<char> buffer = call.relay_buffer();
    for (;;) {
        auto got = co_await call.read_body(buffer);
        if (!got) co_return;  // the upstream broke mid-body: the client sees a truncated message
        if (*got == 0) break;
        const std::span<const char> piece(buffer.data(), *got);
        if (co_await exchange.write_response_body(piece)) co_return;  // the client went away
    }
    if (co_await exchange.finish_response()) co_return;
    call.finish();
}

}  // namespace icg::proxy
