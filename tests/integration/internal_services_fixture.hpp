#pragma once
// What the internal listener's tests share: [[internal.services]] tables, a mock with a second
// workspace, logins that connect a workspace, and reading the workspace out of a /me answer.
#include "gateway_fixture.hpp"

#include <string>

namespace icg::testing {

inline constexpr const char* other_workspace = "ws_other";

// A service known by `key` (only its hash is written), for `workspaces` (a TOML array literal).
std::string key_service_table(const std::string& name, const std::string& key, const std::string& workspaces,
                              const std::string& allow = "[]", bool admin = false);
// A service known by a client certificate's name, for every workspace.
std::string peer_service_table(const std::string& name, const std::string& peer);

// The app.id_code in a /me answer, or a note saying what came instead.
std::string workspace_of_me(const HttpResponse& response);

class InternalListenerTest : public GatewayTest {
protected:
    std::vector<MockWorkspace> mock_workspaces() const override { return {{other_workspace, "Other Co"}}; }

    // A browser logged in to `workspace`, which the login connects.
    TestClient connect(const std::string& workspace);
};

}  // namespace icg::testing
