#pragma once
// The whole system for one test: the mock Intercom, Redis (shared through ICG_TEST_REDIS_PORT
// with a key prefix of the test's own, or private), the gateway, and browser-like clients.
#include "support/certificates.hpp"
#include "support/gateway.hpp"
#include "support/mock_intercom.hpp"
#include "support/redis_server.hpp"
#include "support/streaming_client.hpp"
#include "support/temp_dir.hpp"
#include "support/test_client.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace icg::testing {

inline constexpr const char* session_cookie = "__Host-icg-session";
inline constexpr const char* login_cookie = "__Host-icg-login";

// Every step of one login, so tests can check (and replay) what the browser saw.
struct LoginFlow {
    HttpResponse login;         // GET /auth/login
    std::string authorize_url;  // its Location
    std::string state;
    HttpResponse consent;      // the mock's /oauth answer
    std::string callback_url;  // its Location
    std::string code;
    HttpResponse callback;  // GET /auth/callback
    std::optional<SetCookie> session_set_cookie;
};

class GatewayTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // Tests that stop and start Redis override this to get a server of their own.
    virtual bool needs_private_redis() const { return false; }
    // What a private Redis gets on its command line after ours (TLS, replication settings).
    virtual std::vector<std::string> private_redis_args() const { return {}; }
    // Workspaces the mock knows besides its default one.
    virtual std::vector<MockWorkspace> mock_workspaces() const { return {}; }

    // The default config for this environment; start_gateway() applies `customize` to it.
    GatewaySettings settings();
    Gateway& start_gateway(const std::function<void(GatewaySettings&)>& customize = {},
                           const Environment& environment = {}, bool wait_until_ready = true);
    Gateway& gateway();  // started with the defaults on first use
    // A second gateway process (a replica) sharing this test's Redis, key prefix and keys, on a
    // port of its own, with one thread (the first runs two), its files in `dir`.
    std::unique_ptr<Gateway> start_replica(const TempDir& dir, const std::function<void(GatewaySettings&)>& customize);
    void stop_gateway();

    TestClient browser() { return TestClient(gateway().port(), certificates().ca_file); }
    const Certificates& certificates() const { return test_certificates(); }
    MockIntercom& mock() { return *mock_; }
    std::uint16_t redis_port() const { return redis_ ? redis_->port() : shared_redis_port_; }
    RedisServer& private_redis() { return *redis_; }
    RedisProbe redis_probe() const { return RedisProbe(redis_port()); }
    const std::string& key_prefix() const { return key_prefix_; }
    // Every key this test's gateway wrote, or those of one kind ("session", "login", "login-count").
    std::vector<std::string> gateway_keys(std::string_view kind = {});

    // The login steps, each checked for the status it should have.
    std::string begin_login(TestClient& client, const std::string& target = "/auth/login",
                            HttpResponse* response = nullptr);
    std::string approve(const std::string& authorize_url, HttpResponse* response = nullptr);
    LoginFlow login(TestClient& client, const std::string& target = "/auth/login");
    // The Cookie header carrying `client`'s session, for connections a test makes by hand.
    static HeaderList session_header(const TestClient& client);
    // GET /intercom/stream?bytes=… (the mock's generated body) sent on a connection of its own;
    // the caller reads the response, at its own pace.
    StreamingConnection begin_download(std::uint64_t bytes, const HeaderList& headers);

    // Sends exact bytes on a fresh TLS connection; everything answered until the gateway closes it
    // (10 s at most; `closed`, when given, says whether the gateway closed it).
    std::string raw_exchange(const std::string& bytes, bool* closed = nullptr);

    // Polls /readyz until it answers `status` (bounded); false on timeout.
    bool wait_for_readyz(unsigned status, std::chrono::milliseconds timeout = std::chrono::seconds(15));

    TempDir dir;
    std::string encryption_key;

private:
    std::unique_ptr<MockIntercom> mock_;
    std::unique_ptr<RedisServer> redis_;
    std::uint16_t shared_redis_port_ = 0;
    std::string key_prefix_;
    std::uint16_t gateway_port_ = 0;
    std::unique_ptr<Gateway> gateway_;
};

// The Set-Cookie for `name` in a response, if any.
std::optional<SetCookie> find_set_cookie(const HttpResponse& response, std::string_view name);
// The members of a flat JSON object of strings (checking the JSON content type); a note in place
// of the map when the body is not one.
std::map<std::string, std::string> string_members(const HttpResponse& response);
// Location made relative to `origin` when it points there.
std::string location_path(const HttpResponse& response, const std::string& origin);

// Polls `client`'s GET /auth/session until it is 401: a change made at `since` on another
// gateway (a logout, a revoked token) has reached this one. Fails when that took 100 ms or more
// (stretched by the time scale), or did not happen within 2 s; records the time as a test property.
void expect_refused_within_100ms(TestClient& client, std::chrono::steady_clock::time_point since);

}  // namespace icg::testing
