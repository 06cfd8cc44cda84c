// What must never leak: nothing secret in the gateway's output, nothing readable in Redis.
#include "gateway_fixture.hpp"

#include "core/base64.hpp"

namespace icg::testing {
namespace {

using SecretsTest = GatewayTest;

// Everything stored under `key`, whatever the Redis type.
std::string stored_bytes(RedisProbe& redis, const std::string& key) {
    const auto type = redis.command({"TYPE", key}).text;
    std::string out;
    auto collect = [&](const RedisValue& v) {
        for (const auto& e : v.elements) out += e.text + "\n";
    };
    if (type == "string")
        out = redis.get(key).value_or("");
    else if (type == "hash")
        collect(redis.command({"HGETALL", key}));
    else if (type == "list")
        collect(redis.command({"LRANGE", key, "0", "-1"}));
    else if (type == "set")
        collect(redis.command({"SMEMBERS", key}));
    else if (type == "zset")
        collect(redis.command({"ZRANGE", key, "0", "-1"}));
    else
        out = redis.command({"DUMP", key}).text;
    return out;
}

TEST_F(SecretsTest, NoSecretReachesTheGatewayOutput) {
    auto client = browser();
    const auto flow = login(client);
    ASSERT_TRUE(flow.session_set_cookie.has_value());
    const auto login_binding = find_set_cookie(flow.login, login_cookie);
    ASSERT_EQ(client.get("/auth/session").status, 200u);
    ASSERT_EQ(client.post("/auth/logout").status, 204u);
    // A failed exchange and a replay too: error paths are where secrets tend to get logged.
    ASSERT_EQ(client.fetch(flow.callback_url).status, 400u);
    stop_gateway();  // everything is flushed once it has exited

    const std::string output = read_file(dir / "gateway.log");
    ASSERT_FALSE(output.empty());
    std::vector<std::pair<std::string, std::string>> secrets = {
        {"client secret", MockIntercom::client_secret},
        {"session cookie", flow.session_set_cookie->value},
        {"state", flow.state},
        {"authorization code", flow.code},
        {"encryption key (base64)", encryption_key},
    };
    if (login_binding) secrets.emplace_back("login cookie", login_binding->value);
    const auto tokens = mock().issued_tokens();
    ASSERT_EQ(tokens.size(), 1u);
    secrets.emplace_back("access token", tokens[0]);
    const auto raw_key = core::base64_decode(encryption_key).value_or("");
    for (const auto& [what, value] : secrets) {
        ASSERT_FALSE(value.empty()) << what;
        EXPECT_EQ(output.find(value), std::string::npos) << "the " << what << " appears in the gateway's output";
    }
    EXPECT_EQ(output.find(raw_key), std::string::npos) << "the raw encryption key appears in the gateway's output";
}

TEST_F(SecretsTest, FailedLoginsLogNoCodeOrState) {
    auto client = browser();
    mock().set_token_mode("reject");
    const auto callback_url = approve(begin_login(client));
    ASSERT_EQ(client.fetch(callback_url).status, 502u);
    const auto state = query_parameter(callback_url, "state").value_or("");
    const auto code = query_parameter(callback_url, "code").value_or("");
    stop_gateway();
    const std::string output = read_file(dir / "gateway.log");
    ASSERT_FALSE(state.empty());
    ASSERT_FALSE(code.empty());
    EXPECT_EQ(output.find(state), std::string::npos);
    EXPECT_EQ(output.find(code), std::string::npos);
    EXPECT_EQ(output.find(MockIntercom::client_secret), std::string::npos);
}

TEST_F(SecretsTest, SessionIsStoredEncryptedUnderAKeyThatHidesTheSessionId) {
    auto client = browser();
    login(client);
    const auto session_id = client.cookie(session_cookie).value_or("");
    ASSERT_FALSE(session_id.empty());

    auto redis = redis_probe();
    const auto keys = gateway_keys();
    ASSERT_FALSE(keys.empty()) << "no key under " << key_prefix() << " (is redis.key_prefix honoured?)";
    const auto all_icg = redis.keys("icg:*");
    for (const auto& key : keys) {
        EXPECT_TRUE(key.starts_with("icg:")) << key;
        EXPECT_EQ(key.find(session_id), std::string::npos) << "the Redis key shows the session id: " << key;
        const auto bytes = stored_bytes(redis, key);
        EXPECT_FALSE(bytes.empty()) << key;
        for (const char* clear : {"ada@example.com", "Ada Lovelace", "Demo Workspace"})
            EXPECT_EQ(bytes.find(clear), std::string::npos) << "'" << clear << "' is stored in clear under " << key;
        EXPECT_EQ(bytes.find(session_id), std::string::npos) << "the session id is stored under " << key;
        for (const char* field : {"access_token", "admin_email", "Bearer"})
            EXPECT_EQ(bytes.find(field), std::string::npos) << "'" << field << "' is readable under " << key;
    }
    for (const auto& key : all_icg) EXPECT_EQ(key.find(session_id), std::string::npos) << key;
    const auto tokens = mock().issued_tokens();
    ASSERT_FALSE(tokens.empty());
    for (const auto& key : all_icg)
        for (const auto& token : tokens)
            EXPECT_EQ(stored_bytes(redis, key).find(token), std::string::npos)
                << "the access token is readable under " << key;
}

TEST_F(SecretsTest, SessionKeyExpiresWithTheIdleTimeout) {
    start_gateway([](GatewaySettings& s) {
        s.set("session", "idle_timeout", "30m");
        s.set("session", "absolute_timeout", "8h");
    });
    auto client = browser();
    login(client);
    auto redis = redis_probe();
    const auto keys = gateway_keys();
    ASSERT_FALSE(keys.empty());
    const std::string prefix = key_prefix();
    int sessions = 0;
    for (const auto& key : keys) {
        const auto ttl = redis.ttl(key);
        if (key.starts_with(prefix + "session:")) {
            ++sessions;
            EXPECT_GT(ttl, 0) << "a session must expire: " << key;
            EXPECT_LE(ttl, 30 * 60) << key;
        } else if (key.starts_with(prefix + "login-count:")) {
            EXPECT_GT(ttl, 0) << "a login counter must expire: " << key;
            EXPECT_LE(ttl, 600) << "with the login window: " << key;
        } else if (key.starts_with(prefix + "session-index:")) {
            EXPECT_GT(ttl, 0) << "the workspace's session index must expire: " << key;
            EXPECT_LE(ttl, 8 * 3600) << "no later than its longest session's absolute end: " << key;
        } else if (key.starts_with(prefix + "workspace:") || key == prefix + "workspaces") {
            EXPECT_EQ(ttl, -1) << "a workspace connection ends when revoked or disconnected, never by time: " << key;
        } else {
            ADD_FAILURE() << "a key nobody accounts for: " << key;
        }
    }
    EXPECT_EQ(sessions, 1);
}

TEST_F(SecretsTest, LoginStateKeysExpireAndDoNotOutliveTheLogin) {
    auto client = browser();
    begin_login(client);
    auto redis = redis_probe();
    const auto keys = gateway_keys();
    ASSERT_FALSE(keys.empty()) << "the login state should be kept in Redis";
    for (const auto& key : keys) {
        const auto ttl = redis.ttl(key);
        EXPECT_GT(ttl, 0) << key;
        EXPECT_LE(ttl, 600) << key;
    }
}

TEST_F(SecretsTest, ASessionRecordCopiedToAnotherKeyDoesNotOpen) {
    auto alice = browser();
    auto bob = browser();
    login(alice);
    const auto alice_keys = gateway_keys("session");
    login(bob);
    auto all = gateway_keys("session");
    std::vector<std::string> bob_keys;
    for (const auto& k : all)
        if (std::find(alice_keys.begin(), alice_keys.end(), k) == alice_keys.end()) bob_keys.push_back(k);
    ASSERT_EQ(alice_keys.size(), 1u);
    ASSERT_EQ(bob_keys.size(), 1u);
    auto redis = redis_probe();
    if (redis.command({"TYPE", alice_keys[0]}).text != "string")
        GTEST_SKIP() << "session records are not plain strings";
    // Bob's record pasted under Alice's key: Alice's cookie must not open Bob's session.
    const auto bob_record = redis.get(bob_keys[0]).value_or("");
    redis.command({"SET", alice_keys[0], bob_record, "KEEPTTL"});
    EXPECT_EQ(alice.get("/auth/session").status, 401u);
}

}  // namespace
}  // namespace icg::testing
