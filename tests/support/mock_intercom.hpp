#pragma once
// The mock Intercom (tests/mock_intercom) as a child process on a port of its own, with its
// control endpoints: fault modes, revocation and call counters.
#include "support/certificates.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace icg::testing {

struct MockStats {
    long long authorize = 0;
    long long token = 0;
    long long me = 0;
};

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
    void revoke_all_tokens();
    MockStats stats();
    // Every access token the mock has handed out, so tests can search logs and Redis for them.
    std::vector<std::string> issued_tokens();

    Process& process() { return *process_; }

private:
    void control(const std::string& method, const std::string& target);  // throws unless 2xx

    const Certificates& certificates_;
    std::unique_ptr<Process> process_;
    std::uint16_t port_ = 0;
};

}  // namespace icg::testing
