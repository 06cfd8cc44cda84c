#include "support/mock_intercom.hpp"

#include "support/paths.hpp"
#include "support/test_client.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace icg::testing {
namespace {

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string string_member(const rapidjson::Value& object, const char* name, bool& ok) {
    const auto it = object.FindMember(name);
    if (it == object.MemberEnd() || !it->value.IsString()) {
        ok = false;
        return {};
    }
    return {it->value.GetString(), it->value.GetStringLength()};
}

}  // namespace

std::string SeenRequest::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (same_name(k, name)) return v;
    return {};
}

std::vector<std::string> SeenRequest::headers_named(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : headers)
        if (same_name(k, name)) out.push_back(v);
    return out;
}

bool SeenRequest::has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return same_name(h.first, name); });
}

std::optional<SeenRequest> parse_seen_request(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    SeenRequest out;
    bool ok = true;
    out.method = string_member(doc, "method", ok);
    out.path = string_member(doc, "path", ok);
    out.query = string_member(doc, "query", ok);
    out.body_sha256 = string_member(doc, "body_sha256", ok);
    const auto length = doc.FindMember("body_length");
    if (length == doc.MemberEnd() || !length->value.IsUint64()) return std::nullopt;
    out.body_length = static_cast<long long>(length->value.GetUint64());
    const auto headers = doc.FindMember("headers");
    if (!ok || headers == doc.MemberEnd() || !headers->value.IsArray()) return std::nullopt;
    for (const auto& pair : headers->value.GetArray()) {
        if (!pair.IsArray() || pair.Size() != 2 || !pair[0].IsString() || !pair[1].IsString()) return std::nullopt;
        out.headers.emplace_back(std::string(pair[0].GetString(), pair[0].GetStringLength()),
                                 std::string(pair[1].GetString(), pair[1].GetStringLength()));
    }
    return out;
}

long long MockStats::api_calls(const std::string& workspace_id) const {
    const auto it = api_calls_by_workspace.find(workspace_id);
    return it == api_calls_by_workspace.end() ? -1 : it->second;
}

MockIntercom::MockIntercom(const TempDir& dir, const Certificates& certificates,
                           std::vector<MockWorkspace> more_workspaces)
    : certificates_(certificates), more_workspaces_(std::move(more_workspaces)), log_dir_(dir.path()) {
    start("127.0.0.1:0");
}

void MockIntercom::restart() {
    process_->stop();
    start("127.0.0.1:" + std::to_string(port_));
}

void MockIntercom::start(const std::string& listen) {
    ProcessOptions options;
    options.name = "mock-intercom";
    options.log_file =
        log_dir_ / (starts_++ == 0 ? "mock-intercom.log" : "mock-intercom." + std::to_string(starts_) + ".log");
    std::vector<std::string> args{"--listen",        listen,
                                  "--cert",          certificates_.cert_file.string(),
                                  "--key",           certificates_.key_file.string(),
                                  "--client-id",     client_id,
                                  "--client-secret", client_secret};
    for (const auto& workspace : more_workspaces_) {
        args.emplace_back("--workspace");
        args.push_back(workspace.id + ":" + workspace.name);
    }
    process_ = std::make_unique<Process>(mock_intercom_binary().string(), std::move(args), options);
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

void MockIntercom::set_api_fault(const std::string& mode) {
    control("POST", "/__mock/api-fault?mode=" + mode);
}

void MockIntercom::revoke_all_tokens() {
    control("POST", "/__mock/revoke");
}

void MockIntercom::authorize_workspace(const std::string& id) {
    control("POST", "/__mock/authorize-workspace?id=" + percent_encode(id));
}

void MockIntercom::uninstall_workspace(const std::string& id) {
    control("POST", "/__mock/uninstall-workspace?id=" + percent_encode(id));
}

void MockIntercom::set_rate_limit(long long limit, std::chrono::milliseconds window) {
    control("POST",
            "/__mock/rate-limit?limit=" + std::to_string(limit) + "&window_ms=" + std::to_string(window.count()));
}

std::string MockIntercom::obtain_token() {
    // Any https redirect_uri will do: the mock answers with a redirect, which is not followed.
    const std::string redirect_uri = "https://localhost/callback";
    HttpsConnection connection(port_, certificates_.ca_file);
    const auto consent = connection.request("GET", "/oauth?client_id=" + std::string(client_id) + "&redirect_uri=" +
                                                       percent_encode(redirect_uri) + "&state=obtain-token");
    const auto code = query_parameter(consent.header("Location"), "code");
    if (consent.status != 302 || !code)
        throw std::runtime_error("mock-intercom /oauth answered " + std::to_string(consent.status) + " without a code");
    const auto body = "grant_type=authorization_code&code=" + percent_encode(*code) +
                      "&client_id=" + std::string(client_id) + "&client_secret=" + std::string(client_secret) +
                      "&redirect_uri=" + percent_encode(redirect_uri);
    const auto exchange =
        connection.request("POST", "/auth/eagle/token", {{"Content-Type", "application/x-www-form-urlencoded"}}, body);
    rapidjson::Document doc;
    doc.Parse(exchange.body.data(), exchange.body.size());
    if (exchange.status != 200 || doc.HasParseError() || !doc.IsObject() || !doc.HasMember("access_token") ||
        !doc["access_token"].IsString())
        throw std::runtime_error("mock-intercom token exchange answered " + std::to_string(exchange.status) + ": " +
                                 exchange.body);
    return {doc["access_token"].GetString(), doc["access_token"].GetStringLength()};
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
    MockStats stats{number("authorize"),
                    number("token"),
                    number("me"),
                    number("api"),
                    number("connections"),
                    number("resumed"),
                    number("uninstall_calls"),
                    {}};
    const auto by_workspace = doc.FindMember("api_calls_by_workspace");
    if (by_workspace == doc.MemberEnd() || !by_workspace->value.IsObject())
        throw std::runtime_error("/__mock/stats has no api_calls_by_workspace: " + response.body);
    for (const auto& member : by_workspace->value.GetObject())
        stats.api_calls_by_workspace[std::string(member.name.GetString(), member.name.GetStringLength())] =
            member.value.IsInt64() ? member.value.GetInt64() : -1;
    return stats;
}

std::vector<std::string> MockIntercom::issued_tokens() {
    HttpsConnection connection(port_, certificates_.ca_file);
    auto response = connection.request("GET", "/__mock/issued-tokens");
    if (response.status != 200)
        throw std::runtime_error("mock-intercom: /__mock/issued-tokens answered " + std::to_string(response.status));
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    std::vector<std::string> tokens;
    if (doc.IsObject() && doc.HasMember("tokens") && doc["tokens"].IsArray())
        for (const auto& t : doc["tokens"].GetArray())
            if (t.IsString()) tokens.emplace_back(t.GetString(), t.GetStringLength());
    return tokens;
}

std::optional<SeenRequest> MockIntercom::last_request() {
    HttpsConnection connection(port_, certificates_.ca_file);
    auto response = connection.request("GET", "/__mock/last-request");
    if (response.status == 404) return std::nullopt;
    auto seen = response.status == 200 ? parse_seen_request(response.body) : std::nullopt;
    if (!seen)
        throw std::runtime_error("bad /__mock/last-request answer " + std::to_string(response.status) + ": " +
                                 response.body);
    return seen;
}

}  // namespace icg::testing
