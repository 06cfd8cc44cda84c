#include "proxy/csrf.hpp"

#include "proxy/method_policy.hpp"

namespace icg::proxy {

bool csrf_allows(const http::Request& request, std::string_view public_origin) {
    if (is_safe_method(request.method)) return true;
    if (!request.headers.contains("X-CSRF")) return false;
    if (request.headers.contains("Origin") && request.headers.get("Origin") != public_origin) return false;
    if (request.headers.contains("Sec-Fetch-Site") && request.headers.get("Sec-Fetch-Site") != "same-origin")
        return false;
    return true;
}

}  // namespace icg::proxy
