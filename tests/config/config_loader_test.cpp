#include "config/config_loader.hpp"

#include "config/config_keys.hpp"
#include "core/base64.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace icg::config {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// Secret values that no error message or summary may ever show.
// NOLINTBEGIN(cert-err58-cpp): test constants; an allocation failure here would end the run anyway
const std::string client_secret = "cs-SECRET-7f3a9c2e";
const std::string redis_password = "rp-SECRET-41d8b0";
const std::string key_bytes = "0123456789abcdef0123456789ABCDEF";  // 32 bytes
const std::string encryption_key = core::base64_encode(key_bytes);
// NOLINTEND(cert-err58-cpp)

struct Key {
    std::string section;
    std::string name;
};

class ConfigLoaderTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir.write_file("cert.pem", "certificate");
        dir.write_file("key.pem", "key");
        dir.write_file("ca.pem", "ca");
        std::filesystem::create_directory(dir / "static");
        values = {
            {"server",
             {{"listen", q("127.0.0.1:8443")},
              {"public_url", q("https://gateway.example.com")},
              {"static_dir", q((dir / "static").string())},
              {"threads", "2"}}},
            {"tls", {{"cert_file", q((dir / "cert.pem").string())}, {"key_file", q((dir / "key.pem").string())}}},
            {"redis",
             {{"url", q("redis://:" + redis_password + "@127.0.0.1:6380/3")}, {"command_timeout", q("300ms")}}},
            {"intercom",
             {{"client_id", q("client-abc")},
              {"client_secret", q(client_secret)},
              {"authorize_url", q("https://idp.example.com/oauth")},
              {"token_url", q("https://api.example.com/auth/eagle/token")},
              {"api_base", q("https://api.example.com/")},
              {"ca_file", q((dir / "ca.pem").string())},
              {"timeout", q("2s")}}},
            {"session",
             {{"encryption_key", q(encryption_key)}, {"idle_timeout", q("8h")}, {"absolute_timeout", q("7d")}}},
        };
    }

    static std::string q(const std::string& s) { return "\"" + s + "\""; }

    void set(const std::string& section, const std::string& key, const std::string& literal) {
        values[section][key] = literal;
    }
    void erase(const std::string& section, const std::string& key) { values[section].erase(key); }

    std::string write() {
        std::string toml;
        for (const auto& [section, keys] : values) {
            toml += "[" + section + "]\n";
            for (const auto& [k, v] : keys) toml += k + " = " + v + "\n";
        }
        toml += extra_toml;
        return dir.write_file("gateway.toml", toml).string();
    }

    GatewayConfig load() { return load_config(write(), env); }
    ConfigCheck check() { return check_config(write(), env); }

    // The ConfigError message; fails the test when loading succeeds.
    std::string error() {
        try {
            load();
        } catch (const ConfigError& e) {
            check_no_secret(e.what());
            return e.what();
        }
        ADD_FAILURE() << "expected a ConfigError";
        return {};
    }

    static void check_no_secret(const std::string& text) {
        for (const auto& secret : {client_secret, redis_password, encryption_key, key_bytes})
            EXPECT_EQ(text.find(secret), std::string::npos) << "a secret leaked into: " << text;
    }

    TempDir dir;
    std::map<std::string, std::map<std::string, std::string>> values;
    std::string extra_toml;  // written after the sections: [[arrays.of.tables]]
    std::map<std::string, std::string> env;
};

#define EXPECT_STARTS_WITH(text, prefix) EXPECT_TRUE(std::string(text).starts_with(prefix)) << "message: " << (text)

TEST_F(ConfigLoaderTest, LoadsACompleteFile) {
    const auto c = load();
    EXPECT_EQ(c.server.listen.host, "127.0.0.1");
    EXPECT_EQ(c.server.listen.port, 8443);
    EXPECT_EQ(c.server.public_url, "https://gateway.example.com");
    EXPECT_EQ(c.server.static_dir, (dir / "static").string());
    EXPECT_EQ(c.server.threads, 2u);
    EXPECT_EQ(c.tls.cert_file, (dir / "cert.pem").string());
    EXPECT_EQ(c.tls.key_file, (dir / "key.pem").string());
    EXPECT_EQ(c.redis.url.expose(), "redis://:" + redis_password + "@127.0.0.1:6380/3");
    EXPECT_EQ(c.redis.command_timeout, 300ms);
    EXPECT_EQ(c.intercom.client_id, "client-abc");
    EXPECT_EQ(c.intercom.client_secret.expose(), client_secret);
    EXPECT_EQ(c.intercom.authorize_url, "https://idp.example.com/oauth");
    EXPECT_EQ(c.intercom.token_url, "https://api.example.com/auth/eagle/token");
    EXPECT_EQ(c.intercom.api_base, "https://api.example.com") << "the trailing slash is dropped";
    EXPECT_EQ(c.intercom.api.host, "api.example.com");
    EXPECT_EQ(c.intercom.api.port, "443");
    EXPECT_EQ(c.intercom.api.host_header, "api.example.com");
    EXPECT_EQ(c.intercom.api.path, "");
    EXPECT_EQ(c.redis.endpoint.host, "127.0.0.1");
    EXPECT_EQ(c.redis.endpoint.port, 6380);
    EXPECT_EQ(c.redis.endpoint.database, 3);
    EXPECT_EQ(c.redis.endpoint.password.expose(), redis_password);
    EXPECT_FALSE(c.proxy.allow_list.restricts());
    EXPECT_EQ(c.intercom.ca_file, (dir / "ca.pem").string());
    EXPECT_EQ(c.intercom.timeout, 2s);
    ASSERT_EQ(c.session.encryption_keys.size(), 1u) << "one key is a ring of one";
    EXPECT_EQ(c.session.encryption_keys[0].id, "default");
    EXPECT_EQ(c.session.encryption_keys[0].key.expose(), key_bytes) << "the key is stored decoded";
    EXPECT_EQ(c.session.idle_timeout, 8h);
    EXPECT_EQ(c.session.absolute_timeout, std::chrono::hours(7 * 24));
}

TEST_F(ConfigLoaderTest, OptionalKeysKeepTheirDefaults) {
    erase("server", "listen");
    erase("server", "static_dir");
    erase("server", "threads");
    erase("redis", "url");
    erase("redis", "command_timeout");
    erase("intercom", "authorize_url");
    erase("intercom", "token_url");
    erase("intercom", "api_base");
    erase("intercom", "ca_file");
    erase("intercom", "timeout");
    erase("session", "idle_timeout");
    erase("session", "absolute_timeout");
    const auto c = load();
    const GatewayConfig defaults;
    EXPECT_EQ(c.server.listen.host, defaults.server.listen.host);
    EXPECT_EQ(c.server.listen.port, defaults.server.listen.port);
    EXPECT_EQ(c.server.static_dir, "");
    EXPECT_EQ(c.redis.url.expose(), "redis://127.0.0.1:6379/0");
    EXPECT_EQ(c.redis.key_prefix, "icg:");
    EXPECT_EQ(c.intercom.authorize_url, defaults.intercom.authorize_url);
    EXPECT_EQ(c.intercom.api_base, defaults.intercom.api_base);
    EXPECT_EQ(c.session.idle_timeout, defaults.session.idle_timeout);
    EXPECT_EQ(c.session.absolute_timeout, defaults.session.absolute_timeout);
    EXPECT_EQ(c.session.cookie_name, "__Host-icg-session");
    EXPECT_TRUE(c.session.cache);
    EXPECT_EQ(c.session.cache_ttl, std::chrono::seconds(30));
    EXPECT_EQ(c.session.cache_max_entries, 100'000u);
    EXPECT_EQ(c.server.max_connections, 0u) << "0: from the descriptor limit";
    EXPECT_EQ(c.server.handshake_timeout, 10s);
    EXPECT_EQ(c.intercom.api_version, "2.14") << "the version Intercom's own SDKs default to";
}

TEST_F(ConfigLoaderTest, ConnectionCapAndHandshakeDeadlineAreReadAndChecked) {
    set("server", "max_connections", "500");
    set("server", "handshake_timeout", q("3s"));
    const auto c = load();
    EXPECT_EQ(c.server.max_connections, 500u);
    EXPECT_EQ(c.server.handshake_timeout, 3s);
    for (const char* bad : {"-1", "1000001", "\"lots\""}) {
        SetUp();
        set("server", "max_connections", bad);
        EXPECT_STARTS_WITH(error(), "server.max_connections");
    }
    SetUp();
    set("server", "handshake_timeout", q("0s"));
    EXPECT_STARTS_WITH(error(), "server.handshake_timeout");
}

class RequiredKeyTest : public ConfigLoaderTest, public ::testing::WithParamInterface<Key> {};

TEST_P(RequiredKeyTest, MissingKeyIsNamedFirstInTheError) {
    const auto& key = GetParam();
    erase(key.section, key.name);
    EXPECT_STARTS_WITH(error(), key.section + "." + key.name);
}

TEST_P(RequiredKeyTest, EmptyValueCountsAsMissing) {
    const auto& key = GetParam();
    set(key.section, key.name, "\"\"");
    EXPECT_STARTS_WITH(error(), key.section + "." + key.name);
}

INSTANTIATE_TEST_SUITE_P(EveryRequiredKey, RequiredKeyTest,
                         ::testing::Values(Key{"server", "public_url"}, Key{"tls", "cert_file"}, Key{"tls", "key_file"},
                                           Key{"intercom", "client_id"}, Key{"intercom", "client_secret"},
                                           Key{"session", "encryption_key"}),
                         [](const auto& info) { return info.param.section + "_" + info.param.name; });

TEST_F(ConfigLoaderTest, UnknownKeyIsRejected) {
    set("server", "lisen", q("0.0.0.0:1"));
    EXPECT_STARTS_WITH(error(), "server.lisen");
}

TEST_F(ConfigLoaderTest, UnknownSectionIsRejected) {
    set("sesion", "idle_timeout", q("1h"));
    EXPECT_STARTS_WITH(error(), "[sesion]: unknown section in ");
}

TEST_F(ConfigLoaderTest, KeyOutsideASectionIsRejected) {
    const auto path = dir.write_file("top.toml", "public_url = \"https://x.example.com\"\n");
    EXPECT_THROW(load_config(path.string(), env), ConfigError);
}

TEST_F(ConfigLoaderTest, MalformedTomlIsAConfigError) {
    const auto path = dir.write_file("broken.toml", "[server\npublic_url = \n");
    EXPECT_THROW(load_config(path.string(), env), ConfigError);
}

TEST_F(ConfigLoaderTest, MissingFileIsAConfigError) {
    EXPECT_THROW(load_config((dir / "nowhere.toml").string(), env), ConfigError);
}

TEST_F(ConfigLoaderTest, EnvironmentOverridesTheFile) {
    env["GATEWAY_INTERCOM_CLIENT_ID"] = "from-env";
    env["GATEWAY_SESSION_IDLE_TIMEOUT"] = "30m";
    env["GATEWAY_SERVER_LISTEN"] = "127.0.0.1:9443";
    const auto c = load();
    EXPECT_EQ(c.intercom.client_id, "from-env");
    EXPECT_EQ(c.session.idle_timeout, 30min);
    EXPECT_EQ(c.server.listen.port, 9443);
}

TEST_F(ConfigLoaderTest, EnvironmentAloneIsEnoughWithoutAFile) {
    env = {
        {"GATEWAY_SERVER_PUBLIC_URL", "https://gw.example.com"}, {"GATEWAY_TLS_CERT_FILE", (dir / "cert.pem").string()},
        {"GATEWAY_TLS_KEY_FILE", (dir / "key.pem").string()},    {"GATEWAY_INTERCOM_CLIENT_ID", "env-client"},
        {"GATEWAY_INTERCOM_CLIENT_SECRET", client_secret},       {"GATEWAY_SESSION_ENCRYPTION_KEY", encryption_key},
    };
    const auto c = load_config("", env);
    EXPECT_EQ(c.server.public_url, "https://gw.example.com");
    EXPECT_EQ(c.intercom.client_id, "env-client");
    EXPECT_EQ(c.intercom.client_secret.expose(), client_secret);
}

TEST_F(ConfigLoaderTest, SecretFileIsReadAndItsTrailingNewlineDropped) {
    erase("session", "encryption_key");
    erase("intercom", "client_secret");
    env["GATEWAY_SESSION_ENCRYPTION_KEY_FILE"] = dir.write_file("key.b64", encryption_key + "\n").string();
    env["GATEWAY_INTERCOM_CLIENT_SECRET_FILE"] = dir.write_file("client_secret", client_secret + "\r\n").string();
    const auto c = load();
    EXPECT_EQ(c.session.encryption_keys.at(0).key.expose(), key_bytes);
    EXPECT_EQ(c.intercom.client_secret.expose(), client_secret);
}

TEST_F(ConfigLoaderTest, SecretFileOverridesTheConfigFile) {
    env["GATEWAY_INTERCOM_CLIENT_SECRET_FILE"] = dir.write_file("client_secret", "from-file\n").string();
    EXPECT_EQ(load().intercom.client_secret.expose(), "from-file");
}

TEST_F(ConfigLoaderTest, SecretSetBothDirectlyAndThroughAFileIsAnError) {
    env["GATEWAY_SESSION_ENCRYPTION_KEY"] = encryption_key;
    env["GATEWAY_SESSION_ENCRYPTION_KEY_FILE"] = dir.write_file("key.b64", encryption_key + "\n").string();
    EXPECT_STARTS_WITH(error(), "GATEWAY_SESSION_ENCRYPTION_KEY");
}

TEST_F(ConfigLoaderTest, UnreadableSecretFileIsAnErrorNamingThePathAndTheReason) {
    erase("intercom", "client_secret");
    env["GATEWAY_INTERCOM_CLIENT_SECRET_FILE"] = (dir / "missing").string();
    EXPECT_EQ(error(), "GATEWAY_INTERCOM_CLIENT_SECRET_FILE: cannot read " + (dir / "missing").string() +
                           ": No such file or directory")
        << "one line: no second 'is required' for the secret the file was meant to give";
}

TEST_F(ConfigLoaderTest, FileVariantExistsOnlyForSecrets) {
    // client_id is not a secret: GATEWAY_INTERCOM_CLIENT_ID_FILE is not a variable the gateway reads.
    env["GATEWAY_INTERCOM_CLIENT_ID_FILE"] = dir.write_file("id", "from-file\n").string();
    const auto e = error();
    EXPECT_STARTS_WITH(e, "environment: unknown variables GATEWAY_INTERCOM_CLIENT_ID_FILE");
}

TEST_F(ConfigLoaderTest, DurationsAcceptEveryUnit) {
    set("redis", "command_timeout", q("750ms"));
    set("intercom", "timeout", q("15"));
    set("session", "idle_timeout", q("45m"));
    set("session", "absolute_timeout", q("30d"));
    const auto c = load();
    EXPECT_EQ(c.redis.command_timeout, 750ms);
    EXPECT_EQ(c.intercom.timeout, 15s);
    EXPECT_EQ(c.session.idle_timeout, 45min);
    EXPECT_EQ(c.session.absolute_timeout, std::chrono::hours(30 * 24));
}

TEST_F(ConfigLoaderTest, BadDurationsAreRejectedByName) {
    for (const char* bad : {"\"\"", "\"abc\"", "\"-5s\"", "\"0s\"", "\"5x\"", "\"1.5s\"", "\"5 s\"", "\"s\"", "true"}) {
        SetUp();
        set("intercom", "timeout", bad);
        EXPECT_STARTS_WITH(error(), "intercom.timeout");
    }
}

// Found by fuzzing: a huge number times its unit overflowed instead of failing.
TEST_F(ConfigLoaderTest, DurationsTooLongToHoldAreRejectedByName) {
    for (const char* bad : {"\"9223372036854775807d\"", "\"99999999999999h\"", "\"36501d\""}) {
        SetUp();
        set("session", "idle_timeout", bad);
        EXPECT_STARTS_WITH(error(), "session.idle_timeout");
    }
    SetUp();
    set("session", "absolute_timeout", "\"36500d\"");
    EXPECT_EQ(load().session.absolute_timeout, std::chrono::hours(24 * 36500));
}

TEST_F(ConfigLoaderTest, DurationShorterThanItsUnitIsRejected) {
    set("session", "idle_timeout", q("500ms"));
    EXPECT_STARTS_WITH(error(), "session.idle_timeout");
}

TEST_F(ConfigLoaderTest, BadListenAddressesAreRejectedByName) {
    for (const char* bad :
         {"127.0.0.1", ":8443", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:http", "127.0.0.1:-1", "127.0.0.1:80x"}) {
        SetUp();
        set("server", "listen", q(bad));
        EXPECT_STARTS_WITH(error(), "server.listen");
    }
}

TEST_F(ConfigLoaderTest, IPv6ListenAddressLosesItsBrackets) {
    set("server", "listen", q("[::1]:8443"));
    const auto c = load();
    EXPECT_EQ(c.server.listen.host, "::1");
    EXPECT_EQ(c.server.listen.port, 8443);
}

TEST_F(ConfigLoaderTest, ThreadCountIsBounded) {
    for (const char* bad : {"-1", "257", "\"two\""}) {
        SetUp();
        set("server", "threads", bad);
        EXPECT_STARTS_WITH(error(), "server.threads");
    }
}

TEST_F(ConfigLoaderTest, SessionCacheSettingsAreReadAndChecked) {
    set("session", "cache", "false");
    set("session", "cache_ttl", "\"5s\"");
    set("session", "cache_max_entries", "1000");
    const auto c = load();
    EXPECT_FALSE(c.session.cache);
    EXPECT_EQ(c.session.cache_ttl, std::chrono::seconds(5));
    EXPECT_EQ(c.session.cache_max_entries, 1000u);
    for (const char* bad : {"0", "-5", "\"many\""}) {
        SetUp();
        set("session", "cache_max_entries", bad);
        EXPECT_STARTS_WITH(error(), "session.cache_max_entries");
    }
    SetUp();
    set("session", "cache", "\"sometimes\"");
    EXPECT_STARTS_WITH(error(), "session.cache");
}

TEST_F(ConfigLoaderTest, UpstreamConnectionBoundIsCheckedAgainstThePoolSize) {
    set("proxy", "max_connections", "8");
    set("proxy", "pool_size", "8");
    EXPECT_EQ(load().proxy.max_connections, 8u);
    SetUp();
    set("proxy", "max_connections", "8");
    set("proxy", "pool_size", "9");
    EXPECT_STARTS_WITH(error(), "proxy.pool_size");
    SetUp();
    set("proxy", "max_connections", "0");
    EXPECT_STARTS_WITH(error(), "proxy.max_connections");
}

// The loader hands out parsed values, so nothing after it parses a URL or a rule again.
TEST_F(ConfigLoaderTest, UrlsAndRulesArePassedOnParsed) {
    set("intercom", "api_base", q("https://[::1]:8444/base/"));
    set("proxy", "allow", R"(["GET /me", "POST /contacts/search"])");
    const auto c = load();
    EXPECT_EQ(c.intercom.api.host, "::1");
    EXPECT_EQ(c.intercom.api.port, "8444");
    EXPECT_EQ(c.intercom.api.host_header, "[::1]:8444");
    EXPECT_EQ(c.intercom.api.path, "/base");
    EXPECT_TRUE(c.proxy.allow_list.restricts());
    EXPECT_TRUE(c.proxy.allow_list.allows("GET", "/me"));
    EXPECT_FALSE(c.proxy.allow_list.allows("DELETE", "/me"));
}

TEST_F(ConfigLoaderTest, PerSessionCallBoundStaysWithinTheUpstreamBound) {
    EXPECT_EQ(load().proxy.max_in_flight_per_session, 8u);
    set("proxy", "max_connections", "4");
    set("proxy", "pool_size", "4");
    EXPECT_EQ(load().proxy.max_in_flight_per_session, 4u) << "the default shrinks to the upstream bound";
    set("proxy", "max_in_flight_per_session", "5");
    EXPECT_STARTS_WITH(error(), "proxy.max_in_flight_per_session");
    set("proxy", "max_in_flight_per_session", "0");
    EXPECT_STARTS_WITH(error(), "proxy.max_in_flight_per_session");
}

TEST_F(ConfigLoaderTest, PendingLoginBoundsAreReadAndChecked) {
    set("session", "max_pending_logins_per_browser", "4");
    set("session", "max_pending_logins_per_address", "40");
    const auto c = load();
    EXPECT_EQ(c.session.max_pending_logins_per_browser, 4u);
    EXPECT_EQ(c.session.max_pending_logins_per_address, 40u);
    set("session", "max_pending_logins_per_address", "3");
    EXPECT_STARTS_WITH(error(), "session.max_pending_logins_per_address");
    set("session", "max_pending_logins_per_browser", "0");
    EXPECT_STARTS_WITH(error(), "session.max_pending_logins_per_browser");
}

TEST_F(ConfigLoaderTest, PublicUrlMustBeAnHttpsOrigin) {
    for (const char* bad :
         {"http://gateway.example.com", "https://gateway.example.com/app", "https://gateway.example.com/?x=1",
          "https://gateway.example.com#top", "https://user:pw@gateway.example.com", "gateway.example.com", "https://",
          "ftp://gateway.example.com"}) {
        SetUp();
        set("server", "public_url", q(bad));
        EXPECT_STARTS_WITH(error(), "server.public_url");
    }
}

TEST_F(ConfigLoaderTest, PublicUrlMayEndInOneSlashWhichIsDropped) {
    set("server", "public_url", q("https://gateway.example.com:8443/"));
    EXPECT_EQ(load().server.public_url, "https://gateway.example.com:8443");
}

TEST_F(ConfigLoaderTest, IntercomUrlsMustBeHttps) {
    for (const char* key : {"authorize_url", "token_url", "api_base"}) {
        SetUp();
        set("intercom", key, q("http://api.example.com/x"));
        EXPECT_STARTS_WITH(error(), std::string("intercom.") + key);
    }
}

TEST_F(ConfigLoaderTest, EncryptionKeyMustBe32BytesOfBase64) {
    for (const std::string& bad : {core::base64_encode(std::string(31, 'k')), core::base64_encode(std::string(33, 'k')),
                                   std::string("not base64 at all, but a secret"), key_bytes}) {
        SetUp();
        set("session", "encryption_key", q(bad));
        const auto message = error();
        EXPECT_STARTS_WITH(message, "session.encryption_key");
        EXPECT_EQ(message.find(bad), std::string::npos) << message;
    }
}

TEST_F(ConfigLoaderTest, AbsoluteTimeoutMustNotBeShorterThanIdleTimeout) {
    set("session", "idle_timeout", q("2h"));
    set("session", "absolute_timeout", q("1h"));
    EXPECT_STARTS_WITH(error(), "session.absolute_timeout");
}

TEST_F(ConfigLoaderTest, AbsoluteTimeoutMayEqualIdleTimeout) {
    set("session", "idle_timeout", q("2h"));
    set("session", "absolute_timeout", q("120m"));
    EXPECT_NO_THROW(load());
}

TEST_F(ConfigLoaderTest, MissingFilesAndDirectoriesAreNamed) {
    set("tls", "cert_file", q((dir / "none.pem").string()));
    EXPECT_STARTS_WITH(error(), "tls.cert_file");
    SetUp();
    set("tls", "key_file", q((dir / "none.key").string()));
    EXPECT_STARTS_WITH(error(), "tls.key_file");
    SetUp();
    set("intercom", "ca_file", q((dir / "none-ca.pem").string()));
    EXPECT_STARTS_WITH(error(), "intercom.ca_file");
    SetUp();
    set("server", "static_dir", q((dir / "no-such-dir").string()));
    EXPECT_STARTS_WITH(error(), "server.static_dir");
}

TEST_F(ConfigLoaderTest, BadRedisUrlIsRejectedWithoutItsPassword) {
    const std::string auth = ":" + redis_password + "@";
    for (const std::string& bad : {"rediss://" + auth + "127.0.0.1:6380/99", "redis://" + auth + "127.0.0.1:6380/99",
                                   "http://" + auth + "127.0.0.1:6380/0", "redis://" + auth}) {
        SetUp();
        set("redis", "url", q(bad));
        EXPECT_STARTS_WITH(error(), "redis.url");
    }
}

TEST_F(ConfigLoaderTest, RedisTlsFilesNeedARedissUrl) {
    const std::string auth = ":" + redis_password + "@";
    set("redis", "ca_file", q((dir / "ca.pem").string()));
    EXPECT_STARTS_WITH(error(), "redis.ca_file: needs a rediss:// redis.url");
    SetUp();
    set("redis", "url", q("rediss://" + auth + "redis.internal:6380/0"));
    set("redis", "ca_file", q((dir / "ca.pem").string()));
    set("redis", "cert_file", q((dir / "cert.pem").string()));
    set("redis", "key_file", q((dir / "key.pem").string()));
    const auto c = load();
    EXPECT_TRUE(c.redis.endpoint.tls);
    EXPECT_EQ(c.redis.ca_file, (dir / "ca.pem").string());
    EXPECT_EQ(c.redis.cert_file, (dir / "cert.pem").string());
    EXPECT_EQ(c.redis.key_file, (dir / "key.pem").string());
}

TEST_F(ConfigLoaderTest, RedisClientCertificateAndKeyGoTogether) {
    set("redis", "url", q("rediss://127.0.0.1:6380/0"));
    set("redis", "cert_file", q((dir / "cert.pem").string()));
    EXPECT_STARTS_WITH(error(), "redis.key_file: redis.cert_file and redis.key_file go together");
    SetUp();
    set("redis", "url", q("rediss://127.0.0.1:6380/0"));
    set("redis", "key_file", q((dir / "no-such.key").string()));
    EXPECT_STARTS_WITH(error(), "redis.key_file");
}

TEST_F(ConfigLoaderTest, SentinelsNeedAMasterNameAndAreHostPortPairs) {
    set("redis", "sentinels", R"(["10.0.0.1:26379", "[::1]:26380", "sentinel-c:26381"])");
    set("redis", "master_name", q("gateway"));
    set("redis", "sentinel_password", q("sentinel-secret"));
    set("redis", "min_replicas_ack", "1");
    set("redis", "replica_ack_timeout", q("250ms"));
    const auto c = load();
    ASSERT_EQ(c.redis.sentinels.size(), 3u);
    EXPECT_EQ(c.redis.sentinels[1].host, "::1");
    EXPECT_EQ(c.redis.sentinels[1].port, 26380);
    EXPECT_EQ(c.redis.master_name, "gateway");
    EXPECT_EQ(c.redis.sentinel_password.expose(), "sentinel-secret");
    EXPECT_EQ(c.redis.min_replicas_ack, 1);
    EXPECT_EQ(c.redis.replica_ack_timeout, 250ms);
    SetUp();
    set("redis", "sentinels", R"(["10.0.0.1:26379"])");
    EXPECT_STARTS_WITH(error(), "redis.master_name: is required with redis.sentinels");
    SetUp();
    set("redis", "master_name", q("gateway"));
    EXPECT_STARTS_WITH(error(), "redis.sentinels: is required with redis.master_name");
    SetUp();
    set("redis", "sentinels", R"(["10.0.0.1"])");
    set("redis", "master_name", q("gateway"));
    EXPECT_STARTS_WITH(error(), "redis.sentinels");
    SetUp();
    set("redis", "min_replicas_ack", "-1");
    EXPECT_STARTS_WITH(error(), "redis.min_replicas_ack");
}

TEST_F(ConfigLoaderTest, ClusterNodesAreHostPortPairsAndExcludeSentinels) {
    set("redis", "cluster_nodes", R"(["10.0.0.1:7000", "10.0.0.2:7001"])");
    set("redis", "url", q("redis://10.0.0.1:7000/0"));
    const auto c = load();
    ASSERT_EQ(c.redis.cluster_nodes.size(), 2u);
    EXPECT_EQ(c.redis.cluster_nodes[1].host, "10.0.0.2");
    EXPECT_EQ(c.redis.cluster_nodes[1].port, 7001);
    SetUp();
    set("redis", "cluster_nodes", R"(["10.0.0.1:7000"])");
    set("redis", "sentinels", R"(["10.0.0.1:26379"])");
    set("redis", "master_name", q("gateway"));
    EXPECT_STARTS_WITH(error(), "redis.cluster_nodes: and redis.sentinels exclude each other");
    SetUp();
    set("redis", "cluster_nodes", R"(["10.0.0.1:7000"])");
    set("redis", "url", q("redis://10.0.0.1:7000/2"));
    EXPECT_STARTS_WITH(error(), "redis.url: must name database 0 with redis.cluster_nodes");
    SetUp();
    set("redis", "cluster_nodes", R"(["10.0.0.1"])");
    EXPECT_STARTS_WITH(error(), "redis.cluster_nodes");
}

TEST_F(ConfigLoaderTest, WrongValueTypeIsRejectedByName) {
    set("server", "public_url", "[\"https://a.example.com\"]");
    EXPECT_STARTS_WITH(error(), "server.public_url");
}

TEST_F(ConfigLoaderTest, CookieNameMustBeAToken) {
    set("session", "cookie_name", q("bad name;"));
    EXPECT_STARTS_WITH(error(), "session.cookie_name");
}

TEST_F(ConfigLoaderTest, SyntaxErrorNextToASecretDoesNotQuoteIt) {
    // An unterminated string: the parser's message must not echo the line it choked on.
    const auto path = dir.write_file("leak.toml", "[intercom]\nclient_secret = \"" + client_secret + "\n");
    try {
        load_config(path.string(), env);
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& e) {
        check_no_secret(e.what());
    }
}

TEST_F(ConfigLoaderTest, DescribeShowsSettingsButNeverSecrets) {
    const auto summary = describe(check());
    check_no_secret(summary);
    EXPECT_NE(summary.find("intercom.client_secret = (set)"), std::string::npos) << summary;
    EXPECT_NE(summary.find("session.encryption_key = (set)"), std::string::npos) << summary;
    EXPECT_NE(summary.find("redis.url = redis://:***@127.0.0.1:6380/3"), std::string::npos) << summary;
    EXPECT_NE(summary.find("intercom.client_id = client-abc"), std::string::npos) << summary;
    EXPECT_NE(summary.find("server.public_url = https://gateway.example.com"), std::string::npos) << summary;
}

TEST_F(ConfigLoaderTest, DescribeOfSecretsFromEnvironmentAndFilesHidesThemToo) {
    erase("intercom", "client_secret");
    env["GATEWAY_INTERCOM_CLIENT_SECRET_FILE"] = dir.write_file("client_secret", client_secret + "\n").string();
    env["GATEWAY_REDIS_URL"] = "redis://admin:" + redis_password + "@127.0.0.1:6379/0";
    const auto summary = describe(check());
    check_no_secret(summary);
    EXPECT_NE(summary.find("redis.url = redis://admin:***@127.0.0.1:6379/0"), std::string::npos) << summary;
}

// The SHA-256 of "k" in hex, and its 32 bytes.
constexpr std::string_view k_hash = "8254c329a92850f6d539dd376f4816ee2764517da5e0235514af433164480d7a";

TEST_F(ConfigLoaderTest, InternalListenerIsOffByDefault) {
    const auto c = load();
    EXPECT_FALSE(c.internal.listen);
    EXPECT_TRUE(c.internal.tls);
    EXPECT_TRUE(c.internal.services.empty());
}

TEST_F(ConfigLoaderTest, TheAdminListenerIsOnLoopbackByDefaultAndOffWhenEmpty) {
    ASSERT_TRUE(load().admin.listen);
    EXPECT_EQ(load().admin.listen->host, "127.0.0.1");
    EXPECT_EQ(load().admin.listen->port, 9090);
    set("admin", "listen", q("0.0.0.0:9102"));
    EXPECT_EQ(load().admin.listen->port, 9102);
    set("admin", "listen", q(""));
    EXPECT_FALSE(load().admin.listen);
    env["GATEWAY_ADMIN_LISTEN"] = "[::1]:9103";
    ASSERT_TRUE(load().admin.listen);
    EXPECT_EQ(load().admin.listen->host, "::1");
}

TEST_F(ConfigLoaderTest, TheAdminListenerMustNotShareAnotherListenersAddress) {
    set("admin", "listen", q("nowhere"));
    EXPECT_STARTS_WITH(error(), "admin.listen: must be host:port");
    set("server", "listen", q("127.0.0.1:9443"));
    set("admin", "listen", q("127.0.0.1:9443"));
    EXPECT_STARTS_WITH(error(), "admin.listen: must differ from server.listen");
    set("server", "listen", q("127.0.0.1:8443"));
    set("internal", "listen", q("127.0.0.1:9443"));
    EXPECT_STARTS_WITH(error(), "admin.listen: must differ from internal.listen");
}

TEST_F(ConfigLoaderTest, ServicesAreReadFromArraysOfTables) {
    set("internal", "listen", q("127.0.0.1:9443"));
    dir.write_file("clients-ca.pem", "ca");
    set("internal", "client_ca_file", q((dir / "clients-ca.pem").string()));
    extra_toml = std::string("[[internal.services]]\nname = \"billing-sync\"\nkey_sha256 = \"") + std::string(k_hash) +
                 "\"\nworkspaces = [\"*\"]\nallow = [\"GET /contacts/**\", \"POST /contacts/search\"]\n"
                 "[[internal.services]]\nname = \"ops\"\npeer = \"spiffe://corp/ops\"\n"
                 "workspaces = [\"ws1\", \"ws2\"]\nadmin = true\n";
    const auto c = load();
    ASSERT_TRUE(c.internal.listen);
    EXPECT_EQ(c.internal.listen->port, 9443);
    ASSERT_EQ(c.internal.services.size(), 2u);
    const auto& billing = c.internal.services[0];
    EXPECT_EQ(billing.name, "billing-sync");
    ASSERT_EQ(billing.key_sha256.size(), 32u) << "kept as raw bytes";
    EXPECT_EQ(static_cast<unsigned char>(billing.key_sha256[0]), 0x82);
    EXPECT_EQ(static_cast<unsigned char>(billing.key_sha256[31]), 0x7a);
    EXPECT_TRUE(billing.any_workspace);
    EXPECT_TRUE(billing.allow_list.allows("GET", "/contacts/abc"));
    EXPECT_FALSE(billing.allow_list.allows("DELETE", "/contacts/abc"));
    EXPECT_FALSE(billing.admin);
    const auto& ops = c.internal.services[1];
    EXPECT_EQ(ops.peer, "spiffe://corp/ops");
    EXPECT_TRUE(ops.key_sha256.empty());
    EXPECT_FALSE(ops.any_workspace);
    EXPECT_EQ(ops.workspaces, (std::vector<std::string>{"ws1", "ws2"}));
    EXPECT_FALSE(ops.allow_list.restricts());
    EXPECT_TRUE(ops.admin);
    const auto summary = describe(check());
    EXPECT_NE(summary.find("service billing-sync: key, every workspace, 2 rules"), std::string::npos) << summary;
    EXPECT_NE(summary.find("service ops: peer spiffe://corp/ops, 2 workspaces, every call, admin"), std::string::npos)
        << summary;
    EXPECT_EQ(summary.find(k_hash), std::string::npos) << "the hash is not shown either";
}

TEST_F(ConfigLoaderTest, EachMalformedServiceStopsStartUpNamingTheEntryAndField) {
    const std::string key = std::string("key_sha256 = \"") + std::string(k_hash) + "\"\n";
    const std::string ok = "name = \"a\"\n" + key + "workspaces = [\"*\"]\n";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"[[internal.services]]\n" + ok + "[[internal.services]]\n" + ok,
         "internal.services[1].name: \"a\" is used twice"},
        {"[[internal.services]]\nname = \"a\"\nkey_sha256 = \"abc\"\nworkspaces = [\"*\"]\n",
         "internal.services[0].key_sha256: must be 64 hex digits"},
        {"[[internal.services]]\nname = \"a\"\nworkspaces = [\"*\"]\n",
         "internal.services[0].key_sha256: or peer is required"},
        {"[[internal.services]]\nname = \"a b\"\n" + key + "workspaces = [\"*\"]\n", "internal.services[0].name:"},
        {"[[internal.services]]\nname = \"a\"\n" + key, "internal.services[0].workspaces: is required"},
        {"[[internal.services]]\n" + ok + "allow = [\"FETCH\"]\n", "internal.services[0].allow:"},
        {"[[internal.services]]\n" + ok + "admin = \"yes\"\n", "internal.services[0].admin: must be true or false"},
        {"[[internal.services]]\n" + ok + "wrokspaces = []\n", "internal.services[0].wrokspaces: unknown key"},
        {"[[internal.services]]\n" + ok + "[[internal.services]]\nname = \"b\"\n" + key + "workspaces = [\"*\"]\n",
         "internal.services[1].key_sha256: is the same as service \"a\"'s"},
        {"[[internal.services]]\nname = \"a\"\npeer = \"spiffe://x\"\nworkspaces = [\"*\"]\n",
         "internal.services[0].peer: needs internal.client_ca_file"},
        {"[[internal.services]]\nname = \"a\"\n" + key + "workspaces = [\"*\", \"ws1\"]\n",
         "internal.services[0].workspaces: mixes"},
    };
    for (const auto& [toml, expected] : cases) {
        extra_toml = toml;
        EXPECT_STARTS_WITH(error(), expected);
    }
    extra_toml.clear();
    set("internal", "services", "[1, 2]");
    EXPECT_STARTS_WITH(error(), "internal.services: must be an array of tables");
}

TEST_F(ConfigLoaderTest, PlainInternalListenerOnlyOnLoopback) {
    set("internal", "listen", q("0.0.0.0:9080"));
    set("internal", "tls", "false");
    EXPECT_STARTS_WITH(error(), "internal.tls: may be false only when internal.listen is a loopback address");
    set("internal", "listen", q("127.0.0.1:9080"));
    EXPECT_FALSE(load().internal.tls);
    set("internal", "listen", q("[::1]:9080"));
    EXPECT_EQ(load().internal.listen->host, "::1");
    dir.write_file("clients-ca.pem", "ca");
    set("internal", "client_ca_file", q((dir / "clients-ca.pem").string()));
    EXPECT_STARTS_WITH(error(), "internal.client_ca_file: needs internal.tls");
}

TEST_F(ConfigLoaderTest, InternalListenCanComeFromTheEnvironment) {
    env["GATEWAY_INTERNAL_LISTEN"] = "127.0.0.1:9444";
    EXPECT_EQ(load().internal.listen->port, 9444);
}

TEST_F(ConfigLoaderTest, EveryErrorIsReportedNotJustTheFirst) {
    set("server", "threads", "\"many\"");
    set("redis", "command_timeout", q("5x"));
    erase("intercom", "client_id");
    set("session", "cookie_name", q("bad name;"));
    env["GATEWAY_PROXY_POOL_SIZE"] = "-1";
    const auto c = check();
    ASSERT_EQ(c.errors.size(), 5u) << ::testing::PrintToString(c.errors);
    EXPECT_STARTS_WITH(c.errors[0], "server.threads: must be a whole number");
    EXPECT_STARTS_WITH(c.errors[1], "redis.command_timeout: unknown unit 'x'");
    EXPECT_STARTS_WITH(c.errors[2], "intercom.client_id: is required");
    EXPECT_STARTS_WITH(c.errors[3], "proxy.pool_size: must be between 0 and 10000");
    EXPECT_STARTS_WITH(c.errors[4], "session.cookie_name: must be a non-empty cookie token");
}

TEST_F(ConfigLoaderTest, ARuleBuiltOnABadKeyStaysQuiet) {
    set("proxy", "max_connections", q("lots"));
    set("proxy", "pool_size", "100");  // larger than the default max_connections, but that one is broken
    const auto c = check();
    ASSERT_EQ(c.errors.size(), 1u) << ::testing::PrintToString(c.errors);
    EXPECT_STARTS_WITH(c.errors[0], "proxy.max_connections: must be a whole number");
    EXPECT_TRUE(c.keys_with_errors.contains("proxy.max_connections"));
}

TEST_F(ConfigLoaderTest, LoadConfigThrowsEveryErrorOneLineEach) {
    set("server", "threads", "1000");
    set("tls", "min_version", q("1.1"));
    const std::string e = error();
    EXPECT_EQ(e, "server.threads: must be between 0 and 256\ntls.min_version: must be \"1.2\" or \"1.3\"");
}

TEST_F(ConfigLoaderTest, UnknownGatewayVariablesStopStartUpWithOneLineNamingThem) {
    env["GATEWAY_REDIS_ULR"] = "redis://127.0.0.1:6379/0";
    env["GATEWAY_NOTHING_LIKE_IT"] = "x";
    env["OTHER_VARIABLE"] = "not ours";
    const auto c = check();
    ASSERT_EQ(c.errors.size(), 1u) << ::testing::PrintToString(c.errors);
    EXPECT_STARTS_WITH(c.errors[0],
                       "environment: unknown variables GATEWAY_NOTHING_LIKE_IT, GATEWAY_REDIS_ULR "
                       "(did you mean GATEWAY_REDIS_URL?)");
}

TEST_F(ConfigLoaderTest, KubernetesServiceLinksAreNotMistakenForSettings) {
    // A Service named "gateway" gives every pod of the namespace these.
    env["GATEWAY_SERVICE_HOST"] = "10.0.0.7";
    env["GATEWAY_SERVICE_PORT"] = "443";
    env["GATEWAY_SERVICE_PORT_HTTPS"] = "443";
    env["GATEWAY_PORT"] = "tcp://10.0.0.7:443";
    env["GATEWAY_PORT_443_TCP_ADDR"] = "10.0.0.7";
    EXPECT_NO_THROW(load());
}

TEST_F(ConfigLoaderTest, TheFileProblemsEachHaveTheirOwnMessage) {
    const auto missing = (dir / "nowhere.toml").string();
    auto c = check_config(missing, env);
    ASSERT_FALSE(c.errors.empty());
    EXPECT_EQ(c.errors[0], missing + ": configuration file not found");
    c = check_config(dir.path().string(), env);
    EXPECT_EQ(c.errors[0], dir.path().string() + ": is a directory, not a configuration file");
    const auto path = dir.write_file("sections.toml", "[sever]\nlisten = \"0.0.0.0:1\"\n");
    c = check_config(path.string(), env);
    EXPECT_EQ(c.errors[0], "[sever]: unknown section in " + path.string() +
                               " (known: server, tls, redis, intercom, proxy, session, log, internal, admin)");
}

TEST_F(ConfigLoaderTest, DescribeListsEveryKeyAsWrittenAndWhereItCameFrom) {
    env["GATEWAY_SESSION_IDLE_TIMEOUT"] = "45m";
    erase("intercom", "client_secret");
    env["GATEWAY_INTERCOM_CLIENT_SECRET_FILE"] = dir.write_file("client_secret", client_secret + "\n").string();
    set("proxy", "allow", "[\"GET /me\", \"POST /contacts/search\"]");
    const auto c = check();
    ASSERT_TRUE(c.errors.empty()) << ::testing::PrintToString(c.errors);
    const auto summary = describe(c);
    check_no_secret(summary);
    std::size_t lines = 0;
    for (const char ch : summary) lines += ch == '\n';
    EXPECT_EQ(c.settings.size(), 66u) << "every known key, services included";
    EXPECT_EQ(lines, c.settings.size());
    const auto line_of = [&](const std::string& key) {
        const auto at = summary.find("\n" + key + " = ");
        if (at == std::string::npos) return std::string("(missing)");
        return summary.substr(at + 1, summary.find('\n', at + 1) - at - 1);
    };
    const auto squeezed = [](std::string line) {  // alignment spaces to one
        std::string out;
        for (const char ch : line)
            if (!(ch == ' ' && !out.empty() && out.back() == ' ')) out += ch;
        return out;
    };
    EXPECT_EQ(squeezed(line_of("redis.command_timeout")), "redis.command_timeout = 300ms (file)");
    EXPECT_EQ(squeezed(line_of("session.idle_timeout")), "session.idle_timeout = 45m (GATEWAY_SESSION_IDLE_TIMEOUT)");
    EXPECT_EQ(squeezed(line_of("intercom.client_secret")),
              "intercom.client_secret = (set) (GATEWAY_INTERCOM_CLIENT_SECRET_FILE)");
    EXPECT_EQ(squeezed(line_of("proxy.response_timeout")), "proxy.response_timeout = 30s (default)");
    EXPECT_EQ(squeezed(line_of("proxy.allow")), "proxy.allow = [\"GET /me\", \"POST /contacts/search\"] (file)");
    EXPECT_EQ(squeezed(line_of("server.threads")), "server.threads = 2 (file)");
}

TEST_F(ConfigLoaderTest, DefaultsShownByDescribeAreTheDefaultsUsed) {
    // The key table's default texts are written by hand beside gateway_config.hpp: setting every
    // key to the text --check-config shows for it must change nothing.
    const auto plain = load();
    const auto c = check();
    std::size_t applied = 0;
    for (const auto& s : c.settings) {
        if (s.origin != Origin::default_value || s.value.starts_with("(") || s.value.starts_with("[")) continue;
        std::string name = "GATEWAY_" + s.key;
        for (char& ch : name) ch = ch == '.' ? '_' : char(std::toupper(static_cast<unsigned char>(ch)));
        env[name] = s.value.substr(0, s.value.find(' '));
        ++applied;
    }
    EXPECT_GE(applied, 25u);
    const auto e = load();
    EXPECT_EQ(e.server.listen.host, plain.server.listen.host);
    EXPECT_EQ(e.server.listen.port, plain.server.listen.port);
    EXPECT_EQ(e.server.threads, plain.server.threads);
    EXPECT_EQ(e.server.read_timeout, plain.server.read_timeout);
    EXPECT_EQ(e.server.idle_timeout, plain.server.idle_timeout);
    EXPECT_EQ(e.server.max_connections, plain.server.max_connections);
    EXPECT_EQ(e.server.handshake_timeout, plain.server.handshake_timeout);
    EXPECT_EQ(e.server.max_header_bytes, plain.server.max_header_bytes);
    EXPECT_EQ(e.server.max_auth_body_bytes, plain.server.max_auth_body_bytes);
    EXPECT_EQ(e.server.access_log, plain.server.access_log);
    EXPECT_EQ(e.tls.min_version, plain.tls.min_version);
    EXPECT_EQ(e.redis.connect_timeout, plain.redis.connect_timeout);
    EXPECT_EQ(e.redis.key_prefix, plain.redis.key_prefix);
    EXPECT_EQ(e.intercom.authorize_url, plain.intercom.authorize_url);
    EXPECT_EQ(e.intercom.token_url, plain.intercom.token_url);
    EXPECT_EQ(e.intercom.api_base, plain.intercom.api_base);
    EXPECT_EQ(e.intercom.api_version, plain.intercom.api_version);
    EXPECT_EQ(e.proxy.connect_timeout, plain.proxy.connect_timeout);
    EXPECT_EQ(e.proxy.handshake_timeout, plain.proxy.handshake_timeout);
    EXPECT_EQ(e.proxy.response_timeout, plain.proxy.response_timeout);
    EXPECT_EQ(e.proxy.idle_body_timeout, plain.proxy.idle_body_timeout);
    EXPECT_EQ(e.proxy.pool_size, plain.proxy.pool_size);
    EXPECT_EQ(e.proxy.max_connections, plain.proxy.max_connections);
    EXPECT_EQ(e.proxy.pool_idle_timeout, plain.proxy.pool_idle_timeout);
    EXPECT_EQ(e.proxy.max_in_flight_per_session, plain.proxy.max_in_flight_per_session);
    EXPECT_EQ(e.session.absolute_timeout, plain.session.absolute_timeout);
    EXPECT_EQ(e.session.cookie_name, plain.session.cookie_name);
    EXPECT_EQ(e.session.login_timeout, plain.session.login_timeout);
    EXPECT_EQ(e.session.max_pending_logins_per_browser, plain.session.max_pending_logins_per_browser);
    EXPECT_EQ(e.session.max_pending_logins_per_address, plain.session.max_pending_logins_per_address);
    EXPECT_EQ(e.session.cache, plain.session.cache);
    EXPECT_EQ(e.session.cache_ttl, plain.session.cache_ttl);
    EXPECT_EQ(e.session.cache_max_entries, plain.session.cache_max_entries);
    EXPECT_EQ(e.internal.tls, plain.internal.tls);
    EXPECT_EQ(e.log.level, plain.log.level);
}

TEST_F(ConfigLoaderTest, TheDrainDelayMayBeZeroTheShutdownTimeoutMayNot) {
    const auto defaults = load();
    EXPECT_EQ(defaults.server.drain_delay, 5s);
    EXPECT_EQ(defaults.server.shutdown_timeout, 20s);
    set("server", "drain_delay", q("0s"));
    set("server", "shutdown_timeout", q("45s"));
    const auto c = load();
    EXPECT_EQ(c.server.drain_delay, 0s);
    EXPECT_EQ(c.server.shutdown_timeout, 45s);
    set("server", "drain_delay", q("-1s"));
    EXPECT_STARTS_WITH(error(), "server.drain_delay: must be a duration such as 0s");
    set("server", "drain_delay", q("1s"));
    set("server", "shutdown_timeout", q("0s"));
    EXPECT_STARTS_WITH(error(), "server.shutdown_timeout: must be a positive duration");
}

TEST_F(ConfigLoaderTest, TheEventLogFloorIsOneOfFourLevels) {
    EXPECT_EQ(load().log.level, "info");
    set("log", "level", q("warn"));
    EXPECT_EQ(load().log.level, "warn");
    env["GATEWAY_LOG_LEVEL"] = "debug";
    EXPECT_EQ(load().log.level, "debug");
    env["GATEWAY_LOG_LEVEL"] = "verbose";
    EXPECT_EQ(error(), "log.level: must be debug, info, warn or error");
}

TEST_F(ConfigLoaderTest, AllowedWorkspacesAreReadAndChecked) {
    set("intercom", "allowed_workspaces", "[\"abc123\", \"def456\"]");
    EXPECT_EQ(load().intercom.allowed_workspaces, (std::vector<std::string>{"abc123", "def456"}));
    env["GATEWAY_INTERCOM_ALLOWED_WORKSPACES"] = "abc123, xyz";
    EXPECT_EQ(load().intercom.allowed_workspaces, (std::vector<std::string>{"abc123", "xyz"}));
    env.clear();
    set("intercom", "allowed_workspaces", "[\"has space\"]");
    EXPECT_STARTS_WITH(error(), "intercom.allowed_workspaces: holds a malformed workspace id");
    set("intercom", "allowed_workspaces", "[\"abc123\"]");
    set("internal", "listen", q("127.0.0.1:9443"));
    extra_toml = std::string("[[internal.services]]\nname = \"s\"\nkey_sha256 = \"") + std::string(k_hash) +
                 "\"\nworkspaces = [\"abc123\", \"other\"]\n";
    EXPECT_EQ(
        error(),
        "internal.services[0].workspaces: names workspace \"other\", which intercom.allowed_workspaces leaves out");
}

TEST_F(ConfigLoaderTest, AKeyRingIsReadInOrderTheFirstSealing) {
    erase("session", "encryption_key");
    const std::string k2 = core::base64_encode(std::string(32, 'n'));
    set("session", "encryption_keys", "[\"k2:" + k2 + "\", \"k1:" + encryption_key + "\"]");
    auto c = load();
    ASSERT_EQ(c.session.encryption_keys.size(), 2u);
    EXPECT_EQ(c.session.encryption_keys[0].id, "k2");
    EXPECT_EQ(c.session.encryption_keys[0].key.expose(), std::string(32, 'n'));
    EXPECT_EQ(c.session.encryption_keys[1].id, "k1");
    EXPECT_EQ(c.session.encryption_keys[1].key.expose(), key_bytes);
    const auto summary = describe(check());
    check_no_secret(summary);
    EXPECT_EQ(summary.find(k2), std::string::npos) << summary;
    EXPECT_NE(summary.find("session.encryption_keys = (set: 2 keys, k2, k1)"), std::string::npos) << summary;

    // The environment spells it comma-separated, a file one key per line.
    erase("session", "encryption_keys");
    env["GATEWAY_SESSION_ENCRYPTION_KEYS"] = "a:" + encryption_key + ", b:" + k2;
    EXPECT_EQ(load().session.encryption_keys.at(1).id, "b");
    env.clear();
    env["GATEWAY_SESSION_ENCRYPTION_KEYS_FILE"] =
        dir.write_file("ring", "new:" + k2 + "\nold:" + encryption_key + "\n").string();
    c = load();
    ASSERT_EQ(c.session.encryption_keys.size(), 2u);
    EXPECT_EQ(c.session.encryption_keys[0].id, "new");
    EXPECT_EQ(c.session.encryption_keys[1].key.expose(), key_bytes);
}

TEST_F(ConfigLoaderTest, AMalformedKeyRingIsRefusedEntryByEntryWithoutShowingAKey) {
    erase("session", "encryption_key");
    const std::string short_key = core::base64_encode(std::string(16, 's'));
    set("session", "encryption_keys",
        "[\"k1:" + encryption_key + "\", \"" + encryption_key + "\", \"k1:" + encryption_key + "\", \"k3:" + short_key +
            "\", \"bad id:" + encryption_key + "\"]");
    const auto c = check();
    ASSERT_EQ(c.errors.size(), 4u) << ::testing::PrintToString(c.errors);
    EXPECT_STARTS_WITH(c.errors[0], "session.encryption_keys[1]: must be \"id:<base64 key>\"");
    EXPECT_STARTS_WITH(c.errors[1], "session.encryption_keys[2]: reuses the id \"k1\"");
    EXPECT_STARTS_WITH(c.errors[2], "session.encryption_keys[3]: (id \"k3\") must hold exactly 32 random bytes");
    EXPECT_STARTS_WITH(c.errors[3], "session.encryption_keys[4]: must be \"id:<base64 key>\"");
    for (const auto& e : c.errors) {
        check_no_secret(e);
        EXPECT_EQ(e.find(short_key), std::string::npos) << e;
    }
    check_no_secret(describe(c));

    set("session", "encryption_key", q(encryption_key));
    set("session", "encryption_keys", "[\"k1:" + encryption_key + "\"]");
    EXPECT_STARTS_WITH(error(), "session.encryption_keys: and session.encryption_key are both set");
    erase("session", "encryption_key");
    set("session", "encryption_keys", "[]");
    EXPECT_STARTS_WITH(error(), "session.encryption_key: is required (or session.encryption_keys");
}

}  // namespace
}  // namespace icg::config

namespace icg::config {
namespace {

// Every key the configuration calls secret is wiped from the environment once read, whatever its
// section; the rest of the environment is left alone.
TEST(WipeSecretEnvironmentTest, EverySecretVariableIsGoneAndNothingElse) {
    std::vector<std::string> secret_variables;
    for (const auto& key : known_keys())
        if (key.kind == KeyKind::secret || key.kind == KeyKind::secret_list) secret_variables.push_back(env_name(key));
    ASSERT_GE(secret_variables.size(), 5u) << "redis.url, redis.sentinel_password, intercom.client_secret, "
                                              "session.encryption_key and session.encryption_keys at least";
    for (const auto& variable : secret_variables) ASSERT_EQ(::setenv(variable.c_str(), "wipe-me", 1), 0) << variable;
    ASSERT_EQ(::setenv("GATEWAY_SERVER_LISTEN", "127.0.0.1:1", 1), 0);
    wipe_secret_environment();
    for (const auto& variable : secret_variables) EXPECT_EQ(std::getenv(variable.c_str()), nullptr) << variable;
    ASSERT_NE(std::getenv("GATEWAY_SERVER_LISTEN"), nullptr);
    EXPECT_STREQ(std::getenv("GATEWAY_SERVER_LISTEN"), "127.0.0.1:1");
    ::unsetenv("GATEWAY_SERVER_LISTEN");
}

}  // namespace
}  // namespace icg::config
