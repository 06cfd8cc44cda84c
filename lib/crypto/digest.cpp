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

std::string sha256_hex(std::string_view data) {
    static const Sha256 sha256;
    thread_local const ThreadContext context;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (!sha256.md || !context.ctx || EVP_DigestInit_ex2(context.ctx, sha256.md, nullptr) != 1 ||
        EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(context.ctx, md, &md_len) != 1)
        throw std::runtime_error("SHA-256 failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out(md_len * 2, '\0');
    for (unsigned int i = 0; i < md_len; ++i) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    return out;
}

std::string fingerprint(std::string_view secret) {
    return sha256_hex(secret).substr(0, 32);
}

}  // namespace icg::crypto
