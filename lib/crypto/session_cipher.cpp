#include "crypto/session_cipher.hpp"

#include "core/random.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace icg::crypto {
namespace {

constexpr unsigned char unnamed_format = 1;  // version, nonce, ciphertext, tag
constexpr unsigned char named_format = 2;    // version, id length, id, nonce, ciphertext, tag
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const noexcept { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// A sealed record taken apart; `header` is what precedes the nonce, authenticated with the aad.
struct Parts {
    std::string_view header;
    std::string_view key_id;
    std::string_view nonce;
    std::string_view cipher_text;
    std::string_view tag;
};

std::optional<Parts> split(std::string_view sealed) {
    if (sealed.empty()) return std::nullopt;
    std::size_t header_size = 1;
    Parts parts;
    if (std::uint8_t(sealed[0]) == named_format) {
        if (sealed.size() < 2) return std::nullopt;
        const std::size_t id_size = std::uint8_t(sealed[1]);
        header_size = 2 + id_size;
        if (id_size == 0 || id_size > SessionCipher::max_key_id_size || sealed.size() < header_size)
            return std::nullopt;
        parts.key_id = sealed.substr(2, id_size);
    } else if (std::uint8_t(sealed[0]) != unnamed_format) {
        return std::nullopt;
    }
    if (sealed.size() < header_size + nonce_size + tag_size) return std::nullopt;
    parts.header = sealed.substr(0, header_size);
    parts.nonce = sealed.substr(header_size, nonce_size);
    parts.cipher_text = sealed.substr(header_size + nonce_size, sealed.size() - header_size - nonce_size - tag_size);
    parts.tag = sealed.substr(sealed.size() - tag_size);
    return parts;
}

std::optional<core::Secret> decrypt(const core::Secret& key, const Parts& parts, std::string_view aad) {
    std::string plain(parts.cipher_text.size(), '\0');
    std::string tag(parts.tag);
    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    // The header is authenticated only in the named format: format 1 records were sealed without it.
    const std::string_view header = parts.key_id.empty() ? std::string_view() : parts.header;
    bool ok = ctx &&
              EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(key.expose()), bytes(parts.nonce)) == 1 &&
              EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(header), int(header.size())) == 1 &&
              EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) == 1 &&
              EVP_DecryptUpdate(ctx.get(), out, &len, bytes(parts.cipher_text), int(parts.cipher_text.size())) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(tag_size), tag.data()) == 1 &&
              EVP_DecryptFinal_ex(ctx.get(), out + len, &len) == 1;
    core::Secret result(std::move(plain));
    if (!ok) return std::nullopt;
    return result;
}

std::vector<SealingKey> one_key(core::Secret key) {
    std::vector<SealingKey> keys;
    keys.push_back({std::string(SessionCipher::default_key_id), std::move(key)});
    return keys;
}

}  // namespace

bool SessionCipher::is_key_id(std::string_view id) noexcept {
    return !id.empty() && id.size() <= max_key_id_size && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
}

std::shared_ptr<const SessionCipher::Ring> SessionCipher::checked(Ring keys) {
    if (keys.empty() || keys.size() > max_keys)
        throw std::invalid_argument("the session key ring must hold 1 to 8 keys");
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (keys[i].key.size() != key_size) throw std::invalid_argument("a session encryption key must be 32 bytes");
        if (!is_key_id(keys[i].id)) throw std::invalid_argument("a session key id must be 1 to 32 letters or digits");
        for (std::size_t j = 0; j < i; ++j)
            if (keys[j].id == keys[i].id) throw std::invalid_argument("two session keys have the id " + keys[i].id);
    }
    return std::make_shared<const Ring>(std::move(keys));
}

SessionCipher::SessionCipher(std::vector<SealingKey> keys, UnopenedRecordObserver* observer)
    : keys_(checked(std::move(keys))), observer_(observer) {}

void SessionCipher::replace_keys(std::vector<SealingKey> keys) {
    auto next = checked(std::move(keys));
    const std::lock_guard lock(mutex_);
    keys_ = std::move(next);
}

std::shared_ptr<const SessionCipher::Ring> SessionCipher::ring() const {
    const std::lock_guard lock(mutex_);
    return keys_;
}

SessionCipher::SessionCipher(core::Secret key, UnopenedRecordObserver* observer)
    : SessionCipher(one_key(std::move(key)), observer) {}

std::string SessionCipher::seal(std::string_view plaintext, std::string_view aad, core::Random& random) const {
    const auto keys = ring();
    const SealingKey& current = keys->front();
    const std::size_t header_size = 2 + current.id.size();
    std::string out(header_size + nonce_size + plaintext.size() + tag_size, '\0');
    out[0] = char(named_format);
    out[1] = char(current.id.size());
    std::copy(current.id.begin(), current.id.end(), out.begin() + 2);
    auto* nonce = reinterpret_cast<unsigned char*>(out.data() + header_size);
    random.fill({nonce, nonce_size});
    auto* cipher_text = nonce + nonce_size;
    const std::string_view header(out.data(), header_size);

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    int len = 0;
    bool ok = ctx &&
              EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes(current.key.expose()), nonce) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(header), int(header.size())) == 1 &&
              EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), int(aad.size())) == 1 &&
              EVP_EncryptUpdate(ctx.get(), cipher_text, &len, bytes(plaintext), int(plaintext.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx.get(), cipher_text + len, &len) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(tag_size), cipher_text + plaintext.size()) == 1;
    if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
    return out;
}

std::optional<OpenedRecord> SessionCipher::open_record(std::string_view sealed, std::string_view aad) const {
    const auto parts = split(sealed);
    if (!parts) return std::nullopt;
    const auto held = ring();
    const Ring& keys = *held;
    // The named key first; then the rest, in ring order.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (keys[i].id == parts->key_id) order.push_back(i);
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (keys[i].id != parts->key_id) order.push_back(i);
    for (const std::size_t i : order)
        if (auto plain = decrypt(keys[i].key, *parts, aad))
            return OpenedRecord{.plaintext = std::move(*plain),
                                .sealed_with_current_key = i == 0 && parts->key_id == keys[0].id};
    if (observer_) observer_->record_unopened(parts->key_id);
    return std::nullopt;
}

std::optional<core::Secret> SessionCipher::open(std::string_view sealed, std::string_view aad) const {
    auto opened = open_record(sealed, aad);
    if (!opened) return std::nullopt;
    return std::move(opened->plaintext);
}

}  // namespace icg::crypto
