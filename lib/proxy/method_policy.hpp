#pragma once
// Which request methods the API proxy takes. Methods are case-sensitive (RFC 9110 §9.1): "get"
// is not GET, so only the canonical upper-case methods Intercom's REST API uses are forwarded;
// OPTIONS is answered by the gateway itself (it grants no cross-origin access), and nothing else
// reaches Intercom.
#include <string_view>

namespace icg::proxy {

enum class MethodVerdict {
    forward,         // GET, HEAD, POST, PUT, PATCH, DELETE
    answer_options,  // OPTIONS: the gateway's own answer, never forwarded
    not_allowed,     // a standard method the API does not take (TRACE, CONNECT): 405
    not_implemented  // anything else, including other spellings of the above: 501
};

MethodVerdict judge_method(std::string_view method) noexcept;

// Only GET and HEAD are safe; every other forwarded method must pass the CSRF checks.
bool is_safe_method(std::string_view method) noexcept;

// The Allow header of the gateway's answers on /intercom/*.
inline constexpr std::string_view proxy_allowed_methods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

}  // namespace icg::proxy
