#pragma once
// The mock Intercom (tests/mock_intercom) as a child process on a port of its own, with its
// control endpoints: fault modes, revocation, workspaces, the rate limit and call counters.
#include "support/certificates.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_client.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
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
    long long api = 0;              // the REST endpoints: /echo, /stream, /slow, /rate-limited, /contacts
    long long connections = 0;      // TLS connections accepted, including the ones tests make to /__mock/
    long long resumed = 0;          // of those, TLS handshakes that resumed an earlier session
    long long uninstall_calls = 0;  // POST /auth/uninstall, whatever the answer
    // `api` by the workspace of the request's live token (every workspace, 0s included), 429s
    // included: what reached the mock, allowed or not. Requests with no live token count in `api` only.
    std::map<std::string, long long> api_calls_by_workspace;

    long long api_calls(const std::string& workspace_id) const;  // -1 for a workspace the mock does not know
};

// A workspace besides the default one, passed to the mock as --workspace ID:NAME. Its admin is
// derived: id 7310564 + its place (the default is 0), "Admin of NAME", admin+ID@example.com.
struct MockWorkspace {
    std::string id;  // letters, digits, '_' and '-'
    std::string name;
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
    // The workspace /oauth approves until authorize_workspace() says otherwise.
    static constexpr const char* default_workspace_id = "ws_demo1";
    static constexpr const char* default_workspace_name = "Demo Workspace";
    static constexpr const char* default_admin_id = "7310564";

    // `more_workspaces` come after the default one, in this order; kept across restart().
    MockIntercom(const TempDir& dir, const Certificates& certificates, std::vector<MockWorkspace> more_workspaces = {});

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
    // From now on /oauth approves this workspace: the codes it issues, and the tokens they buy,
    // belong to it. Throws for an unknown id (the mock answers 404).
    void authorize_workspace(const std::string& id);
    // As if an admin removed the app in Intercom's UI: every token (and unredeemed code) of the
    // workspace stops working, with no call from the gateway. Throws for an unknown id.
    void uninstall_workspace(const std::string& id);
    // `limit` requests per workspace per `window`; every workspace starts a fresh window. The
    // mock's default is 100000 per 10 s.
    void set_rate_limit(long long limit, std::chrono::milliseconds window = std::chrono::seconds(10));
    MockStats stats();
    // An access token of the workspace the mock approves now, from /oauth and the token exchange
    // called directly (no gateway involved).
    std::string obtain_token();
    // Every access token the mock has handed out, so tests can search logs and Redis for them.
    std::vector<std::string> issued_tokens();
    // The latest API (or /me, /auth/uninstall) request the mock received; nullopt before the first one.
    std::optional<SeenRequest> last_request();

    Process& process() { return *process_; }
    // Stops the mock by its PID and starts a new one on the same port: every connection to the
    // old one is gone, and so is its state (codes, tokens, counters, modes).
    void restart();

private:
    void start(const std::string& listen);
    void control(const std::string& method, const std::string& target);  // throws unless 2xx

    const Certificates& certificates_;
    std::vector<MockWorkspace> more_workspaces_;
    std::filesystem::path log_dir_;
    int starts_ = 0;
    std::unique_ptr<Process> process_;
    std::uint16_t port_ = 0;
};

}  // namespace icg::testing
