#include "crypto/session_cipher.hpp"

#include "core/random.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

namespace icg::crypto {
namespace {

constexpr unsigned char format_version = 1;
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

SessionCipher::SessionCipher(core::Secret key) : key_(std::move(key)) {
    if (key_.size() != key_size) throw std::invalid_argument("the session encryption key must be 32 bytes");
}

std::string SessionCipher::seal(std::string_view plaintext, std::string_view aad, core::Random& random) const {
    std::string out(1 + nonce_size + plaintext.size() + tag_size, '\0');
    out[0] = char(format_version);
    auto* nonce = reinterpret_cast<unsigned char*>(out.data() + 1);
    random.fill({nonce, nonce_size});
    auto* cipher_text = nonce + nonce_size;

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key_.expose()), nonce) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) == 1 &&
              EVP_EncryptUpdate(ctx.get(), cipher_text, &len, bytes(plaintext), int(plaintext.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), cipher_text + len, &len) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(tag_size), cipher_text + plaintext.size()) == 1;
    if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
    return out;
}

std::optional<core::Secret> SessionCipher::open(std::string_view sealed, std::string_view aad) const {
    if (sealed.size() < 1 + nonce_size + tag_size || std::uint8_t(sealed[0]) != format_version) return std::nullopt;
    const auto* nonce = bytes(sealed) + 1;
    const std::size_t text_size = sealed.size() - 1 - nonce_size - tag_size;
    const auto* cipher_text = nonce + nonce_size;
    std::string tag(sealed.substr(1 + nonce_size + text_size));

    std::string plain(text_size, '\0');
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key_.expose()), nonce) == 1 &&
              EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) == 1 &&
              EVP_DecryptUpdate(ctx.get(), out, &len, cipher_text, int(text_size)) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(tag_size), tag.data()) == 1 &&
              EVP_DecryptFinal_ex(ctx.get(), out + len, &len) == 1;
    core::Secret result(std::move(plain));
    if (!ok) return std::nullopt;
    return result;
}

}  // namespace icg::crypto
