#pragma once
// One browser's login through the real flow (GET /auth/login, the mock's consent page, GET
// /auth/callback, GET /auth/session) and its logout, each step recorded and checked.
#include "endpoints.hpp"
#include "request_log.hpp"
#include "run_clock.hpp"

#include "support/test_client.hpp"

#include <optional>
#include <string>

namespace icg::soak {

// The expected status and a body that checks out: ok; a 5xx: server_error; else unexpected_status.
Outcome classify(unsigned status, unsigned expected, bool body_ok);
// A short, single-line excerpt of a body for the report.
std::string excerpt(std::string_view body);

class LoginFlow {
public:
    LoginFlow(const Endpoints& endpoints, RequestLog& log, const RunClock& clock)
        : endpoints_(endpoints), log_(log), clock_(clock) {}

    // The session cookie once every step answered as it should; nullopt after the first that did not.
    std::optional<std::string> log_in(testing::TestClient& browser);
    // POST /auth/logout, then the old cookie must be refused by /auth/session and the proxy (401).
    void log_out(testing::TestClient& browser, const std::string& cookie);

private:
    // Records a step; true when it was ok.
    bool note(RequestKind kind, double start, const testing::HttpResponse& response, unsigned expected, bool body_ok);
    void note_failure(RequestKind kind, double start, const std::exception& e);

    Endpoints endpoints_;
    RequestLog& log_;
    const RunClock& clock_;
};

}  // namespace icg::soak
