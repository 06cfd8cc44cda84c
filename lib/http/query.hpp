#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace icg::http {

// The percent-decoded value of parameter `name` in an encoded query string. nullopt when it is
// absent, appears more than once (ambiguous: which one would an attacker's proxy see?) or the
// query is malformed.
std::optional<std::string> query_param(std::string_view encoded_query, std::string_view name);

}  // namespace icg::http
