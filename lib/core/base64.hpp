#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace icg::core {

std::string base64_encode(std::string_view bytes);
// Accepts padded standard base64; nullopt on any other character or a bad length.
std::optional<std::string> base64_decode(std::string_view text);

// URL-safe alphabet, no padding: safe in cookies, query strings and Redis keys.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace icg::core
