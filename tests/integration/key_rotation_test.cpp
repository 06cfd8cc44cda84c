// Session key rotation across two gateway processes, following the README's procedure with
// reloads: add the new key second everywhere, move it first, remove the old one. No session is
// lost; a record that no key opens is logged with the key id it names.
#include "gateway_fixture.hpp"

#include "core/base64.hpp"

namespace icg::testing {
namespace {

class KeyRotationTest : public GatewayTest {
protected:
    // Both gateways get the ring: started with the first one, reloaded (SIGHUP) with each next.
    void apply_ring(const std::vector<std::string>& ring) {
        ring_ = ring;
        if (!replica_) {
            start_gateway(customize());
            replica_ = start_replica(replica_dir_, customize());
            return;
        }
        ASSERT_EQ(gateway().reload(customize()), Gateway::ReloadOutcome::reloaded);
        ASSERT_EQ(replica_->reload(customize()), Gateway::ReloadOutcome::reloaded);
    }

    std::function<void(GatewaySettings&)> customize() const {
        return [ring = ring_](GatewaySettings& s) {
            s.erase("session", "encryption_key");
            std::string literal = "[";
            for (const auto& entry : ring) literal += (literal.size() > 1 ? ", \"" : "\"") + entry + "\"";
            s.set_literal("session", "encryption_keys", literal + "]");
        };
    }

    // The session works on both gateways.
    void expect_logged_in_on_both(const std::string& session, const std::string& what) {
        for (const auto port : {gateway().port(), replica_->port()}) {
            TestClient client(port, certificates().ca_file);
            client.set_cookie(session_cookie, session);
            EXPECT_EQ(client.get("/auth/session").status, 200u) << what << " on port " << port;
        }
    }

    std::string logged_in_session() {
        auto client = browser();
        login(client);
        return client.cookie(session_cookie).value_or("");
    }

    static std::string key(char fill) { return core::base64_encode(std::string(32, fill)); }

    TempDir replica_dir_;
    std::vector<std::string> ring_;
    std::unique_ptr<Gateway> replica_;
};

TEST_F(KeyRotationTest, TheDocumentedProcedureLosesNoSession) {
    const std::string k1 = "k1:" + key('1'), k2 = "k2:" + key('2');
    apply_ring({k1});
    const auto early = logged_in_session();
    expect_logged_in_on_both(early, "a session sealed by k1");

    apply_ring({k1, k2});                     // 1. the new key second, everywhere
    const auto middle = logged_in_session();  // still sealed by k1
    expect_logged_in_on_both(early, "k1's session with k2 added");
    expect_logged_in_on_both(middle, "a session sealed while k2 was second");

    apply_ring({k2, k1});  // 2. the new key first: new records are k2's, old ones are sealed again when read
    const auto late = logged_in_session();
    expect_logged_in_on_both(early, "k1's session once k2 seals");
    expect_logged_in_on_both(middle, "the middle session once k2 seals");
    expect_logged_in_on_both(late, "k2's session");
    EXPECT_EQ(gateway_keys("session").size(), 3u);
    for (const auto& stored : gateway_keys("session")) {
        const auto sealed = redis_probe().command({"GET", stored});
        EXPECT_EQ(sealed.text.substr(1, 3), std::string("\x02k2")) << stored << " is not sealed by k2 yet";
    }

    apply_ring({k2});  // 3. the old key removed: every session in use was sealed again
    expect_logged_in_on_both(early, "k1's session after k1 is gone");
    expect_logged_in_on_both(middle, "the middle session after k1 is gone");
    expect_logged_in_on_both(late, "k2's session after k1 is gone");
}

TEST_F(KeyRotationTest, ASessionNoKeyOpensIsLoggedWithTheKeyItNames) {
    apply_ring({"k1:" + key('1')});
    const auto session = logged_in_session();
    apply_ring({"k9:" + key('9')});  // k1 dropped with its session still in use
    auto client = browser();
    client.set_cookie(session_cookie, session);
    EXPECT_EQ(client.get("/auth/session").status, 401u) << "a record no key opens is no session";
    EXPECT_TRUE(
        gateway().process().wait_for_output("opened by no key of session.encryption_keys", std::chrono::seconds(5)));
    // The event log is JSON: the id's quotes come escaped.
    EXPECT_TRUE(gateway().process().wait_for_output(R"(names key id \"k1\")", std::chrono::seconds(1)));
    const auto log = read_file(dir / "gateway.log");
    EXPECT_EQ(log.find(key('1')), std::string::npos);
    EXPECT_EQ(log.find(key('9')), std::string::npos);
}

}  // namespace
}  // namespace icg::testing
