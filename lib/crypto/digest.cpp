#include "crypto/digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace icg::crypto {

namespace {

// EVP_Digest looks the algorithm up and allocates a context on every call; this runs on every
// proxied request (the session key), so the algorithm is fetched once and each thread keeps a context.
struct Sha256 {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    ~Sha256() { EVP_MD_free(md); }
};

struct ThreadContext {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~ThreadContext() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

std::array<unsigned char, 32> sha256(std::string_view data) {
    static const Sha256 algorithm;
    thread_local const ThreadContext context;
    std::array<unsigned char, 32> md{};
    unsigned int md_len = 0;
    if (!algorithm.md || !context.ctx || EVP_DigestInit_ex2(context.ctx, algorithm.md, nullptr) != 1 ||
        EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(context.ctx, md.data(), &md_len) != 1 || md_len != md.size())
        throw std::runtime_error("SHA-256 failed");
    return md;
}

std::string sha256_hex(std::string_view data) {
    const auto md = sha256(data);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(md.size() * 2, '\0');
    for (std::size_t i = 0; i < md.size(); ++i) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    return out;
}

std::string fingerprint(std::string_view secret) {
    return sha256_hex(secret).substr(0, 32);
}

}  // namespace icg::crypto
