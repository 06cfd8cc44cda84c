#pragma once
#include <array>
#include <string>
#include <string_view>

namespace icg::crypto {

// SHA-256 as 32 raw bytes.
std::array<unsigned char, 32> sha256(std::string_view data);

// Lower-case hex SHA-256: Redis keys are derived from it, so a key never reveals its session id.
std::string sha256_hex(std::string_view data);

// The first 128 bits of SHA-256 in hex: names a high-entropy secret (a token) in Redis, so stored
// things can say "held by this token" without holding it.
std::string fingerprint(std::string_view secret);

}  // namespace icg::crypto
