#include "proxy/csrf.hpp"

namespace icg::proxy {

bool is_state_changing(std::string_view method) noexcept {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool csrf_allows(const http::Request& request, std::string_view public_origin) {
    if (!is_state_changing(request.method)) return true;
    if (!request.headers.contains("X-CSRF")) return false;
    if (request.headers.contains("Origin") && request.headers.get("Origin") != public_origin) return false;
    if (request.headers.contains("Sec-Fetch-Site") && request.headers.get("Sec-Fetch-Site") != "same-origin")
        return false;
    return true;
}

}  // namespace icg::proxy
