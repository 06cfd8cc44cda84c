#include "mock_api.hpp"

#include "crypto/digest.hpp"
#include "mock_json.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace icg::mock {
namespace {

constexpr std::size_t kPatternPeriod = 251;  // prime, so the pattern never lines up with buffer sizes

struct Contact {
    std::string_view id;
    std::string_view external_id;
    std::string_view name;
    std::string_view email;
    std::string_view phone;
    std::int64_t created_at;
    std::int64_t last_seen_at;
};

constexpr std::array<Contact, 2> kContacts{{
    {"65f1c0a8e4b0d2a1c3f4e501", "user-1001", "Grace Hopper", "grace@example.com", "+15555550101", 1700000000,
     1714000000},
    {"65f1c0a8e4b0d2a1c3f4e502", "user-1002", "Alan Turing", "alan@example.com", "+15555550102", 1700086400,
     1714086400},
}};

bool is_get(std::string_view method) {
    return method == "GET" || method == "HEAD";
}

void write_empty_list(JsonWriter& w, std::string_view key, std::string_view url) {
    put_key(w, key);
    w.StartObject();
    put_string(w, "type", "list");
    put_key(w, "data");
    w.StartArray();
    w.EndArray();
    if (!url.empty()) put_string(w, "url", url);
    put_int(w, "total_count", 0);
    put_bool(w, "has_more", false);
    w.EndObject();
}

void write_contact(JsonWriter& w, const Contact& contact, std::string_view id, std::string_view workspace_id) {
    const std::string base = "/contacts/" + std::string(id);
    w.StartObject();
    put_string(w, "type", "contact");
    put_string(w, "id", id);
    put_string(w, "workspace_id", workspace_id);
    put_string(w, "external_id", contact.external_id);
    put_string(w, "role", "user");
    put_string(w, "email", contact.email);
    put_string(w, "phone", contact.phone);
    put_string(w, "name", contact.name);
    put_null(w, "avatar");
    put_null(w, "owner_id");
    put_bool(w, "has_hard_bounced", false);
    put_bool(w, "marked_email_as_spam", false);
    put_bool(w, "unsubscribed_from_emails", false);
    put_int(w, "created_at", contact.created_at);
    put_int(w, "updated_at", contact.last_seen_at);
    put_int(w, "signed_up_at", contact.created_at);
    put_int(w, "last_seen_at", contact.last_seen_at);
    put_string(w, "browser", "chrome");
    put_string(w, "os", "OS X 14.4");
    put_key(w, "custom_attributes");
    w.StartObject();
    put_string(w, "plan", "pro");
    w.EndObject();
    write_empty_list(w, "tags", base + "/tags");
    write_empty_list(w, "notes", base + "/notes");
    write_empty_list(w, "companies", base + "/companies");
    w.EndObject();
}

}  // namespace

ApiRoute api_route(std::string_view method, std::string_view path) noexcept {
    if (path == "/echo" || path.starts_with("/echo/")) return ApiRoute::echo;
    if (path == "/slow") return ApiRoute::slow;
    if (!is_get(method)) return ApiRoute::none;
    if (path == "/stream") return ApiRoute::stream;
    if (path == "/rate-limited") return ApiRoute::rate_limited;
    if (path == "/quote-token") return ApiRoute::quote_token;
    if (path == "/contacts") return ApiRoute::contacts;
    constexpr std::string_view contacts_prefix = "/contacts/";
    if (path.starts_with(contacts_prefix)) {
        const auto id = path.substr(contacts_prefix.size());
        if (!id.empty() && id.find('/') == std::string_view::npos) return ApiRoute::contact;
    }
    return ApiRoute::none;
}

std::string describe_request(const http::Request& request) {
    rapidjson::StringBuffer out;
    JsonWriter w(out);
    w.StartObject();
    put_string(w, "method", request.method);
    put_string(w, "path", request.path());
    put_string(w, "query", request.query());
    put_key(w, "headers");
    w.StartArray();
    for (const auto& field : request.headers) {
        w.StartArray();
        put_string_value(w, field.name);
        put_string_value(w, field.value);
        w.EndArray();
    }
    w.EndArray();
    put_key(w, "body_length");
    w.Uint64(request.body.size());
    put_string(w, "body_sha256", crypto::sha256_hex(request.body));
    w.EndObject();
    return json_text(out);
}

std::string stream_pattern(std::size_t length) {
    std::array<char, kPatternPeriod> period{};
    for (std::size_t i = 0; i < period.size(); ++i) period[i] = static_cast<char>((i * 31 + 7) % kPatternPeriod);
    std::string out(length, '\0');
    for (std::size_t offset = 0; offset < length; offset += period.size())
        std::memcpy(out.data() + offset, period.data(), std::min(period.size(), length - offset));
    return out;
}

void add_upstream_echo_headers(http::Response& response) {
    response.headers.add("Set-Cookie", "upstream_session=leak; Path=/");
    // The server keeps this Connection value and only adds "close" when it ends the connection.
    response.headers.add("Connection", "X-Upstream-Hop");
    response.headers.add("X-Upstream-Hop", "1");
    response.headers.add("Keep-Alive", "timeout=5");
    response.headers.add("X-Upstream-Echo", "1");
    // Cross-origin grants an upstream might give; only the gateway decides, and it grants none.
    response.headers.add("Access-Control-Allow-Origin", "https://evil.example");
    response.headers.add("Access-Control-Allow-Credentials", "true");
    response.headers.add("Access-Control-Expose-Headers", "X-Upstream-Echo");
    response.headers.add("Timing-Allow-Origin", "*");
}

http::Response quote_token_answer(const http::Request& request, std::string_view token) {
    const auto query = request.query();
    auto param = [&](std::string_view name) -> std::string_view {
        const std::string key = std::string(name) + "=";
        for (std::size_t at = 0; at < query.size();) {
            const auto end = std::min(query.find('&', at), query.size());
            const auto item = query.substr(at, end - at);
            if (item.starts_with(key)) return item.substr(key.size());
            at = end + 1;
        }
        return {};
    };
    unsigned status = 400;
    if (const auto s = param("status"); !s.empty()) status = unsigned(std::stoul(std::string(s)));
    std::string body = "{\"type\":\"error.list\",\"errors\":[{\"code\":\"token_rejected\",\"message\":\"token " +
                       std::string(token) + " is not valid here\"}],\"echo\":\"" + std::string(token) + "\"";
    if (param("size") == "large") body += ",\"padding\":\"" + std::string(20 * 1024, 'x') + "\"";
    body += "}";
    http::Response response = http::json_response(status, std::move(body));
    response.chunked = param("chunked") == "1";
    if (param("encoding") == "gzip") response.headers.add("Content-Encoding", "gzip");
    response.log_note = "quote_token";
    return response;
}

std::string contact_list_json(std::string_view workspace_id) {
    rapidjson::StringBuffer out;
    JsonWriter w(out);
    w.StartObject();
    put_string(w, "type", "list");
    put_key(w, "data");
    w.StartArray();
    for (const auto& contact : kContacts) write_contact(w, contact, contact.id, workspace_id);
    w.EndArray();
    put_int(w, "total_count", std::int64_t(kContacts.size()));
    put_key(w, "pages");
    w.StartObject();
    put_string(w, "type", "pages");
    put_int(w, "page", 1);
    put_int(w, "per_page", 50);
    put_int(w, "total_pages", 1);
    w.EndObject();
    w.EndObject();
    return json_text(out);
}

std::string contact_json(std::string_view id, std::string_view workspace_id) {
    // A known id gets its own record; any other id borrows the first one's details.
    const auto known = std::find_if(kContacts.begin(), kContacts.end(), [&](const Contact& c) { return c.id == id; });
    const Contact& contact = known != kContacts.end() ? *known : kContacts.front();
    rapidjson::StringBuffer out;
    JsonWriter w(out);
    write_contact(w, contact, id, workspace_id);
    return json_text(out);
}

}  // namespace icg::mock
