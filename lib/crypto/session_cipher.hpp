#pragma once
// AES-256-GCM for records at rest (sessions, workspace connections, pending logins): a dump of
// Redis yields no usable token. The keys form a ring, so they can be rotated without logging
// anyone out: the first key seals, every key opens.
#include "core/secret.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace icg::core {
class Random;
}

namespace icg::crypto {

struct SealingKey {
    std::string id;   // short and not secret: recorded in every record the key seals
    core::Secret key;  // key_size raw bytes
};

// Told about records no key of the ring opens, with the key id the record names ("" for a record
// of the first format, which names none). Never given any secret.
class UnopenedRecordObserver {
public:
    virtual ~UnopenedRecordObserver() = default;
    virtual void record_unopened(std::string_view named_key_id) = 0;
};

struct OpenedRecord {
    core::Secret plaintext;
    // False when an older key of the ring opened it: the record should be sealed again.
    bool sealed_with_current_key = false;
};

class SessionCipher {
public:
    static constexpr std::size_t key_size = 32;
    static constexpr std::size_t max_keys = 8;
    static constexpr std::size_t max_key_id_size = 32;
    // The id of the one key given as session.encryption_key.
    static constexpr std::string_view default_key_id = "default";

    // Throws std::invalid_argument (start-up only; the message names no key material) unless
    // there are 1 to max_keys keys of key_size bytes with distinct well-formed ids.
    explicit SessionCipher(std::vector<SealingKey> keys, UnopenedRecordObserver* observer = nullptr);
    // A ring of one key, named default_key_id.
    explicit SessionCipher(core::Secret key, UnopenedRecordObserver* observer = nullptr);

    // Output: version byte 2, key id length and id, 12-byte random nonce, ciphertext, 16-byte tag.
    // `aad` binds the ciphertext to its Redis key, so a record copied under another key does not
    // open; the id is bound too.
    std::string seal(std::string_view plaintext, std::string_view aad, core::Random& random) const;

    // nullopt when the input is malformed, was sealed under a key not in the ring or another aad,
    // or was altered. The key the record names is tried first, then the others (a key renamed
    // in the configuration still opens its records). Records of format 1 (no key id) still open.
    std::optional<OpenedRecord> open_record(std::string_view sealed, std::string_view aad) const;
    std::optional<core::Secret> open(std::string_view sealed, std::string_view aad) const;

    // Whether `id` may name a key: 1 to max_key_id_size letters, digits, '-', '_' or '.'.
    static bool is_key_id(std::string_view id) noexcept;

    // A reload's new ring, checked as the constructor checks it (throws, changing nothing). Seals
    // and opens already begun finish with the ring they started with.
    void replace_keys(std::vector<SealingKey> keys);

private:
    using Ring = std::vector<SealingKey>;
    static std::shared_ptr<const Ring> checked(Ring keys);
    std::shared_ptr<const Ring> ring() const;

    mutable std::mutex mutex_;
    std::shared_ptr<const Ring> keys_;
    UnopenedRecordObserver* observer_;
};

}  // namespace icg::crypto
