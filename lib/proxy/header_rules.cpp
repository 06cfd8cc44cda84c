#include "proxy/header_rules.hpp"

#include <array>

namespace icg::proxy {
namespace {

constexpr std::array<std::string_view, 8> always_hop_by_hop = {
    "Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "Host",
};

// Whether `name` is one of the comma-separated tokens of any Connection header.
bool named_by_connection(std::string_view name, const http::Headers& headers) {
    for (const auto& field : headers) {
        if (!http::iequals(field.name, "Connection")) continue;
        std::string_view rest = field.value;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            std::string_view token = rest.substr(0, comma);
            while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
            while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
            if (http::iequals(token, name)) return true;
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return false;
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && http::iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

bool is_hop_by_hop(std::string_view name, const http::Headers& headers) {
    for (auto h : always_hop_by_hop)
        if (http::iequals(name, h)) return true;
    // Content-Length is framing: the gateway sets its own for the message it sends.
    if (http::iequals(name, "Content-Length")) return true;
    if (starts_with_ignoring_case(name, "Proxy-")) return true;
    return named_by_connection(name, headers);
}

http::Headers upstream_request_headers(const http::Headers& client, const UpstreamIdentity& identity) {
    http::Headers out;
    bool has_version = false;
    for (const auto& field : client) {
        if (is_hop_by_hop(field.name, client)) continue;
        if (http::iequals(field.name, "Cookie") || http::iequals(field.name, "Authorization") ||
            http::iequals(field.name, "X-Request-Id") || http::iequals(field.name, "X-CSRF") ||
            http::iequals(field.name, "Forwarded") || starts_with_ignoring_case(field.name, "X-Forwarded-"))
            continue;
        if (http::iequals(field.name, "Intercom-Version")) has_version = true;
        out.add(field.name, field.value);
    }
    out.add("Host", identity.host);
    out.add_joined("Authorization", "Bearer ", identity.bearer_token);  // no temporary copy of the token
    if (!has_version && !identity.api_version.empty()) out.add("Intercom-Version", identity.api_version);
    out.add("X-Request-Id", identity.request_id);
    return out;
}

http::Headers client_response_headers(const http::Headers& upstream) {
    http::Headers out;
    for (const auto& field : upstream) {
        if (is_hop_by_hop(field.name, upstream)) continue;
        if (http::iequals(field.name, "Set-Cookie") || http::iequals(field.name, "Set-Cookie2")) continue;
        out.add(field.name, field.value);
    }
    // The browser must never sniff an API answer into something executable.
    if (!out.contains("X-Content-Type-Options")) out.add("X-Content-Type-Options", "nosniff");
    return out;
}

}  // namespace icg::proxy
