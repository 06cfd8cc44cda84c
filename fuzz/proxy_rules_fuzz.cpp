// Fuzzes the proxy's rules on untrusted input: upstream_target (lib/proxy/path_rules.hpp), the
// allow list (lib/proxy/allow_list.hpp) and the header rules (lib/proxy/header_rules.hpp).
//
// Input: [rule count] lines...
//   the first (count % 8) lines are proxy.allow rules ("METHOD /pattern");
//   the next line is a request line "METHOD /intercom/path?query";
//   the remaining lines are header fields "Name: value", used both as the browser's request
//   headers and as Intercom's response headers.
#include "fuzz_check.hpp"
#include "fuzz_text.hpp"
#include "http/message.hpp"
#include "proxy/allow_list.hpp"
#include "proxy/header_rules.hpp"
#include "proxy/path_rules.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using fuzz_text::hex_value;
using fuzz_text::split;
using icg::http::Headers;
using icg::http::iequals;
using icg::proxy::AllowList;

// A segment as a server would see it after decoding once (invalid escapes stay as they are).
std::string decode_once(std::string_view segment) {
    std::string out;
    for (std::size_t i = 0; i < segment.size(); ++i) {
        if (segment[i] == '%' && i + 2 < segment.size() && hex_value(segment[i + 1]) >= 0 &&
            hex_value(segment[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(segment[i + 1]) * 16 + hex_value(segment[i + 2]));
            i += 2;
        } else {
            out += segment[i];
        }
    }
    return out;
}

void check_upstream_target(std::string_view client_target) {
    const std::string copy(client_target);  // exact size for ASan
    const auto target = icg::proxy::upstream_target(copy);
    if (!target) return;
    // Byte for byte what followed /intercom.
    FUZZ_CHECK(client_target.starts_with(icg::proxy::proxy_prefix));
    FUZZ_CHECK(*target == client_target.substr(icg::proxy::proxy_prefix.size()));
    FUZZ_CHECK(target->size() >= 2 && target->front() == '/');
    for (const char c : *target) {
        const auto u = static_cast<unsigned char>(c);
        FUZZ_CHECK(u > 0x20 && u < 0x7f && c != '\\' && c != '#');
    }
    // Nothing in the path may step outside the API base once Intercom decodes it.
    const std::string_view path = std::string_view(*target).substr(0, target->find('?'));
    FUZZ_CHECK(path.find("//") == std::string_view::npos);
    for (const auto segment : split(path.substr(1), '/')) {
        const std::string decoded = decode_once(segment);
        FUZZ_CHECK(decoded != "." && decoded != "..");
        FUZZ_CHECK(decoded.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos);
    }
}

// A concrete path that the pattern of `rule` matches: "*" segments become "x", "/**" becomes "/x/y".
std::optional<std::string> example_path(std::string_view rule) {
    const auto space = rule.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    std::string_view pattern = rule.substr(space + 1);
    const bool any_rest = pattern.ends_with("/**");
    if (any_rest) pattern.remove_suffix(3);
    std::string path;
    if (!pattern.empty()) {
        for (const auto segment : split(pattern.substr(1), '/')) {
            path += '/';
            path += segment == "*" ? std::string_view("x") : segment;
        }
    }
    if (any_rest) path += "/x/y";
    return path;
}

void check_allow_list(const std::vector<std::string>& rules, std::string_view method, std::string_view path) {
    std::string error;
    const auto list = AllowList::parse(rules, &error);
    if (!list) {
        FUZZ_CHECK(!error.empty());
        return;
    }
    FUZZ_CHECK(list->restricts() == !rules.empty());
    const bool allowed = list->allows(method, path);
    if (rules.empty()) FUZZ_CHECK(allowed);
    // The list allows exactly what one of its rules allows.
    bool any = false;
    for (const auto& rule : rules) {
        const auto single = AllowList::parse({rule}, nullptr);
        FUZZ_CHECK(single);
        any = any || single->allows(method, path);
        // Each rule allows the paths its pattern describes, with its method.
        const auto example = example_path(rule);
        FUZZ_CHECK(example);
        const std::string rule_method = rule.substr(0, rule.find(' '));
        const std::string example_method = rule_method == "*" ? std::string(method) : rule_method;
        FUZZ_CHECK(single->allows(example_method, *example));
        FUZZ_CHECK(list->allows(example_method, *example));
        // A method the rule does not name is refused by it.
        if (rule_method != "*") FUZZ_CHECK(!single->allows(rule_method + "X", *example));
    }
    if (!rules.empty()) FUZZ_CHECK(allowed == any);
}

bool forbidden_upstream(std::string_view name) {
    for (const std::string_view hop : {"Connection", "Keep-Alive", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
                                       "Proxy-Connection", "Content-Length", "Cookie", "X-CSRF", "Forwarded"})
        if (iequals(name, hop)) return true;
    const auto starts = [&](std::string_view prefix) {
        return name.size() >= prefix.size() && iequals(name.substr(0, prefix.size()), prefix);
    };
    return starts("Proxy-") || starts("X-Forwarded-");
}

// Whether a Connection field of `headers` lists `name`.
bool named_by_connection(const Headers& headers, std::string_view name) {
    for (const auto field : headers) {
        if (!iequals(field.name, "Connection")) continue;
        for (auto token : split(field.value, ',')) {
            while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
            while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
            if (iequals(token, name)) return true;
        }
    }
    return false;
}

// Whether `out`'s fields, minus those the gateway added, are a subsequence of `in`'s.
bool kept_in_order(const Headers& in, const Headers& out, std::size_t added) {
    auto from = in.begin();
    std::size_t checked = 0;
    for (const auto field : out) {
        if (checked++ == out.size() - added) break;
        while (from != in.end() && !((*from).name == field.name && (*from).value == field.value)) ++from;
        if (from == in.end()) return false;
        ++from;
    }
    return true;
}

void check_header_rules(const Headers& client) {
    const icg::proxy::UpstreamIdentity identity{
        .bearer_token = "tok_fuzz", .host = "api.intercom.io", .api_version = "2.11", .request_id = "rid-1"};
    const Headers up = icg::proxy::upstream_request_headers(client, identity);
    FUZZ_CHECK(up.count("Host") == 1 && up.get("Host") == identity.host);
    FUZZ_CHECK(up.count("Authorization") == 1 && up.get("Authorization") == "Bearer tok_fuzz");
    FUZZ_CHECK(up.count("X-Request-Id") == 1 && up.get("X-Request-Id") == identity.request_id);
    FUZZ_CHECK(up.count("Intercom-Version") >= 1);
    std::size_t added = 3;
    bool client_version = false;
    for (const auto field : client)
        if (iequals(field.name, "Intercom-Version") && !icg::proxy::is_hop_by_hop(field.name, client))
            client_version = true;
    if (!client_version) {
        FUZZ_CHECK(up.count("Intercom-Version") == 1 && up.get("Intercom-Version") == identity.api_version);
        ++added;
    }
    FUZZ_CHECK(kept_in_order(client, up, added));
    std::size_t index = 0;
    for (const auto field : up) {
        const bool from_client = index++ < up.size() - added;
        if (!from_client) continue;
        FUZZ_CHECK(!forbidden_upstream(field.name));
        FUZZ_CHECK(!iequals(field.name, "Host") && !iequals(field.name, "Authorization") &&
                   !iequals(field.name, "X-Request-Id"));
        FUZZ_CHECK(!named_by_connection(client, field.name));
    }

    const Headers down = icg::proxy::client_response_headers(client);
    FUZZ_CHECK(down.count("X-Content-Type-Options") >= 1);
    const bool sniff_given =
        client.contains("X-Content-Type-Options") && !icg::proxy::is_hop_by_hop("X-Content-Type-Options", client);
    FUZZ_CHECK(kept_in_order(client, down, sniff_given ? 0 : 1));
    for (const auto field : down) {
        FUZZ_CHECK(!iequals(field.name, "Set-Cookie") && !iequals(field.name, "Set-Cookie2"));
        FUZZ_CHECK(!icg::proxy::is_hop_by_hop(field.name, client));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t rule_count = data[0] % 8;
    const auto lines = split(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), '\n');

    std::vector<std::string> rules;
    std::size_t at = 0;
    for (; at < lines.size() && rules.size() < rule_count; ++at) rules.emplace_back(lines[at]);
    const std::string_view request_line = at < lines.size() ? lines[at++] : std::string_view{};
    const auto space = request_line.find(' ');
    const std::string_view method = request_line.substr(0, space);
    const std::string_view client_target =
        space == std::string_view::npos ? std::string_view{} : request_line.substr(space + 1);

    check_upstream_target(client_target);
    const auto target = icg::proxy::upstream_target(client_target);
    // As the proxy asks: the API path without its query; else the raw target, to reach the matcher.
    const std::string_view api_path = target ? std::string_view(*target).substr(0, target->find('?')) : client_target;
    check_allow_list(rules, method, api_path);

    Headers headers;
    for (; at < lines.size(); ++at) {
        const auto colon = lines[at].find(':');
        if (colon == std::string_view::npos || colon == 0) continue;  // the HTTP parser never gives an empty name
        std::string_view value = lines[at].substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        headers.add(lines[at].substr(0, colon), value);
    }
    check_header_rules(headers);
    return 0;
}
