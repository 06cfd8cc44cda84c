#pragma once
// AES-256-GCM for session records at rest: a dump of Redis yields no usable token.
#include "core/secret.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace icg::core {
class Random;
}

namespace icg::crypto {

class SessionCipher {
public:
    static constexpr std::size_t key_size = 32;

    // `key` must be exactly key_size raw bytes; throws std::invalid_argument otherwise (start-up only).
    explicit SessionCipher(core::Secret key);

    // Output: version byte, 12-byte random nonce, ciphertext, 16-byte tag. `aad` binds the
    // ciphertext to its Redis key, so a record copied under another key does not open.
    std::string seal(std::string_view plaintext, std::string_view aad, core::Random& random) const;

    // nullopt when the input is malformed, was sealed under another key or aad, or was altered.
    std::optional<core::Secret> open(std::string_view sealed, std::string_view aad) const;

private:
    core::Secret key_;
};

}  // namespace icg::crypto
