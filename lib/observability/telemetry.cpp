#include "observability/telemetry.hpp"

namespace icg::observability {

std::string_view name_of(RouteGroup group) noexcept {
    switch (group) {
        case RouteGroup::health:
            return "health";
        case RouteGroup::auth:
            return "auth";
        case RouteGroup::proxy:
            return "proxy";
        case RouteGroup::service:
            return "service";
        case RouteGroup::workspaces:
            return "workspaces";
        case RouteGroup::static_files:
            return "static";
        case RouteGroup::admin:
            return "admin";
        case RouteGroup::other:
            return "other";
    }
    return "other";
}

std::string_view name_of(UpstreamOutcome outcome) noexcept {
    switch (outcome) {
        case UpstreamOutcome::answered:
            return "answered";
        case UpstreamOutcome::revoked:
            return "revoked";
        case UpstreamOutcome::rate_limited:
            return "rate_limited";
        case UpstreamOutcome::server_error:
            return "server_error";
        case UpstreamOutcome::timeout:
            return "timeout";
        case UpstreamOutcome::unreachable:
            return "unreachable";
        case UpstreamOutcome::malformed:
            return "malformed";
    }
    return "answered";
}

std::string_view name_of(LoginResult result) noexcept {
    switch (result) {
        case LoginResult::started:
            return "started";
        case LoginResult::throttled:
            return "throttled";
        case LoginResult::completed:
            return "completed";
        case LoginResult::workspace_refused:
            return "workspace_refused";
        case LoginResult::denied:
            return "denied";
        case LoginResult::invalid_state:
            return "invalid_state";
        case LoginResult::exchange_failed:
            return "exchange_failed";
        case LoginResult::store_unavailable:
            return "store_unavailable";
    }
    return "started";
}

std::string_view name_of(SessionEnd cause) noexcept {
    switch (cause) {
        case SessionEnd::logout:
            return "logout";
        case SessionEnd::revoked:
            return "revoked";
        case SessionEnd::disconnected:
            return "disconnected";
    }
    return "logout";
}

NoTelemetry& no_telemetry() noexcept {
    static NoTelemetry none;
    return none;
}

}  // namespace icg::observability
