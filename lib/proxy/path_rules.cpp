#include "proxy/path_rules.hpp"

#include <algorithm>
#include <cctype>

namespace icg::proxy {
namespace {

bool is_dot_segment(std::string_view segment) {
    // Also the encoded spellings a server might decode before resolving the path.
    std::string lower;
    for (char c : segment) lower += char(std::tolower(static_cast<unsigned char>(c)));
    return lower == "." || lower == ".." || lower == "%2e" || lower == "%2e%2e" || lower == ".%2e" || lower == "%2e.";
}

// Whether `path` holds the escape %<high><low> (the low hex digit in either case).
bool contains_escape(std::string_view path, char high, char low) {
    for (std::size_t i = 0; i + 2 < path.size(); ++i)
        if (path[i] == '%' && path[i + 1] == high && std::tolower(static_cast<unsigned char>(path[i + 2])) == low)
            return true;
    return false;
}

}  // namespace

std::optional<std::string> upstream_target(std::string_view target) {
    if (!target.starts_with(proxy_prefix)) return std::nullopt;
    target.remove_prefix(proxy_prefix.size());
    if (target.empty() || target.front() != '/') return std::nullopt;
    const auto query_at = target.find('?');
    const std::string_view path = target.substr(0, query_at);
    if (path.size() < 2) return std::nullopt;  // "/intercom/" names no API resource

    if (std::any_of(target.begin(), target.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u <= 0x20 || u >= 0x7f || c == '\\' || c == '#';
        }))
        return std::nullopt;
    // %2F and %5C would let a path that looks like one resource address another after decoding.
    if (contains_escape(path, '2', 'f') || contains_escape(path, '5', 'c') ||
        path.find("%00") != std::string_view::npos)
        return std::nullopt;
    if (path.find("//") != std::string_view::npos) return std::nullopt;

    std::string_view rest = path.substr(1);
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        if (is_dot_segment(rest.substr(0, slash))) return std::nullopt;
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return std::string(target);
}

}  // namespace icg::proxy
