#pragma once
// Every request the soak made, by kind and outcome, with the time it was in flight: the answers
// that are not plain successes are kept one by one, so the report can tell a 5xx inside a fault
// window (expected) from one outside (a bug).
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace icg::soak {

enum class RequestKind {
    auth_login,      // GET /auth/login
    mock_consent,    // GET /oauth at the mock (not the gateway: counted to see the login flow whole)
    auth_callback,   // GET /auth/callback
    auth_session,    // GET /auth/session
    auth_logout,     // POST /auth/logout
    api_contacts,    // GET /intercom/contacts[/id]
    api_me,          // GET /intercom/me
    api_echo,        // POST /intercom/echo/... with a body
    api_stream,      // GET /intercom/stream?bytes=N
    abort_upload,    // an upload the client abandons midway
    abort_download,  // a download the client abandons midway
};
inline constexpr std::size_t kRequestKinds = 11;
std::string_view kind_name(RequestKind kind) noexcept;

enum class Outcome {
    ok,                 // the expected status, and the body checked out
    server_error,       // a 5xx
    wrong_body,         // the expected status with a body that does not check out (hash, JSON)
    unexpected_status,  // any other status
    transport_error,    // no answer: the connection failed, was cut or timed out
    aborted,            // the client left on purpose (abort_* kinds)
};
inline constexpr std::size_t kOutcomes = 6;
std::string_view outcome_name(Outcome outcome) noexcept;

struct Incident {
    RequestKind kind;
    Outcome outcome;
    unsigned status = 0;  // 0 when there was no answer
    double start = 0;     // seconds into the run
    double end = 0;
    std::string detail;
};

struct KindTotals {
    std::array<std::uint64_t, kOutcomes> outcomes{};
    std::map<unsigned, std::uint64_t> statuses;  // every status answered, 0 for no answer
    std::vector<float> ok_seconds;               // latency of each successful request
    std::uint64_t total() const;
};

struct Totals {
    std::uint64_t requests = 0;
    std::uint64_t server_errors = 0;
    std::uint64_t transport_errors = 0;
    std::uint64_t wrong_bodies = 0;
};

// Thread-safe.
class RequestLog {
public:
    void record(RequestKind kind, Outcome outcome, unsigned status, double start, double end, std::string detail = {});

    Totals totals() const;
    std::array<KindTotals, kRequestKinds> by_kind() const;
    std::vector<Incident> incidents() const;  // every outcome but ok and aborted

private:
    mutable std::mutex mutex_;
    std::array<KindTotals, kRequestKinds> kinds_{};
    std::vector<Incident> incidents_;
    Totals totals_;
};

}  // namespace icg::soak
