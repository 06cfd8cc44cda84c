#pragma once
// The mock Intercom (tests/mock_intercom) as a child process on a port of its own, with its
// control endpoints: fault modes, revocation and call counters.
#include "support/certificates.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_client.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace icg::testing {

struct MockStats {
    long long authorize = 0;
    long long token = 0;
    long long me = 0;
    long long api = 0;          // the REST endpoints: /echo, /stream, /slow, /rate-limited, /contacts
    long long connections = 0;  // TLS connections accepted, including the ones tests make to /__mock/
    long long resumed = 0;      // of those, TLS handshakes that resumed an earlier session
};

// A request as the mock received it: what /echo answers and /__mock/last-request describes.
struct SeenRequest {
    std::string method;
    std::string path;    // undecoded, as on the request line
    std::string query;   // after '?', undecoded
    HeaderList headers;  // in order, with duplicates
    long long body_length = -1;
    std::string body_sha256;

    std::string header(std::string_view name) const;  // first value, empty when absent
    std::vector<std::string> headers_named(std::string_view name) const;
    bool has_header(std::string_view name) const;
};
// nullopt when `json` is not the mock's description of a request.
std::optional<SeenRequest> parse_seen_request(std::string_view json);

class MockIntercom {
public:
    static constexpr const char* client_id = "test-client";
    static constexpr const char* client_secret = "test-secret";

    MockIntercom(const TempDir& dir, const Certificates& certificates);

    std::uint16_t port() const noexcept { return port_; }
    std::string origin() const { return "https://localhost:" + std::to_string(port_); }
    std::string authorize_url() const { return origin() + "/oauth"; }
    std::string token_url() const { return origin() + "/auth/eagle/token"; }
    std::string api_base() const { return origin(); }

    // mode: ok | reject | error500 | garbage | slow | no_token
    void set_token_mode(const std::string& mode);
    // mode: ok | error500 | slow
    void set_me_mode(const std::string& mode);
    // mode: none | error500 | stall | reset, for the API endpoints (/echo, /stream, /contacts, …;
    // not /me or the OAuth routes): 500, no answer for 30 s, or the connection closed unanswered.
    void set_api_fault(const std::string& mode);
    void revoke_all_tokens();
    MockStats stats();
    // Every access token the mock has handed out, so tests can search logs and Redis for them.
    std::vector<std::string> issued_tokens();
    // The latest API (or /me) request the mock received; nullopt before the first one.
    std::optional<SeenRequest> last_request();

    Process& process() { return *process_; }
    // Stops the mock by its PID and starts a new one on the same port: every connection to the
    // old one is gone, and so is its state (codes, tokens, counters, modes).
    void restart();

private:
    void start(const std::string& listen);
    void control(const std::string& method, const std::string& target);  // throws unless 2xx

    const Certificates& certificates_;
    std::filesystem::path log_dir_;
    int starts_ = 0;
    std::unique_ptr<Process> process_;
    std::uint16_t port_ = 0;
};

}  // namespace icg::testing
