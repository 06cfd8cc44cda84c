#include "support/mock_intercom.hpp"

#include "support/paths.hpp"
#include "support/test_client.hpp"

#include <rapidjson/document.h>

#include <charconv>
#include <stdexcept>

namespace icg::testing {

MockIntercom::MockIntercom(const TempDir& dir, const Certificates& certificates) : certificates_(certificates) {
    ProcessOptions options;
    options.name = "mock-intercom";
    options.log_file = dir / "mock-intercom.log";
    process_ = std::make_unique<Process>(
        mock_intercom_binary().string(),
        std::vector<std::string>{"--listen", "127.0.0.1:0", "--cert", certificates.cert_file.string(), "--key",
                                 certificates.key_file.string(), "--client-id", client_id, "--client-secret",
                                 client_secret},
        options);
    const std::string marker = "mock-intercom listening on 127.0.0.1:";
    auto line = process_->wait_for_line(marker, std::chrono::seconds(20));
    if (!line) throw std::runtime_error("mock-intercom did not start:\n" + process_->output());
    const auto digits = line->substr(line->find(marker) + marker.size());
    unsigned port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || port == 0 || port > 65535)
        throw std::runtime_error("cannot read the mock's port from: " + *line);
    port_ = static_cast<std::uint16_t>(port);
}

void MockIntercom::control(const std::string& method, const std::string& target) {
    HttpsConnection connection(port_, certificates_.ca_file);
    auto response = connection.request(method, target);
    if (response.status < 200 || response.status > 299)
        throw std::runtime_error("mock-intercom " + method + " " + target + " answered " +
                                 std::to_string(response.status) + ": " + response.body);
}

void MockIntercom::set_token_mode(const std::string& mode) {
    control("POST", "/__mock/token-mode?mode=" + mode);
}

void MockIntercom::set_me_mode(const std::string& mode) {
    control("POST", "/__mock/me-mode?mode=" + mode);
}

void MockIntercom::revoke_all_tokens() {
    control("POST", "/__mock/revoke");
}

MockStats MockIntercom::stats() {
    HttpsConnection connection(port_, certificates_.ca_file);
    auto response = connection.request("GET", "/__mock/stats");
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    if (response.status != 200 || doc.HasParseError() || !doc.IsObject())
        throw std::runtime_error("bad /__mock/stats answer " + std::to_string(response.status) + ": " + response.body);
    auto number = [&](const char* name) -> long long {
        auto it = doc.FindMember(name);
        return it != doc.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : -1;
    };
    return {number("authorize"), number("token"), number("me")};
}

std::vector<std::string> MockIntercom::issued_tokens() {
    HttpsConnection connection(port_, certificates_.ca_file);
    auto response = connection.request("GET", "/__mock/issued-tokens");
    if (response.status != 200) throw std::runtime_error("mock-intercom: /__mock/issued-tokens answered " + std::to_string(response.status));
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    std::vector<std::string> tokens;
    if (doc.IsObject() && doc.HasMember("tokens") && doc["tokens"].IsArray())
        for (const auto& t : doc["tokens"].GetArray())
            if (t.IsString()) tokens.emplace_back(t.GetString(), t.GetStringLength());
    return tokens;
}

}  // namespace icg::testing
