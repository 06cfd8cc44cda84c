#include "proxy/header_rules.hpp"

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <array>

namespace icg::proxy {
namespace {

constexpr std::array<std::string_view, 8> always_hop_by_hop = {
    "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-connection", "host",
};

// The field names a message's Connection fields list (RFC 9110 §7.6.1), read once per message:
// each field is checked against them, and a message has few (usually none, or "keep-alive").
class ConnectionOptions {
public:
    explicit ConnectionOptions(const http::Headers& headers) {
        for (const auto field : headers) {
            if (!http::iequals(field.name, "Connection")) continue;
            std::string_view rest = field.value;
            while (!rest.empty()) {
                const auto comma = rest.find(',');
                std::string_view token = rest.substr(0, comma);
                while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
                while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
                names_.push_back(token);
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
        }
    }

    bool lists(std::string_view name) const noexcept {
        return std::any_of(names_.begin(), names_.end(), [name](auto listed) { return http::iequals(listed, name); });
    }

private:
    // Views into the headers it was read from; no allocation for up to four names.
    boost::container::small_vector<std::string_view, 4> names_;
};

// Upstream servers and frameworks may read '_' as '-' (CGI, WSGI, some proxies): a name is
// judged in every spelling it could be normalised to.
char fold(char c) noexcept {
    if (c == '_') return '-';
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

// `wanted` is lower case with dashes.
bool same_name(std::string_view name, std::string_view wanted) noexcept {
    if (name.size() != wanted.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (fold(name[i]) != wanted[i]) return false;
    return true;
}

bool name_starts_with(std::string_view name, std::string_view wanted_prefix) noexcept {
    return name.size() >= wanted_prefix.size() && same_name(name.substr(0, wanted_prefix.size()), wanted_prefix);
}

// Who the caller is, where it came from and what it carries for the gateway: never from the
// client. Only the gateway's own Authorization identifies the caller upstream; a service's key
// and its workspace header stop here.
constexpr std::array<std::string_view, 13> identity_headers = {
    "authorization",
    "cookie",
    "x-csrf",
    "x-request-id",
    "forwarded",
    "via",
    "x-real-ip",
    "x-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "client-ip",
    "x-cluster-client-ip",
    "intercom-workspace-id",
};
constexpr std::array<std::string_view, 3> identity_prefixes = {"x-forwarded-", "x-original-", "proxy-"};

bool is_identity_header(std::string_view name) noexcept {
    for (auto h : identity_headers)
        if (same_name(name, h)) return true;
    for (auto p : identity_prefixes)
        if (name_starts_with(name, p)) return true;
    return false;
}

// Cross-origin grants are the gateway's alone to give, and it gives none.
bool is_cross_origin_grant(std::string_view name) noexcept {
    return name_starts_with(name, "access-control-") || same_name(name, "timing-allow-origin");
}

bool is_hop_by_hop(std::string_view name, const ConnectionOptions& options) noexcept {
    for (auto h : always_hop_by_hop)
        if (same_name(name, h)) return true;
    // Content-Length is framing: the gateway sets its own for the message it sends.
    if (same_name(name, "content-length")) return true;
    if (name_starts_with(name, "proxy-")) return true;
    return options.lists(name);
}

// Room for the fields of `from` and `extra` more: each copy below allocates once.
http::Headers sized_like(const http::Headers& from, std::size_t extra_fields) {
    http::Headers out;
    out.reserve(from.text_size() + extra_fields * 64, from.size() + extra_fields);
    return out;
}

}  // namespace

bool is_hop_by_hop(std::string_view name, const http::Headers& headers) {
    return is_hop_by_hop(name, ConnectionOptions(headers));
}

http::Headers upstream_request_headers(const http::Headers& client, const UpstreamIdentity& identity) {
    const ConnectionOptions options(client);
    auto out = sized_like(client, 4);  // Host, Authorization, Intercom-Version, X-Request-Id
    bool has_version = false;
    for (const auto field : client) {
        if (is_hop_by_hop(field.name, options) || is_identity_header(field.name)) continue;
        if (same_name(field.name, "intercom-version")) {
            // Only the canonical spelling is the client's version. "Intercom_Version" is dropped:
            // Intercom would ignore it (and use the app's default, not api_version), while an
            // upstream that reads '_' as '-' would see it beside the version the gateway sends.
            if (!http::iequals(field.name, "Intercom-Version")) continue;
            has_version = true;
        }
        out.add(field.name, field.value);
    }
    out.add("Host", identity.host);
    out.add_joined("Authorization", "Bearer ", identity.bearer_token);  // no temporary copy of the token
    if (!has_version && !identity.api_version.empty()) out.add("Intercom-Version", identity.api_version);
    out.add("X-Request-Id", identity.request_id);
    return out;
}

http::Headers client_response_headers(const http::Headers& upstream) {
    const ConnectionOptions options(upstream);
    // X-Content-Type-Options here, and the proxy's own X-Request-Id, Cache-Control and Retry-After.
    auto out = sized_like(upstream, 4);
    for (const auto field : upstream) {
        if (is_hop_by_hop(field.name, options) || is_cross_origin_grant(field.name)) continue;
        if (same_name(field.name, "set-cookie") || same_name(field.name, "set-cookie2")) continue;
        out.add(field.name, field.value);
    }
    // The browser must never sniff an API answer into something executable.
    if (!out.contains("X-Content-Type-Options")) out.add("X-Content-Type-Options", "nosniff");
    return out;
}

}  // namespace icg::proxy
