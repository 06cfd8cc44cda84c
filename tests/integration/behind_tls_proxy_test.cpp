// server.tls = false: the public listener speaks plain HTTP for a proxy in front that terminates
// TLS. Only with server.behind_tls_proxy = true; public_url stays https and cookies stay Secure.
#include "gateway_fixture.hpp"

#include "support/eventually.hpp"

namespace icg::testing {
namespace {

class BehindTlsProxyTest : public GatewayTest {
protected:
    static void behind_proxy(GatewaySettings& s) {
        s.set_literal("server", "tls", "false");
        s.set_literal("server", "behind_tls_proxy", "true");
    }

    std::string plain(const std::string& method, const std::string& target) {
        return plain_http_exchange(gateway().port(),
                                   method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    }
};

TEST_F(BehindTlsProxyTest, PlainHttpIsServedWithHttpsUrlsAndSecureCookies) {
    start_gateway(behind_proxy, {}, false);  // the fixture's readiness check speaks TLS
    ASSERT_TRUE(eventually([&] { return plain("GET", "/readyz").starts_with("HTTP/1.1 200 OK\r\n"); },
                           std::chrono::seconds(10)));
    const auto health = plain("GET", "/healthz");
    EXPECT_TRUE(health.starts_with("HTTP/1.1 200 OK\r\n")) << health;
    const auto login = plain("GET", "/auth/login");
    ASSERT_TRUE(login.starts_with("HTTP/1.1 302")) << login;
    const auto location =
        login.substr(login.find("Location: "), login.find("\r\n", login.find("Location: ")) - login.find("Location: "));
    const auto redirect = location.substr(location.find("redirect_uri=") + 13);
    EXPECT_TRUE(redirect.starts_with("https://localhost:") || redirect.starts_with("https%3A%2F%2Flocalhost%3A"))
        << "the redirect URL is the public https one: " << location;
    const auto cookie_at = login.find("Set-Cookie: __Host-icg-login=");
    ASSERT_NE(cookie_at, std::string::npos) << login;
    const auto cookie = login.substr(cookie_at, login.find("\r\n", cookie_at) - cookie_at);
    EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
    EXPECT_TRUE(
        gateway().process().wait_for_output("plain HTTP behind a proxy that terminates TLS", std::chrono::seconds(1)));
    EXPECT_TRUE(gateway().process().wait_for_output("server.tls is false", std::chrono::seconds(1)));
}

TEST_F(BehindTlsProxyTest, PlainHttpNeedsTheOperatorToSaySoAndNoCertificateThen) {
    auto settings = this->settings();
    settings.set_literal("server", "tls", "false");
    auto result =
        run_gateway_command({"--check-config", "--config", dir.write_file("plain.toml", settings.to_toml()).string()});
    EXPECT_FALSE(result.status.success());
    auto errors = gateway_error_lines(result.output);
    ASSERT_EQ(errors.size(), 1u) << result.output;
    EXPECT_TRUE(errors[0].starts_with("server.tls: may be false only with server.behind_tls_proxy = true"))
        << errors[0];

    settings.set_literal("server", "behind_tls_proxy", "true");
    settings.erase("tls", "cert_file");
    settings.erase("tls", "key_file");
    result =
        run_gateway_command({"--check-config", "--config", dir.write_file("plain.toml", settings.to_toml()).string()});
    EXPECT_TRUE(result.status.success()) << "no listener speaks TLS, so no certificate is needed:\n" << result.output;

    // The internal listener with TLS still needs one.
    settings.set("internal", "listen", "127.0.0.1:0");
    result =
        run_gateway_command({"--check-config", "--config", dir.write_file("plain.toml", settings.to_toml()).string()});
    errors = gateway_error_lines(result.output);
    ASSERT_FALSE(errors.empty()) << result.output;
    EXPECT_TRUE(errors[0].starts_with("tls.cert_file: is required")) << errors[0];
}

}  // namespace
}  // namespace icg::testing
