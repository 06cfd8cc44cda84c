// SIGHUP: the configuration, its secrets and the certificates are read again. New requests and
// connections get the new configuration; those in flight finish on the one they began with; a
// configuration with a problem changes nothing; what needs a restart is named and kept.
#include "gateway_fixture.hpp"

#include "support/eventually.hpp"

#include <atomic>

namespace icg::testing {
namespace {

using Outcome = Gateway::ReloadOutcome;
using namespace std::chrono_literals;

class ReloadTest : public GatewayTest {
protected:
    std::string certificate_seen() {
        HttpsConnection connection(gateway().port(), certificates().ca_file);
        EXPECT_EQ(connection.request("GET", "/healthz").status, 200u);
        return connection.peer_certificate_sha256();
    }

    std::vector<std::string> intercom_versions_sent(TestClient& client) {
        const auto response = client.get("/intercom/echo");
        EXPECT_EQ(response.status, 200u) << response.body;
        const auto seen = parse_seen_request(response.body);
        return seen ? seen->headers_named("Intercom-Version") : std::vector<std::string>{};
    }
};

TEST_F(ReloadTest, ADownloadInFlightFinishesOnItsConfigurationWhileNewRequestsGetTheNewOne) {
    auto client = browser();
    login(client);
    constexpr std::uint64_t size = 48ull * 1024 * 1024;
    auto download = begin_download(size, session_header(client));
    bool reloaded_mid_body = false;
    ReadOptions options;
    options.progress = [&](std::uint64_t received) {
        if (reloaded_mid_body || received < 1024 * 1024) return;
        // The download is held back here (this thread does not read) until the reload is done.
        ASSERT_EQ(gateway().reload([](GatewaySettings& s) { s.set_literal("proxy", "allow", R"(["GET /echo"])"); }),
                  Outcome::reloaded);
        reloaded_mid_body = true;
        EXPECT_EQ(client.get("/intercom/stream?bytes=10").status, 403u) << "a new request gets the new allow list";
        EXPECT_EQ(client.get("/intercom/echo").status, 200u);
    };
    const auto response = download.read_response(options);
    EXPECT_TRUE(reloaded_mid_body);
    EXPECT_EQ(response.status, 200u);
    EXPECT_TRUE(response.complete) << "the download in flight was cut by the reload";
    EXPECT_EQ(response.body_length, size);
    EXPECT_EQ(response.body_sha256, response.header("X-Body-Sha256"));
}

TEST_F(ReloadTest, AKeepAliveConnectionKeepsItsCertificateAndANewOneGetsTheRenewedOne) {
    HttpsConnection before(gateway().port(), certificates().ca_file);
    ASSERT_EQ(before.request("GET", "/healthz").status, 200u);
    const auto original = before.peer_certificate_sha256();
    ASSERT_FALSE(original.empty());

    const auto& renewed = renewed_server_certificate();
    ASSERT_EQ(gateway().reload([&](GatewaySettings& s) {
        s.set("tls", "cert_file", renewed.cert_file.string());
        s.set("tls", "key_file", renewed.key_file.string());
    }),
              Outcome::reloaded);

    EXPECT_EQ(before.request("GET", "/healthz").status, 200u) << "the keep-alive connection survives the reload";
    EXPECT_EQ(before.peer_certificate_sha256(), original);
    const auto now = certificate_seen();
    EXPECT_NE(now, original) << "a new connection still gets the old certificate";

    // Renewed in place (same paths, new files): a plain SIGHUP picks the files up again.
    ASSERT_EQ(gateway().reload([&](GatewaySettings& s) {
        s.set("tls", "cert_file", certificates().cert_file.string());
        s.set("tls", "key_file", certificates().key_file.string());
    }),
              Outcome::reloaded);
    EXPECT_EQ(certificate_seen(), original);
}

TEST_F(ReloadTest, AConfigurationWithAProblemChangesNothingAndSaysWhy) {
    auto client = browser();
    login(client);
    const auto certificate = certificate_seen();
    ASSERT_EQ(intercom_versions_sent(client), std::vector<std::string>{"2.14"});

    // A bad value, and a key that is not the certificate's: each refused whole.
    EXPECT_EQ(gateway().reload([](GatewaySettings& s) {
        s.set("intercom", "api_version", "2.99");
        s.set("session", "cookie_name", "bad name;");
    }),
              Outcome::refused);
    EXPECT_TRUE(gateway().process().wait_for_output(
        "reload refused, the running configuration stays: session.cookie_name: must be a non-empty cookie token", 1s));
    EXPECT_EQ(gateway().reload([&](GatewaySettings& s) {
        s.set("intercom", "api_version", "2.99");
        s.set("tls", "key_file", (certificates().ca_file.parent_path() / "ca.key").string());
    }),
              Outcome::refused);
    EXPECT_TRUE(gateway().process().wait_for_output(
        "tls.key_file: the private key does not match the certificate in tls.cert_file", 1s));

    EXPECT_EQ(intercom_versions_sent(client), std::vector<std::string>{"2.14"}) << "half of a refused file applied";
    EXPECT_EQ(client.get("/auth/session").status, 200u);
    EXPECT_EQ(certificate_seen(), certificate);
    EXPECT_TRUE(gateway().process().running());
}

TEST_F(ReloadTest, TwoReloadsInQuickSuccessionEndWithTheLastFile) {
    auto client = browser();
    login(client);
    auto next = gateway().settings();
    next.set("intercom", "api_version", "2.11");
    const auto file = gateway().config_file();
    const auto write = [&](const GatewaySettings& s) {
        const auto staging = file.string() + ".next";
        dir.write_file(std::filesystem::path(staging).filename().string(), s.to_toml());
        std::filesystem::rename(staging, file);
    };
    write(next);
    ASSERT_TRUE(gateway().process().send_signal(SIGHUP));
    next.set("intercom", "api_version", "2.12");
    write(next);
    // The second SIGHUP may come while the first reload runs, or be merged with it by the kernel:
    // either way the last reload reads the last file.
    EXPECT_EQ(gateway().signal_reload(), Outcome::reloaded);
    EXPECT_TRUE(eventually([&] { return intercom_versions_sent(client) == std::vector<std::string>{"2.12"}; }, 5s));
    EXPECT_EQ(gateway().process().output().find("reload refused"), std::string::npos) << gateway().process().output();
}

TEST_F(ReloadTest, AChangeThatNeedsARestartIsNamedAndTheRunningValueStays) {
    auto client = browser();
    login(client);
    ASSERT_EQ(gateway().reload([](GatewaySettings& s) {
        s.set_integer("server", "threads", 1);
        s.set("redis", "key_prefix", "other:");
        s.set("intercom", "api_version", "2.13");
    }),
              Outcome::reloaded);
    EXPECT_TRUE(gateway().process().wait_for_output(
        "restart needed for server.threads, redis.key_prefix: their running values stay until then", 1s));
    EXPECT_EQ(client.get("/auth/session").status, 200u) << "the session is still found under the running prefix";
    EXPECT_EQ(intercom_versions_sent(client), std::vector<std::string>{"2.13"}) << "the rest applied";
}

TEST_F(ReloadTest, LoginBoundsChangeOnReload) {
    start_gateway([](GatewaySettings& s) { s.set_integer("session", "max_pending_logins_per_browser", 1); });
    auto client = browser();
    begin_login(client);
    EXPECT_EQ(client.get("/auth/login").status, 429u);
    ASSERT_EQ(
        gateway().reload([](GatewaySettings& s) { s.set_integer("session", "max_pending_logins_per_browser", 3); }),
        Outcome::reloaded);
    EXPECT_EQ(client.get("/auth/login").status, 302u) << "the raised bound applies to the window already counting";
}

}  // namespace
}  // namespace icg::testing
