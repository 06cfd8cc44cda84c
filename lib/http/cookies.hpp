#pragma once
// Reading the Cookie header and writing Set-Cookie values.
#include "http/message.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace icg::http {

// The value of cookie `name` across every Cookie header; nullopt when absent. When a name appears
// more than once the first wins, as browsers send the most specific cookie first.
std::optional<std::string_view> find_cookie(const Headers& headers, std::string_view name);

struct CookieAttributes {
    std::optional<std::chrono::seconds> max_age;  // none: a session cookie
    bool http_only = true;
    bool secure = true;
    std::string same_site = "Lax";
    std::string path = "/";
};

std::string make_set_cookie(std::string_view name, std::string_view value, const CookieAttributes& attributes);
// Expires the cookie now (same name, path and prefix rules as when it was set).
std::string make_clearing_cookie(std::string_view name, const CookieAttributes& attributes);

}  // namespace icg::http
