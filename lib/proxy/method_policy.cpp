#include "proxy/method_policy.hpp"

namespace icg::proxy {

MethodVerdict judge_method(std::string_view method) noexcept {
    if (method == "GET" || method == "HEAD" || method == "POST" || method == "PUT" || method == "PATCH" ||
        method == "DELETE")
        return MethodVerdict::forward;
    if (method == "OPTIONS") return MethodVerdict::answer_options;
    if (method == "TRACE" || method == "CONNECT") return MethodVerdict::not_allowed;
    return MethodVerdict::not_implemented;
}

bool is_safe_method(std::string_view method) noexcept {
    return method == "GET" || method == "HEAD";
}

}  // namespace icg::proxy
