#include "http/cookies.hpp"

namespace icg::http {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<std::string_view> find_cookie(const Headers& headers, std::string_view name) {
    for (const auto& field : headers) {
        if (!iequals(field.name, "Cookie")) continue;
        std::string_view rest = field.value;
        while (!rest.empty()) {
            const auto semi = rest.find(';');
            std::string_view pair = trim(rest.substr(0, semi));
            rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
            const auto eq = pair.find('=');
            if (eq == std::string_view::npos) continue;
            if (trim(pair.substr(0, eq)) != name) continue;
            std::string_view value = trim(pair.substr(eq + 1));
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            return value;
        }
    }
    return std::nullopt;
}

std::string make_set_cookie(std::string_view name, std::string_view value, const CookieAttributes& a) {
    std::string out;
    out.reserve(name.size() + value.size() + 64);
    out.append(name).append("=").append(value);
    if (!a.path.empty()) out.append("; Path=").append(a.path);
    if (a.max_age) out.append("; Max-Age=").append(std::to_string(a.max_age->count()));
    if (a.secure) out.append("; Secure");
    if (a.http_only) out.append("; HttpOnly");
    if (!a.same_site.empty()) out.append("; SameSite=").append(a.same_site);
    return out;
}

std::string make_clearing_cookie(std::string_view name, const CookieAttributes& attributes) {
    CookieAttributes a = attributes;
    a.max_age = std::chrono::seconds(0);
    return make_set_cookie(name, "", a);
}

}  // namespace icg::http
