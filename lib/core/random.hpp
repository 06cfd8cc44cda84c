#pragma once
// Source of unpredictable bytes, behind an interface so tests can make ids repeatable.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace icg::core {

class Random {
public:
    virtual ~Random() = default;
    virtual void fill(std::span<std::uint8_t> out) = 0;

    // A base64url string of `bytes` random bytes: state values, session ids, nonces.
    std::string token(std::size_t bytes);
};

// OpenSSL's CSPRNG (RAND_bytes); aborts rather than hand out predictable bytes.
class SystemRandom final : public Random {
public:
    void fill(std::span<std::uint8_t> out) override;
};

}  // namespace icg::core
