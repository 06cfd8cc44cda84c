#pragma once
// What the gateway's units report about their work, each through the small interface it is
// handed in its constructor (the server its requests, the proxy its upstream calls, …). What
// happened is an enum, never free text: metric labels stay few and never carry what a client
// chose (a path, a workspace id, a token). observability/gateway_metrics implements them all;
// a unit built without one reports to no_telemetry().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace icg::observability {

// Which part of the gateway answered a request.
enum class RouteGroup : std::uint8_t {
    health,      // /healthz, /readyz
    auth,        // /auth/*
    proxy,       // /intercom/* from browsers
    service,     // /intercom/* from internal services
    workspaces,  // the internal listener's /workspaces
    static_files,
    admin,  // /metrics
    other,  // not found, refused before routing (malformed, plain HTTP on the TLS port)
};
inline constexpr std::size_t route_group_count = 8;
std::string_view name_of(RouteGroup group) noexcept;

// How one call to Intercom ended, as far as the gateway saw it.
enum class UpstreamOutcome : std::uint8_t {
    answered,      // any answer not listed below
    revoked,       // 401: the workspace revoked the app
    rate_limited,  // 429
    server_error,  // 5xx
    timeout,       // no answer head within proxy.response_timeout (or a stalled connection)
    unreachable,   // no connection, TLS failed, or the connection broke before an answer
    malformed,     // an answer whose framing the gateway refused
};
inline constexpr std::size_t upstream_outcome_count = 7;
std::string_view name_of(UpstreamOutcome outcome) noexcept;

enum class LoginResult : std::uint8_t {
    started,            // /auth/login sent the browser to Intercom
    throttled,          // too many pending logins for the browser or address
    completed,          // a session was made
    workspace_refused,  // intercom.allowed_workspaces left the workspace out
    denied,             // Intercom answered with an error (the user said no)
    invalid_state,      // a callback whose state is unknown, spent, expired or another browser's
    exchange_failed,    // the code exchange or /me failed
    store_unavailable,  // Redis did not answer
};
inline constexpr std::size_t login_result_count = 8;
std::string_view name_of(LoginResult result) noexcept;

// Sessions that time out (idle or absolute) end inside Redis, by their expiry, unseen: not counted.
enum class SessionEnd : std::uint8_t {
    logout,        // a browser carrying a session cookie logged out
    revoked,       // Intercom refused the token: every session of the workspace holding it ends
    disconnected,  // the workspace was disconnected (by a browser, a service, or Intercom's uninstall notice)
};
inline constexpr std::size_t session_end_count = 3;
std::string_view name_of(SessionEnd cause) noexcept;

class RequestTelemetry {
public:
    virtual ~RequestTelemetry() = default;
    // Once per answered request, with the time from its first byte to its last.
    virtual void request_finished(RouteGroup group, unsigned status, std::chrono::microseconds duration) noexcept = 0;
};

class UpstreamTelemetry {
public:
    virtual ~UpstreamTelemetry() = default;
    // `to_head`: from the call's start to the answer's head, or to the failure.
    virtual void upstream_call(UpstreamOutcome outcome, std::chrono::microseconds to_head) noexcept = 0;
};

class AuthTelemetry {
public:
    virtual ~AuthTelemetry() = default;
    virtual void login(LoginResult result) noexcept = 0;
    // `count` sessions ended at once (a revocation ends every session of a workspace).
    virtual void sessions_ended(SessionEnd cause, std::size_t count) noexcept = 0;
};

class CacheTelemetry {
public:
    virtual ~CacheTelemetry() = default;
    virtual void cache_lookup(bool hit) noexcept = 0;
};

class RedisTelemetry {
public:
    virtual ~RedisTelemetry() = default;
    // Each command's round trip; `failed` when it got no answer (timeout, connection lost) or an
    // error reply.
    virtual void redis_command(std::chrono::microseconds latency, bool failed) noexcept = 0;
};

// Reports nothing: the default for units built without metrics (tests, tools).
class NoTelemetry final : public RequestTelemetry,
                          public UpstreamTelemetry,
                          public AuthTelemetry,
                          public CacheTelemetry,
                          public RedisTelemetry {
public:
    void request_finished(RouteGroup, unsigned, std::chrono::microseconds) noexcept override {}
    void upstream_call(UpstreamOutcome, std::chrono::microseconds) noexcept override {}
    void login(LoginResult) noexcept override {}
    void sessions_ended(SessionEnd, std::size_t) noexcept override {}
    void cache_lookup(bool) noexcept override {}
    void redis_command(std::chrono::microseconds, bool) noexcept override {}
};
NoTelemetry& no_telemetry() noexcept;

}  // namespace icg::observability
