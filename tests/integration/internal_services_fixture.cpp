#include "internal_services_fixture.hpp"

#include "crypto/digest.hpp"

#include <rapidjson/document.h>

namespace icg::testing {

std::string key_service_table(const std::string& name, const std::string& key, const std::string& workspaces,
                              const std::string& allow, bool admin) {
    return "[[internal.services]]\nname = \"" + name + "\"\nkey_sha256 = \"" + crypto::sha256_hex(key) +
           "\"\nworkspaces = " + workspaces + "\nallow = " + allow + "\nadmin = " + (admin ? "true" : "false") + "\n\n";
}

std::string peer_service_table(const std::string& name, const std::string& peer) {
    return "[[internal.services]]\nname = \"" + name + "\"\npeer = \"" + peer + "\"\nworkspaces = [\"*\"]\n\n";
}

std::string workspace_of_me(const HttpResponse& response) {
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("app") || !doc["app"].IsObject() ||
        !doc["app"].HasMember("id_code") || !doc["app"]["id_code"].IsString())
        return "(not a /me answer: " + response.body + ")";
    return doc["app"]["id_code"].GetString();
}

TestClient InternalListenerTest::connect(const std::string& workspace) {
    mock().authorize_workspace(workspace);
    auto client = browser();
    login(client);
    return client;
}

}  // namespace icg::testing
