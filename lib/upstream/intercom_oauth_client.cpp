#include "upstream/intercom_oauth_client.hpp"

#include "upstream/https_client.hpp"
#include "upstream/upstream_error.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace icg::upstream {
namespace asio = boost::asio;
using boost::system::result;

namespace {

std::string string_member(const rapidjson::Value& object, const char* name) {
    if (!object.IsObject()) return {};
    auto it = object.FindMember(name);
    if (it == object.MemberEnd()) return {};
    if (it->value.IsString()) return {it->value.GetString(), it->value.GetStringLength()};
    if (it->value.IsInt64()) return std::to_string(it->value.GetInt64());
    return {};
}

}  // namespace

HttpIntercomOAuthClient::HttpIntercomOAuthClient(const HttpsClient& client, IntercomEndpoints endpoints)
    : client_(client), endpoints_(std::move(endpoints)) {}

asio::awaitable<result<core::Secret>> HttpIntercomOAuthClient::exchange_code(const core::Secret& code) {
    rapidjson::StringBuffer buffer;
    {
        rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
        auto field = [&](const char* key, std::string_view value) {
            w.Key(key);
            w.String(value.data(), rapidjson::SizeType(value.size()));
        };
        w.StartObject();
        field("code", code.expose());
        field("client_id", endpoints_.client_id);
        field("client_secret", endpoints_.client_secret.expose());
        w.EndObject();
    }
    HttpsRequest request;
    request.method = "POST";
    request.url = endpoints_.token_url;
    request.headers.add("Content-Type", "application/json");
    request.headers.add("Accept", "application/json");
    request.body.assign(buffer.GetString(), buffer.GetSize());
    buffer.Clear();

    auto response = co_await client_.send(std::move(request));
    if (!response) co_return response.error();
    if (response->status < 200 || response->status > 299) co_return UpstreamErrc::bad_status;

    rapidjson::Document doc;
    // Iterative: a deeply nested answer must not exhaust the stack (found by fuzzing).
    if (!response->body.empty())
        doc.Parse<rapidjson::kParseIterativeFlag>(response->body.data(), response->body.size());
    if (response->body.empty() || doc.HasParseError() || !doc.IsObject()) co_return UpstreamErrc::malformed_body;
    // Intercom's answer carries the token as access_token, and as token in older versions.
    std::string token = string_member(doc, "access_token");
    if (token.empty()) token = string_member(doc, "token");
    if (token.empty() || token.size() > 4096) co_return UpstreamErrc::malformed_body;
    co_return core::Secret(std::move(token));
}

asio::awaitable<result<IntercomAdmin>> HttpIntercomOAuthClient::fetch_me(const core::Secret& token) {
    HttpsRequest request;
    request.url = endpoints_.api_base + "/me";
    request.headers.add("Authorization", "Bearer " + std::string(token.expose()));
    request.headers.add("Accept", "application/json");
    auto response = co_await client_.send(std::move(request));
    if (!response) co_return response.error();
    if (response->status == 401) co_return UpstreamErrc::token_refused;
    if (response->status != 200) co_return UpstreamErrc::bad_status;

    rapidjson::Document doc;
    // Iterative: a deeply nested answer must not exhaust the stack (found by fuzzing).
    if (!response->body.empty())
        doc.Parse<rapidjson::kParseIterativeFlag>(response->body.data(), response->body.size());
    if (response->body.empty() || doc.HasParseError() || !doc.IsObject()) co_return UpstreamErrc::malformed_body;
    IntercomAdmin admin;
    admin.id = string_member(doc, "id");
    admin.name = string_member(doc, "name");
    admin.email = string_member(doc, "email");
    if (auto app = doc.FindMember("app"); app != doc.MemberEnd()) {
        admin.workspace_id = string_member(app->value, "id_code");
        admin.workspace_name = string_member(app->value, "name");
    }
    if (admin.id.empty() || admin.workspace_id.empty()) co_return UpstreamErrc::malformed_body;
    co_return admin;
}

asio::awaitable<result<void>> HttpIntercomOAuthClient::uninstall(const core::Secret& token) {
    HttpsRequest request;
    request.method = "POST";
    request.url = endpoints_.api_base + "/auth/uninstall";
    request.headers.add("Authorization", "Bearer " + std::string(token.expose()));
    request.headers.add("Accept", "application/json");
    auto response = co_await client_.send(std::move(request));
    if (!response) co_return response.error();
    if (response->status == 401) co_return UpstreamErrc::token_refused;
    if (response->status < 200 || response->status > 299) co_return UpstreamErrc::bad_status;
    co_return result<void>{};
}

}  // namespace icg::upstream
