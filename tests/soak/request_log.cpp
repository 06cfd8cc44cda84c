#include "request_log.hpp"

#include <numeric>

namespace icg::soak {

std::string_view kind_name(RequestKind kind) noexcept {
    switch (kind) {
        case RequestKind::auth_login:
            return "auth/login";
        case RequestKind::mock_consent:
            return "mock consent";
        case RequestKind::auth_callback:
            return "auth/callback";
        case RequestKind::auth_session:
            return "auth/session";
        case RequestKind::auth_logout:
            return "auth/logout";
        case RequestKind::api_contacts:
            return "GET contacts";
        case RequestKind::api_me:
            return "GET me";
        case RequestKind::api_echo:
            return "POST echo";
        case RequestKind::api_stream:
            return "GET stream";
        case RequestKind::abort_upload:
            return "abort upload";
        case RequestKind::abort_download:
            return "abort download";
    }
    return "unknown";
}

std::string_view outcome_name(Outcome outcome) noexcept {
    switch (outcome) {
        case Outcome::ok:
            return "ok";
        case Outcome::server_error:
            return "5xx";
        case Outcome::wrong_body:
            return "wrong body";
        case Outcome::unexpected_status:
            return "other status";
        case Outcome::transport_error:
            return "no answer";
        case Outcome::aborted:
            return "aborted";
    }
    return "unknown";
}

std::uint64_t KindTotals::total() const {
    return std::accumulate(outcomes.begin(), outcomes.end(), std::uint64_t{0});
}

void RequestLog::record(RequestKind kind, Outcome outcome, unsigned status, double start, double end,
                        std::string detail) {
    std::lock_guard lock(mutex_);
    auto& k = kinds_[std::size_t(kind)];
    ++k.outcomes[std::size_t(outcome)];
    ++k.statuses[status];
    ++totals_.requests;
    switch (outcome) {
        case Outcome::ok:
            k.ok_seconds.push_back(float(end - start));
            return;
        case Outcome::aborted:
            return;
        case Outcome::server_error:
            ++totals_.server_errors;
            break;
        case Outcome::transport_error:
            ++totals_.transport_errors;
            break;
        case Outcome::wrong_body:
            ++totals_.wrong_bodies;
            break;
        case Outcome::unexpected_status:
            break;
    }
    incidents_.push_back({kind, outcome, status, start, end, std::move(detail)});
}

Totals RequestLog::totals() const {
    std::lock_guard lock(mutex_);
    return totals_;
}

std::array<KindTotals, kRequestKinds> RequestLog::by_kind() const {
    std::lock_guard lock(mutex_);
    return kinds_;
}

std::vector<Incident> RequestLog::incidents() const {
    std::lock_guard lock(mutex_);
    return incidents_;
}

}  // namespace icg::soak
