#include "core/random.hpp"

#include "core/base64.hpp"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace icg::core {

std::string Random::token(std::size_t bytes) {
    std::vector<std::uint8_t> raw(bytes);
    fill(raw);
    auto encoded = base64url_encode({reinterpret_cast<const char*>(raw.data()), raw.size()});
    std::fill(raw.begin(), raw.end(), 0);
    return encoded;
}

void SystemRandom::fill(std::span<std::uint8_t> out) {
    if (out.empty()) return;
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
        std::fputs("fatal: the CSPRNG failed; refusing to continue\n", stderr);
        std::abort();
    }
}

}  // namespace icg::core
