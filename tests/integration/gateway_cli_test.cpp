// The command line: --check-config, --help, --version, and start-up with a bad config.
#include "gateway_fixture.hpp"

namespace icg::testing {
namespace {

class GatewayCliTest : public GatewayTest {
protected:
    std::filesystem::path write_config(const std::function<void(GatewaySettings&)>& customize = {}) {
        auto s = settings();
        if (customize) customize(s);
        return dir.write_file("check.toml", s.to_toml());
    }

    RunResult check(const std::filesystem::path& config, Environment environment = {}) {
        return run_gateway_command({"--check-config", "--config", config.string()}, std::move(environment));
    }

    void expect_no_secret(const std::string& output) {
        EXPECT_EQ(output.find(MockIntercom::client_secret), std::string::npos) << output;
        EXPECT_EQ(output.find(encryption_key), std::string::npos) << output;
    }
};

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

TEST_F(GatewayCliTest, CheckConfigAcceptsAGoodConfigAndHidesSecrets) {
    const auto result = check(write_config());
    EXPECT_TRUE(result.status.success()) << result.status.describe() << "\n" << result.output;
    EXPECT_NE(result.output.find("(set)"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("intercom.client_id"), std::string::npos) << result.output;
    EXPECT_TRUE(trimmed(result.output).ends_with("configuration OK")) << result.output;
    EXPECT_TRUE(gateway_error_lines(result.output).empty()) << result.output;
    expect_no_secret(result.output);
}

TEST_F(GatewayCliTest, CheckConfigReportsEveryProblemAtOnceIncludingTheTlsFiles) {
    const auto& certs = test_certificates();
    const auto config = write_config([&](GatewaySettings& s) {
        s.set_integer("server", "threads", 1000);
        // The CA's key beside the server's certificate: both files load, but they are not a pair.
        s.set("tls", "key_file", (certs.ca_file.parent_path() / "ca.key").string());
        s.set("session", "cookie_name", "bad name;");
    });
    const auto not_a_ca = dir.write_file("not-a-ca.pem", "no certificate here\n");
    const auto result = check(config, {{"GATEWAY_INTERCOM_CA_FILE", not_a_ca.string()}, {"GATEWAY_SESION_CACHE", "1"}});
    EXPECT_FALSE(result.status.success());
    const auto errors = gateway_error_lines(result.output);
    ASSERT_EQ(errors.size(), 6u) << result.output;
    EXPECT_TRUE(
        errors[0].starts_with("environment: unknown variables GATEWAY_SESION_CACHE (did you mean "
                              "GATEWAY_SESSION_CACHE?)"))
        << errors[0];
    EXPECT_TRUE(errors[1].starts_with("server.threads: must be between 0 and 256")) << errors[1];
    EXPECT_TRUE(errors[2].starts_with("session.cookie_name: ")) << errors[2];
    EXPECT_EQ(errors[3], "tls.key_file: the private key does not match the certificate in tls.cert_file");
    EXPECT_TRUE(errors[4].starts_with("intercom.ca_file: cannot load " + not_a_ca.string())) << errors[4];
    EXPECT_EQ(errors[5], "5 problems in the configuration");
    // The listing comes first, every key in it, each with where its value came from.
    EXPECT_NE(result.output.find("intercom.ca_file = " + not_a_ca.string()), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("(GATEWAY_INTERCOM_CA_FILE)"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("internal.services = (none)"), std::string::npos) << result.output;
    expect_no_secret(result.output);
}

TEST_F(GatewayCliTest, ConfigOptionWithoutAValueAndAMissingFileEachSaySo) {
    auto result = run_gateway_command({"--config"});
    EXPECT_EQ(result.status.code, 2) << result.output;
    EXPECT_EQ(trimmed(result.output), "intercom-gateway: --config needs a file path (--config FILE)");
    result = run_gateway_command({"--check-config", "--config"});
    EXPECT_EQ(trimmed(result.output), "intercom-gateway: --config needs a file path (--config FILE)");
    const auto missing = (dir / "missing.toml").string();
    result = run_gateway_command({"--config", missing});
    EXPECT_FALSE(result.status.success());
    EXPECT_EQ(gateway_error_lines(result.output).at(0), missing + ": configuration file not found") << result.output;
}

TEST_F(GatewayCliTest, StartingWithAMisspelledVariableFailsNamingIt) {
    const auto result =
        run_gateway_command({"--config", write_config().string()}, {{"GATEWAY_REDIS_ULR", "redis://127.0.0.1:1/0"}});
    EXPECT_FALSE(result.status.success()) << result.output;
    const auto errors = gateway_error_lines(result.output);
    ASSERT_EQ(errors.size(), 1u) << result.output;
    EXPECT_EQ(errors[0],
              "environment: unknown variables GATEWAY_REDIS_ULR (did you mean GATEWAY_REDIS_URL?); every key is "
              "GATEWAY_<SECTION>_<KEY>, secrets also <…>_FILE");
}

TEST_F(GatewayCliTest, CheckConfigNamesTheMissingKeyOnOneLine) {
    for (const auto& [section, key] : std::vector<std::pair<std::string, std::string>>{{"intercom", "client_id"},
                                                                                       {"intercom", "client_secret"},
                                                                                       {"session", "encryption_key"},
                                                                                       {"server", "public_url"},
                                                                                       {"tls", "cert_file"}}) {
        const auto result = check(write_config([&](GatewaySettings& s) { s.erase(section, key); }));
        EXPECT_FALSE(result.status.success()) << section << "." << key;
        const auto errors = gateway_error_lines(result.output);
        ASSERT_EQ(errors.size(), 1u) << "expected one error line:\n" << result.output;
        EXPECT_TRUE(errors[0].starts_with(section + "." + key + ": ")) << errors[0];
        expect_no_secret(result.output);
    }
}

TEST_F(GatewayCliTest, CheckConfigRejectsAnUnknownKey) {
    const auto result = check(write_config([](GatewaySettings& s) { s.set("server", "listn", "x"); }));
    EXPECT_FALSE(result.status.success());
    EXPECT_NE(result.output.find("server.listn"), std::string::npos) << result.output;
}

TEST_F(GatewayCliTest, CheckConfigDoesNotEchoABadSecret) {
    const auto result = check(write_config(
        [](GatewaySettings& s) { s.set("session", "encryption_key", "this-is-not-a-valid-key-but-secret"); }));
    EXPECT_FALSE(result.status.success());
    EXPECT_NE(result.output.find("session.encryption_key"), std::string::npos) << result.output;
    EXPECT_EQ(result.output.find("this-is-not-a-valid-key-but-secret"), std::string::npos) << result.output;
}

TEST_F(GatewayCliTest, CheckConfigReadsSecretsFromTheEnvironmentAndFiles) {
    const auto config = write_config([](GatewaySettings& s) {
        s.erase("intercom", "client_secret");
        s.erase("session", "encryption_key");
    });
    const auto secret_file = dir.write_file("client_secret", std::string(MockIntercom::client_secret) + "\n");
    const auto result = check(config, {{"GATEWAY_INTERCOM_CLIENT_SECRET_FILE", secret_file.string()},
                                       {"GATEWAY_SESSION_ENCRYPTION_KEY", encryption_key}});
    EXPECT_TRUE(result.status.success()) << result.output;
    expect_no_secret(result.output);
}

TEST_F(GatewayCliTest, StartingWithABadConfigFailsWithOneLine) {
    const auto config = write_config([](GatewaySettings& s) { s.set("session", "absolute_timeout", "1s"); });
    const auto result = run_gateway_command({"--config", config.string()});
    EXPECT_FALSE(result.status.success()) << result.output;
    EXPECT_NE(result.output.find("session.absolute_timeout"), std::string::npos) << result.output;
    EXPECT_EQ(trimmed(result.output).find('\n'), std::string::npos) << result.output;
}

TEST_F(GatewayCliTest, StartingOnAPortInUseFailsClearly) {
    auto& running = gateway();
    const auto config = write_config();  // the same listen address
    const auto result = run_gateway_command({"--config", config.string()});
    EXPECT_FALSE(result.status.success()) << result.output;
    EXPECT_NE(result.output.find(std::to_string(running.port())), std::string::npos) << result.output;
}

TEST_F(GatewayCliTest, HelpAndVersion) {
    const auto help = run_gateway_command({"--help"});
    EXPECT_TRUE(help.status.success());
    EXPECT_NE(help.output.find("--config"), std::string::npos) << help.output;
    EXPECT_NE(help.output.find("--check-config"), std::string::npos) << help.output;
    EXPECT_NE(help.output.find("SIGHUP reloads the configuration"), std::string::npos) << help.output;
    const auto version = run_gateway_command({"--version"});
    EXPECT_TRUE(version.status.success());
    EXPECT_TRUE(version.output.starts_with("intercom-gateway ")) << version.output;
}

TEST_F(GatewayCliTest, UnknownArgumentIsAnError) {
    const auto result = run_gateway_command({"--frobnicate"});
    EXPECT_FALSE(result.status.success());
    EXPECT_NE(result.output.find("--frobnicate"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace icg::testing
