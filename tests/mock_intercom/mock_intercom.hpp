#pragma once
// A stand-in for Intercom's OAuth and REST API, for integration tests and the local demo.
// Behaves like the real service on the paths the gateway uses, and exposes /__mock/ controls
// so tests can make it fail in the ways the real one can.
#include "mock_rate_limit.hpp"

#include "core/secret.hpp"
#include "server/handler.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace icg::core {
class Clock;
class Random;
}  // namespace icg::core

namespace icg::mock {

// A workspace besides the default one (--workspace ID:NAME); its admin is derived from it.
struct WorkspaceSpec {
    std::string id;
    std::string name;
};

struct MockIntercomConfig {
    std::string client_id;
    core::Secret client_secret;
    // The default workspace, the first one, which /oauth approves until told otherwise.
    std::string admin_name = "Ada Lovelace";
    std::string admin_email = "ada@example.com";
    std::string workspace_id = "ws_demo1";
    std::string workspace_name = "Demo Workspace";
    std::vector<WorkspaceSpec> more_workspaces;  // ids distinct from each other and from workspace_id
    std::chrono::seconds code_lifetime{600};
    std::chrono::milliseconds slow_delay{30'000};  // how long "slow" modes hold a request
};

// How POST /auth/eagle/token answers.
enum class TokenMode { ok, reject, error500, garbage, slow, no_token };
// How GET /me answers.
enum class MeMode { ok, error500, slow };
// A fault on the REST endpoints of mock_api.hpp (not /me, not the OAuth routes, so logins still
// work while the API fails): none answers normally; error500 answers 500; stall holds the request
// for slow_delay before answering; reset closes the connection without an answer.
enum class ApiFault { none, error500, stall, reset };

std::optional<TokenMode> parse_token_mode(std::string_view name) noexcept;
std::optional<MeMode> parse_me_mode(std::string_view name) noexcept;
std::optional<ApiFault> parse_api_fault(std::string_view name) noexcept;

// Requests seen on the Intercom endpoints, whatever their outcome. `api` counts the REST
// endpoints of mock_api.hpp (/echo, /stream, /slow, /rate-limited, /contacts); /me has its own.
struct MockStats {
    std::uint64_t authorize = 0;
    std::uint64_t token = 0;
    std::uint64_t me = 0;
    std::uint64_t api = 0;
    std::uint64_t uninstall = 0;  // POST /auth/uninstall, whatever the answer
    // `api` split by the workspace of the request's live token, in configuration order, 429s
    // included (so a test can prove nothing reached us while a workspace was over its limit);
    // requests with no live token count in `api` only.
    std::vector<std::pair<std::string, std::uint64_t>> api_by_workspace;
    std::uint64_t connections = 0;  // TLS handshakes the server has begun, from the counter below
    std::uint64_t resumed = 0;      // of those, the ones that resumed an earlier TLS session
};

enum class ApiRoute;  // mock_api.hpp

// Thread-safe: the server may call handle() from several threads at once.
class MockIntercom final : public server::Handler {
public:
    // `random` must be safe to call from several threads (SystemRandom is); both must outlive this.
    MockIntercom(MockIntercomConfig config, core::Random& random, const core::Clock& clock);
    ~MockIntercom() override;
    MockIntercom(const MockIntercom&) = delete;
    MockIntercom& operator=(const MockIntercom&) = delete;

    std::size_t body_limit(std::string_view method, std::string_view path) const override;
    boost::asio::awaitable<http::Response> handle(http::Request& request) override;

    // The same controls as the /__mock/ routes, for tests that hold the object.
    void revoke_all_tokens();
    // Which workspace /oauth approves from now on; false (and no change) for an unknown id.
    bool authorize_workspace(std::string_view id);
    // As if an admin removed the app in Intercom: every token and unredeemed code of the workspace
    // stops working; false for an unknown id.
    bool uninstall_workspace(std::string_view id);
    // Every workspace starts a fresh window under the new limit.
    void set_rate_limit(RateLimit limit);
    void set_token_mode(TokenMode mode);
    void set_me_mode(MeMode mode);
    void set_api_fault(ApiFault fault);
    MockStats stats() const;
    // Where stats().connections comes from: the server owns the connections, not this handler.
    // Set before serving; must be safe to call from any thread.
    void count_connections_with(std::function<std::uint64_t()> counter, std::function<std::uint64_t()> resumed) {
        connection_counter_ = std::move(counter);
        resumption_counter_ = std::move(resumed);
    }

private:
    struct State;

    boost::asio::awaitable<http::Response> route(const http::Request& request);
    http::Response authorize(const http::Request& request);
    boost::asio::awaitable<http::Response> token(const http::Request& request);
    http::Response exchange_code(const http::Request& request);
    boost::asio::awaitable<http::Response> me(const http::Request& request);
    boost::asio::awaitable<http::Response> me_answer(const http::Request& request, MeMode mode, Quota quota);
    http::Response describe_admin(const http::Request& request, const Quota& quota);
    http::Response uninstall(const http::Request& request);
    boost::asio::awaitable<http::Response> api(const http::Request& request, ApiRoute route);
    boost::asio::awaitable<http::Response> api_answer(const http::Request& request, ApiRoute route, ApiFault fault,
                                                      Quota quota, std::string description);
    http::Response echo(const http::Request& request, std::string description);
    http::Response stream(const http::Request& request);
    std::string stream_digest(std::uint64_t length, const std::string& body);
    std::optional<std::size_t> token_workspace(const http::Request& request);
    http::Response control(const http::Request& request);
    http::Response workspace_control(const http::Request& request, bool uninstalling);
    http::Response rate_limit_control(const http::Request& request);
    http::Response stats_answer();
    http::Response rate_limit_exceeded(const Quota& quota);
    http::Response last_request();
    http::Response error_list(unsigned status, std::string_view code, std::string_view message);

    MockIntercomConfig config_;
    core::Random& random_;
    const core::Clock& clock_;
    std::unique_ptr<State> state_;
    std::function<std::uint64_t()> connection_counter_;
    std::function<std::uint64_t()> resumption_counter_;
};

}  // namespace icg::mock
