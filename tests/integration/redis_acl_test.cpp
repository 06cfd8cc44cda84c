// The gateway as a Redis ACL user with exactly the permissions deploy/redis/gateway-user.acl
// documents: a whole login, proxied calls, the session cache (CLIENT TRACKING and the
// invalidation channel), a logout. A permission taken away gives one warning naming the command.
#include "gateway_fixture.hpp"

#include "support/admin_client.hpp"
#include "support/eventually.hpp"
#include "support/paths.hpp"
#include "support/time_scale.hpp"

#include <fstream>
#include <sstream>

namespace icg::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* acl_user = "intercom-gateway";
constexpr const char* acl_password = "acl-test-password-5f1c";

// The rules of the documented ACL line, its placeholders filled in.
std::vector<std::string> documented_rules(const std::string& key_prefix) {
    std::ifstream file(source_dir() / "deploy/redis/gateway-user.acl");
    std::string line;
    while (std::getline(file, line))
        if (line.rfind("user ", 0) == 0) break;
    std::istringstream words(line);
    std::vector<std::string> rules;
    for (std::string word; words >> word;) {
        if (const auto at = word.find("<password>"); at != std::string::npos) word.replace(at, 10, acl_password);
        if (const auto at = word.find("<key_prefix>"); at != std::string::npos) word.replace(at, 12, key_prefix);
        rules.push_back(word);
    }
    return rules;  // "user", the name, then the rules
}

class RedisAclTest : public GatewayTest {
protected:
    bool needs_private_redis() const override { return true; }

    void SetUp() override {
        GatewayTest::SetUp();
        auto rules = documented_rules(key_prefix());
        ASSERT_GE(rules.size(), 3u) << "no user line in deploy/redis/gateway-user.acl";
        ASSERT_EQ(rules[1], acl_user);
        std::vector<std::string> setuser{"ACL", "SETUSER"};
        setuser.insert(setuser.end(), rules.begin() + 1, rules.end());
        const auto answer = redis_probe().command(setuser);
        ASSERT_EQ(answer.text, "OK") << answer.text;
        start_gateway([&](GatewaySettings& s) {
            s.set("redis", "url",
                  std::string("redis://") + acl_user + ":" + acl_password +
                      "@127.0.0.1:" + std::to_string(redis_port()) + "/0");
        });
    }

    double cache_enabled() {
        const auto text = plain_request(gateway().admin_port(), "GET", "/metrics").body;
        return series_value(text, R"(intercom_gateway_cache_enabled{cache="session"})").value_or(-1);
    }
};

TEST_F(RedisAclTest, TheDocumentedAclIsEnoughForEverythingTheGatewayDoes) {
    EXPECT_TRUE(eventually([&] { return cache_enabled() == 1; }, scaled(5000ms)))
        << "CLIENT TRACKING and the invalidation channel are allowed\n"
        << gateway().process().output();
    auto client = browser();
    login(client);
    const auto me = client.get("/intercom/me");
    EXPECT_EQ(me.status, 200u) << me.body;
    EXPECT_EQ(client.get("/auth/session").status, 200u);
    auto other = browser();
    login(other);
    EXPECT_EQ(client.post("/auth/logout").status, 204u);
    EXPECT_EQ(client.get("/auth/session").status, 401u);
    EXPECT_EQ(other.get("/intercom/me").status, 200u);
    const auto output = gateway().process().output();
    EXPECT_EQ(output.find("NOPERM"), std::string::npos) << output;
    EXPECT_EQ(output.find("refused"), std::string::npos) << output;
    // Every key it wrote is under its prefix (the ACL would have refused any other).
    for (const auto& key : redis_probe().keys("*")) EXPECT_EQ(key.rfind(key_prefix(), 0), 0u) << key;
}

TEST_F(RedisAclTest, APermissionTakenAwayIsNamedOnceInTheLog) {
    EXPECT_EQ(redis_probe().command({"ACL", "SETUSER", acl_user, "-ping"}).text, "OK");
    auto client = browser();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(client.get("/readyz").status, 503u);
    const std::string warning = "refused by the server's ACL: NOPERM";
    ASSERT_TRUE(gateway().process().wait_for_output(warning, 5s)) << gateway().process().output();
    const auto output = gateway().process().output();
    EXPECT_NE(output.find("'ping' command"), std::string::npos) << output;
    EXPECT_EQ(output.find(warning), output.rfind(warning)) << "one line, however often it recurs:\n" << output;
    EXPECT_EQ(output.find(acl_password), std::string::npos) << "the password never reaches the log";
}

}  // namespace
}  // namespace icg::testing
