// Mutual TLS on the internal listener, over real TLS with real Redis and mock-intercom: with
// internal.client_ca_file every client needs a certificate that CA signed; a service is known by
// its certificate's URI or DNS name, or by its key, which no certificate overrides; and the
// configuration rules that come with it.
#include "internal_services_fixture.hpp"

#include <gtest/gtest.h>

namespace icg::testing {
namespace {
using namespace std::chrono_literals;

constexpr const char* sync_key = "sync-key-0123456789abcdefghijklmnopqrstuvwxyz0";
constexpr const char* unauthenticated = R"({"error":"unauthenticated"})";

// The listener and services every test here starts with: two peers, known by a URI and by a DNS
// name, and a service known by its key that may act for ws_demo1 only.
void with_mtls(GatewaySettings& s) {
    s.set("internal", "listen", "127.0.0.1:0");
    s.set("internal", "client_ca_file", test_certificates().ca_file.string());
    s.append_tables(peer_service_table("ops", "spiffe://corp/ops"));
    s.append_tables(peer_service_table("batch", "batch.localhost"));
    s.append_tables(key_service_table("sync", sync_key, R"(["ws_demo1"])"));
}

ClientCertificate certificate_for(const std::string& name,
                                  ClientCertificateIssuer issuer = ClientCertificateIssuer::test_ca) {
    return client_certificate({name}, issuer);
}

class InternalMtlsTest : public InternalListenerTest {
protected:
    void SetUp() override {
        GatewayTest::SetUp();
        start_gateway(with_mtls);
    }

    static ConnectionOptions presenting(std::optional<ClientCertificate> certificate) {
        return {.client_certificate = std::move(certificate), .resume_session = nullptr};
    }

    // GET `target` on a fresh internal connection presenting `certificate` (none: nullopt), for
    // `workspace` (none: empty), with `key` as a bearer key (none: empty).
    HttpResponse call(const std::optional<ClientCertificate>& certificate, const std::string& target,
                      const std::string& workspace, const std::string& key = {}) {
        HttpsConnection connection(gateway().internal_port(), certificates().ca_file, presenting(certificate));
        HeaderList headers;
        if (!key.empty()) headers.emplace_back("Authorization", "Bearer " + key);
        if (!workspace.empty()) headers.emplace_back("Intercom-Workspace-Id", workspace);
        return connection.request("GET", target, headers);
    }
};

TEST_F(InternalMtlsTest, AClientWithoutACertificateGetsNoAnswer) {
    EXPECT_THROW(call(std::nullopt, "/healthz", ""), std::runtime_error);
    EXPECT_THROW(call(std::nullopt, "/intercom/me", "ws_demo1", sync_key), std::runtime_error)
        << "a key is no way past the handshake";
    EXPECT_EQ(call(certificate_for("URI:spiffe://corp/ops"), "/healthz", "").status, 200u);
    EXPECT_EQ(browser().get("/healthz").status, 200u) << "the public listener asks browsers for no certificate";
}

TEST_F(InternalMtlsTest, ACertificateThatTheClientCaDidNotSignForClientsGetsNoAnswer) {
    // Another CA under the test CA's own name, certifying the very name of a service.
    const auto impostor = certificate_for("URI:spiffe://corp/ops", ClientCertificateIssuer::untrusted_ca);
    EXPECT_THROW(call(impostor, "/healthz", ""), std::runtime_error);
    EXPECT_THROW(call(impostor, "/intercom/me", "ws_demo1", sync_key), std::runtime_error);
    // The gateway's own certificate: signed by the CA, but for servers only (no clientAuth).
    const ClientCertificate server_only{certificates().cert_file, certificates().key_file};
    EXPECT_THROW(call(server_only, "/healthz", ""), std::runtime_error);
}

TEST_F(InternalMtlsTest, AServiceKnownByItsCertificatesUriCallsWithoutAKey) {
    connect("ws_demo1");
    connect(other_workspace);
    const auto ops = certificate_for("URI:spiffe://corp/ops");
    const auto demo = call(ops, "/intercom/me", "ws_demo1");
    ASSERT_EQ(demo.status, 200u) << demo.body;
    EXPECT_EQ(workspace_of_me(demo), "ws_demo1");
    const auto seen = mock().last_request();
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->header("Authorization"), "Bearer " + mock().issued_tokens().at(0)) << "the workspace's token";
    EXPECT_EQ(workspace_of_me(call(ops, "/intercom/me", other_workspace)), other_workspace);
}

TEST_F(InternalMtlsTest, AnotherNameFromTheTrustedCaIs401) {
    connect("ws_demo1");
    const auto calls_before = mock().stats().api_calls("ws_demo1");
    for (const std::vector<std::string>& names : {std::vector<std::string>{"URI:spiffe://corp/intruder"},
                                                  {"URI:spiffe://corp/ops/admin"},
                                                  {"URI:spiffe://corp/opsx"},
                                                  {"URI:spiffe://corp/op"},
                                                  {"DNS:ops.localhost"},
                                                  {}}) {
        const auto response = call(client_certificate(names), "/intercom/me", "ws_demo1");
        EXPECT_EQ(response.status, 401u) << ::testing::PrintToString(names);
        EXPECT_EQ(response.body, unauthenticated);
    }
    EXPECT_EQ(mock().stats().api_calls("ws_demo1"), calls_before);
}

TEST_F(InternalMtlsTest, AServiceKnownByItsCertificatesDnsNameCallsWithoutAKey) {
    connect("ws_demo1");
    const auto batch = call(certificate_for("DNS:batch.localhost"), "/intercom/me", "ws_demo1");
    ASSERT_EQ(batch.status, 200u) << batch.body;
    EXPECT_EQ(workspace_of_me(batch), "ws_demo1");
    // One name among others is enough.
    const auto among_others =
        call(client_certificate({"URI:spiffe://corp/unlisted", "DNS:batch.localhost"}), "/intercom/me", "ws_demo1");
    EXPECT_EQ(among_others.status, 200u);
    // The same text as a URI is not that DNS name: a CA limited by name constraints on DNS names
    // may still write any URI, so a URI must never pass for a DNS name.
    const auto as_uri = call(certificate_for("URI:batch.localhost"), "/intercom/me", "ws_demo1");
    EXPECT_EQ(as_uri.status, 401u);
    EXPECT_EQ(as_uri.body, unauthenticated);
}

TEST_F(InternalMtlsTest, AServiceKnownByItsKeyNeedsATrustedCertificateToo) {
    connect("ws_demo1");
    const auto unlisted = certificate_for("URI:spiffe://corp/unlisted");
    const auto response = call(unlisted, "/intercom/me", "ws_demo1", sync_key);
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(workspace_of_me(response), "ws_demo1");
    EXPECT_THROW(call(std::nullopt, "/intercom/me", "ws_demo1", sync_key), std::runtime_error);
    EXPECT_EQ(call(unlisted, "/intercom/me", "ws_demo1").status, 401u) << "the certificate alone names no service";
}

TEST_F(InternalMtlsTest, AKeyDecidesWhoCallsAndAPeerCertificateNeverRescuesAWrongOne) {
    connect("ws_demo1");
    connect(other_workspace);
    const auto ops = certificate_for("URI:spiffe://corp/ops");
    std::string almost(sync_key);
    almost.back() = almost.back() == '0' ? '1' : '0';
    for (const std::string& key : {std::string("wrong-key"), almost}) {
        const auto response = call(ops, "/intercom/me", "ws_demo1", key);
        EXPECT_EQ(response.status, 401u) << key;
        EXPECT_EQ(response.body, unauthenticated);
    }
    // An Authorization header that carries no bearer key is a wrong key too.
    HttpsConnection connection(gateway().internal_port(), certificates().ca_file, presenting(ops));
    const auto basic = connection.request(
        "GET", "/intercom/me", {{"Authorization", "Basic b3BzOm9wcw=="}, {"Intercom-Workspace-Id", "ws_demo1"}});
    EXPECT_EQ(basic.status, 401u);
    // With ops's certificate and sync's key the caller is sync, which may not act for ws_other.
    EXPECT_EQ(call(ops, "/intercom/me", other_workspace, sync_key).status, 403u);
    EXPECT_EQ(call(ops, "/intercom/me", other_workspace).status, 200u) << "ops may";
}

TEST_F(InternalMtlsTest, TheAccessLogNamesTheServiceItsCertificateIdentified) {
    connect("ws_demo1");
    ASSERT_EQ(call(certificate_for("URI:spiffe://corp/ops"), "/intercom/me", "ws_demo1").status, 200u);
    ASSERT_EQ(call(certificate_for("DNS:batch.localhost"), "/intercom/me", "ws_demo1").status, 200u);
    EXPECT_TRUE(gateway().process().wait_for_output(R"("service":"ops","workspace":"ws_demo1")", 5s))
        << gateway().process().output();
    EXPECT_TRUE(gateway().process().wait_for_output(R"("service":"batch","workspace":"ws_demo1")", 5s))
        << gateway().process().output();
}

TEST_F(InternalMtlsTest, AServiceResumingItsTlsSessionIsStillKnownByItsCertificate) {
    connect("ws_demo1");
    const auto ops = certificate_for("URI:spiffe://corp/ops");
    std::shared_ptr<ssl_session_st> session;
    {
        HttpsConnection first(gateway().internal_port(), certificates().ca_file, presenting(ops));
        ASSERT_EQ(first.request("GET", "/healthz").status, 200u);
        session = first.tls_session();
    }
    ASSERT_TRUE(session) << "the internal listener gave no session to resume";
    // As TLS clients with a session cache do when they connect again.
    HttpsConnection again(gateway().internal_port(), certificates().ca_file,
                          {.client_certificate = ops, .resume_session = session});
    const auto response = again.request("GET", "/intercom/me", {{"Intercom-Workspace-Id", "ws_demo1"}});
    EXPECT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(workspace_of_me(response), "ws_demo1");
    EXPECT_TRUE(again.resumed_session());
}

TEST_F(InternalMtlsTest, ASessionFromThePublicListenerIsNoWayPastTheInternalOne) {
    std::shared_ptr<ssl_session_st> session;
    {
        HttpsConnection public_connection(gateway().port(), certificates().ca_file);
        ASSERT_EQ(public_connection.request("GET", "/healthz").status, 200u);
        session = public_connection.tls_session();
    }
    ASSERT_TRUE(session);
    auto resume_without_certificate = [&] {
        HttpsConnection connection(gateway().internal_port(), certificates().ca_file,
                                   {.client_certificate = std::nullopt, .resume_session = session});
        return connection.request("GET", "/healthz");
    };
    EXPECT_THROW(resume_without_certificate(), std::runtime_error);
}

// The configuration rules; no gateway runs unless a test starts one.
class InternalMtlsConfigTest : public GatewayTest {
protected:
    std::filesystem::path write_config(const std::function<void(GatewaySettings&)>& customize) {
        auto s = settings();
        customize(s);
        return dir.write_file("mtls.toml", s.to_toml());
    }

    static RunResult check(const std::filesystem::path& config) {
        return run_gateway_command({"--check-config", "--config", config.string()});
    }

    static std::string trimmed(std::string s) {
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
        return s;
    }
};

TEST_F(InternalMtlsConfigTest, APeerWithoutAClientCaIsRefusedNamingTheService) {
    const auto good = check(write_config(with_mtls));
    EXPECT_TRUE(good.status.success()) << good.output;
    EXPECT_NE(good.output.find("spiffe://corp/ops"), std::string::npos) << good.output;

    const auto result = check(write_config([](GatewaySettings& s) {
        s.set("internal", "listen", "127.0.0.1:0");
        s.append_tables(peer_service_table("ops", "spiffe://corp/ops"));
    }));
    EXPECT_FALSE(result.status.success()) << result.output;
    const auto errors = gateway_error_lines(result.output);
    ASSERT_EQ(errors.size(), 1u) << "expected one error line:\n" << result.output;
    EXPECT_TRUE(errors[0].starts_with("internal.services[0].peer: needs internal.client_ca_file")) << errors[0];
}

TEST_F(InternalMtlsConfigTest, AClientCaOnAPlainListenerIsRefused) {
    const auto result = check(write_config([](GatewaySettings& s) {
        with_mtls(s);
        s.set_literal("internal", "tls", "false");
    }));
    EXPECT_FALSE(result.status.success()) << result.output;
    const auto errors = gateway_error_lines(result.output);
    ASSERT_EQ(errors.size(), 1u) << "expected one error line:\n" << result.output;
    EXPECT_TRUE(errors[0].starts_with("internal.client_ca_file: needs internal.tls")) << errors[0];
}

TEST_F(InternalMtlsConfigTest, AClientCaFileWithoutACertificateStopsTheStart) {
    const std::vector<std::pair<std::string, std::string>> not_a_ca = {
        {"empty.pem", ""},
        {"text.pem", "not a certificate\n"},
        {"key.pem", read_file(certificates().key_file)},
    };
    for (const auto& [name, content] : not_a_ca) {
        const auto ca_file = dir.write_file(name, content);
        const auto config = write_config([&](GatewaySettings& s) {
            with_mtls(s);
            s.set("internal", "client_ca_file", ca_file.string());
        });
        const auto result = run_gateway_command({"--config", config.string()});
        EXPECT_FALSE(result.status.success()) << name << ": " << result.output;
        EXPECT_NE(result.output.find("internal.client_ca_file"), std::string::npos) << name << ": " << result.output;
        EXPECT_EQ(trimmed(result.output).find('\n'), std::string::npos) << name << ", expected one line:\n"
                                                                        << result.output;
        // --check-config loads the file as start-up does, so it finds the same problem.
        const auto checked = check(config);
        EXPECT_FALSE(checked.status.success()) << name << ": " << checked.output;
        const auto errors = gateway_error_lines(checked.output);
        ASSERT_EQ(errors.size(), 1u) << name << ": " << checked.output;
        EXPECT_TRUE(errors[0].starts_with("internal.client_ca_file: ")) << name << ": " << errors[0];
    }
}

}  // namespace
}  // namespace icg::testing
