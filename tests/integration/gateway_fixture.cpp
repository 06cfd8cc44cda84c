#include "gateway_fixture.hpp"

#include "support/eventually.hpp"
#include "support/ports.hpp"
#include "support/time_scale.hpp"

#include "core/random.hpp"

#include <rapidjson/document.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace icg::testing {

void GatewayTest::SetUp() {
    mock_ = std::make_unique<MockIntercom>(dir, certificates(), mock_workspaces());
    const char* shared = std::getenv("ICG_TEST_REDIS_PORT");
    unsigned port = 0;
    if (!needs_private_redis() && shared && *shared &&
        std::from_chars(shared, shared + std::strlen(shared), port).ec == std::errc{} && port > 0 && port < 65536) {
        shared_redis_port_ = static_cast<std::uint16_t>(port);
    } else {
        redis_ = std::make_unique<RedisServer>(dir, 0, RedisPersistence::none, private_redis_args());
    }
    // Tests sharing one Redis keep apart by prefix; "icg:" stays the start of every key.
    core::SystemRandom random;
    key_prefix_ = "icg:t-" + random.token(6) + ":";
    encryption_key = random_encryption_key();
    gateway_port_ = free_port();
}

void GatewayTest::TearDown() {
    stop_gateway();
    if (shared_redis_port_ != 0 && !key_prefix_.empty()) {
        try {
            auto probe = redis_probe();
            for (const auto& key : probe.keys(key_prefix_ + "*")) probe.command({"DEL", key});
        } catch (const std::exception&) {
            // Cleaning up is best effort; the shared server goes away after the run.
        }
    }
}

GatewaySettings GatewayTest::settings() {
    GatewayPeers peers;
    peers.port = gateway_port_;
    peers.certificates = &certificates();
    peers.redis_url = "redis://127.0.0.1:" + std::to_string(redis_port()) + "/0";
    peers.key_prefix = key_prefix_;
    peers.authorize_url = mock_->authorize_url();
    peers.token_url = mock_->token_url();
    peers.api_base = mock_->api_base();
    peers.client_id = MockIntercom::client_id;
    peers.client_secret = MockIntercom::client_secret;
    peers.encryption_key = encryption_key;
    return default_gateway_settings(peers);
}

Gateway& GatewayTest::start_gateway(const std::function<void(GatewaySettings&)>& customize,
                                    const Environment& environment, bool wait_until_ready) {
    stop_gateway();
    for (int attempt = 1;; ++attempt) {
        auto s = settings();
        if (customize) customize(s);
        try {
            gateway_ = std::make_unique<Gateway>(dir, s, environment);
            break;
        } catch (const std::runtime_error& e) {
            // Another process took the port between free_port() and the gateway's bind: pick another.
            if (attempt >= 3 || std::string_view(e.what()).find("cannot listen") == std::string_view::npos) throw;
            gateway_port_ = free_port();
        }
    }
    if (wait_until_ready && !wait_for_readyz(200))
        ADD_FAILURE() << "the gateway did not become ready (GET /readyz never answered 200)";
    return *gateway_;
}

std::unique_ptr<Gateway> GatewayTest::start_replica(const TempDir& replica_dir,
                                                    const std::function<void(GatewaySettings&)>& customize) {
    for (int attempt = 1;; ++attempt) {
        auto s = settings();
        if (customize) customize(s);
        s.set_integer("server", "threads", 1);
        const auto port = free_port();
        s.set("server", "listen", "127.0.0.1:" + std::to_string(port));
        s.set("server", "public_url", "https://localhost:" + std::to_string(port));
        try {
            return std::make_unique<Gateway>(replica_dir, s);
        } catch (const std::runtime_error&) {
            // Another process took the port between free_port() and the bind: pick another.
            if (attempt >= 3) throw;
        }
    }
}

Gateway& GatewayTest::gateway() {
    if (!gateway_) start_gateway();
    return *gateway_;
}

void GatewayTest::stop_gateway() {
    if (!gateway_) return;
    const auto status = gateway_->stop();
    EXPECT_TRUE(status.success()) << "the gateway ended with " << status.describe();
    gateway_.reset();
}

HeaderList GatewayTest::session_header(const TestClient& client) {
    return {{"Cookie", std::string(session_cookie) + "=" + client.cookie(session_cookie).value_or("")}};
}

StreamingConnection GatewayTest::begin_download(std::uint64_t bytes, const HeaderList& headers) {
    StreamingConnection download(gateway().port(), certificates().ca_file);
    StreamingRequest request;
    request.target = "/intercom/stream?bytes=" + std::to_string(bytes);
    request.headers = headers;
    download.write_request(request);
    return download;
}

std::vector<std::string> GatewayTest::gateway_keys(std::string_view kind) {
    return redis_probe().keys(key_prefix_ + (kind.empty() ? std::string() : std::string(kind) + ":") + "*");
}

bool GatewayTest::wait_for_readyz(unsigned status, std::chrono::milliseconds timeout) {
    return eventually(
        [&] {
            try {
                HttpsConnection connection(gateway().port(), certificates().ca_file, std::chrono::seconds(2));
                return connection.request("GET", "/readyz").status == status;
            } catch (const std::exception&) {
                return false;
            }
        },
        timeout, std::chrono::milliseconds(100));
}

std::string GatewayTest::raw_exchange(const std::string& bytes, bool* closed) {
    HttpsConnection connection(gateway().port(), certificates().ca_file);
    connection.write_raw(bytes);
    return connection.read_until_closed(std::chrono::seconds(10), closed);
}

std::string GatewayTest::begin_login(TestClient& client, const std::string& target, HttpResponse* out) {
    auto response = client.get(target);
    EXPECT_EQ(response.status, 302u) << "GET " << target << ": " << response.body;
    auto location = response.header("Location");
    if (out) *out = std::move(response);
    return location;
}

std::string GatewayTest::approve(const std::string& authorize_url, HttpResponse* out) {
    HttpsConnection connection(mock_->port(), certificates().ca_file);
    auto parsed = parse_url(authorize_url);
    EXPECT_TRUE(parsed.has_value()) << authorize_url;
    if (!parsed) return {};
    EXPECT_EQ(parsed->port, mock_->port()) << "the login must go to the configured authorize_url: " << authorize_url;
    auto response = connection.request("GET", parsed->target);
    EXPECT_EQ(response.status, 302u) << "GET " << authorize_url << ": " << response.body;
    auto location = response.header("Location");
    if (out) *out = std::move(response);
    return location;
}

LoginFlow GatewayTest::login(TestClient& client, const std::string& target) {
    LoginFlow flow;
    flow.authorize_url = begin_login(client, target, &flow.login);
    flow.state = query_parameter(flow.authorize_url, "state").value_or("");
    flow.callback_url = approve(flow.authorize_url, &flow.consent);
    flow.code = query_parameter(flow.callback_url, "code").value_or("");
    EXPECT_TRUE(flow.callback_url.starts_with(client.origin() + "/auth/callback?")) << flow.callback_url;
    flow.callback = client.fetch(flow.callback_url);
    EXPECT_EQ(flow.callback.status, 302u) << "GET " << flow.callback_url << ": " << flow.callback.body;
    flow.session_set_cookie = find_set_cookie(flow.callback, session_cookie);
    EXPECT_TRUE(flow.session_set_cookie.has_value()) << "no " << session_cookie << " cookie after the callback";
    for (const auto& refused : client.refused_cookies()) ADD_FAILURE() << "a browser would refuse: " << refused;
    return flow;
}

std::optional<SetCookie> find_set_cookie(const HttpResponse& response, std::string_view name) {
    for (const auto& header : response.headers_named("Set-Cookie"))
        if (auto c = parse_set_cookie(header); c && c->name == name) return c;
    return std::nullopt;
}

void expect_refused_within_100ms(TestClient& client, std::chrono::steady_clock::time_point since) {
    bool refused = false;
    std::chrono::steady_clock::duration took{};
    eventually(
        [&] {
            const auto status = client.get("/auth/session").status;
            took = std::chrono::steady_clock::now() - since;
            refused = status == 401;
            return refused;
        },
        std::chrono::seconds(2), std::chrono::milliseconds(1));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
    ::testing::Test::RecordProperty("invalidation_ms", std::to_string(ms));
    EXPECT_TRUE(refused) << "the other gateway still accepts the session after 2 s";
    EXPECT_LT(ms, scaled(100)) << "the other gateway accepted the session for " << ms << " ms after the change";
}

std::string location_path(const HttpResponse& response, const std::string& origin) {
    auto location = response.header("Location");
    if (location.starts_with(origin + "/")) location.erase(0, origin.size());
    return location;
}

std::map<std::string, std::string> string_members(const HttpResponse& response) {
    EXPECT_TRUE(response.header("Content-Type").starts_with("application/json")) << response.header("Content-Type");
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    if (doc.HasParseError() || !doc.IsObject()) return {{"(not a JSON object)", response.body}};
    std::map<std::string, std::string> out;
    for (const auto& member : doc.GetObject())
        out[member.name.GetString()] = member.value.IsString() ? member.value.GetString() : "(not a string)";
    return out;
}

}  // namespace icg::testing
