#pragma once
#include <string>
#include <string_view>

namespace icg::crypto {

// Lower-case hex SHA-256: Redis keys are derived from it, so a key never reveals its session id.
std::string sha256_hex(std::string_view data);

}  // namespace icg::crypto
