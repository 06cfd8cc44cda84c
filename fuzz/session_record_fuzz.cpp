// Fuzzes what a session is at rest: icg::session::deserialize/serialize (lib/session/
// session_record.hpp) and icg::crypto::SessionCipher (lib/crypto/session_cipher.hpp) with a
// fixed test key. Opening garbage fails cleanly; seal → open gives back the plaintext, and only
// under the same key and aad, unaltered.
//
// Input: [selector] bytes...
//   the bytes are decoded as a session record (JSON), opened as a sealed envelope, sealed and
//   opened again; their lines also fill a SessionRecord that must survive serialize → deserialize.
#include "core/random.hpp"
#include "core/secret.hpp"
#include "crypto/session_cipher.hpp"
#include "fuzz_check.hpp"
#include "session/session_record.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using icg::core::Secret;
using icg::crypto::SessionCipher;
using icg::session::SessionRecord;

// Repeatable nonces, so a run can be replayed exactly.
class CountingRandom final : public icg::core::Random {
public:
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) b = static_cast<std::uint8_t>(next_++);
    }

private:
    std::uint64_t next_ = 1;
};

// Format 2 (what seal writes): version, id length, the id ("default" for a ring of one key),
// nonce, tag. Format 1 (sealed before key ids, still opened): version, nonce, tag.
constexpr std::size_t envelope_overhead = 2 + SessionCipher::default_key_id.size() + 12 + 16;
constexpr std::size_t nonce_offset = 2 + SessionCipher::default_key_id.size();
constexpr std::size_t first_format_overhead = 1 + 12 + 16;

const std::string test_key = "fuzz-key-0123456789abcdef-fuzz!!";
const std::string other_key = "fuzz-key-0123456789abcdef-other!";

const SessionCipher& cipher() {
    static const SessionCipher c{Secret(test_key)};
    return c;
}
const SessionCipher& other_cipher() {
    static const SessionCipher c{Secret(other_key)};
    return c;
}
// A rotation in progress: another key seals, the test key (renamed) still opens.
const SessionCipher& rotated_cipher() {
    static const SessionCipher c{[] {
        std::vector<icg::crypto::SealingKey> keys;
        keys.push_back({"next", Secret(other_key)});
        keys.push_back({"renamed", Secret(test_key)});
        return keys;
    }()};
    return c;
}

bool same(const SessionRecord& a, const SessionRecord& b) {
    return a.access_token == b.access_token && a.admin_id == b.admin_id && a.admin_name == b.admin_name &&
           a.admin_email == b.admin_email && a.workspace_id == b.workspace_id && a.workspace_name == b.workspace_name &&
           a.created_at == b.created_at && a.expires_at == b.expires_at;
}

void check_record_round_trip(const SessionRecord& record) {
    const Secret json = icg::session::serialize(record);
    const auto back = icg::session::deserialize(json.expose());
    FUZZ_CHECK(back);
    FUZZ_CHECK(same(*back, record));
}

void check_decode(std::string_view json) {
    const std::string copy(json);  // exact size for ASan
    const auto record = icg::session::deserialize(copy);
    if (!record) return;
    FUZZ_CHECK(!record->access_token.empty());
    check_record_round_trip(*record);
}

void check_open(std::string_view sealed, std::string_view aad) {
    const std::string copy(sealed);
    const auto opened = cipher().open(copy, aad);
    if (!opened) return;
    // Only a well-formed envelope opens (a seed may hold one made under the test key).
    const auto version = static_cast<std::uint8_t>(sealed[0]);
    FUZZ_CHECK(version == 1 || version == 2);
    if (version == 1) FUZZ_CHECK(sealed.size() == first_format_overhead + opened->size());
    if (version == 2) FUZZ_CHECK(sealed.size() == 2 + static_cast<std::uint8_t>(sealed[1]) + 12 + 16 + opened->size());
    FUZZ_CHECK(!other_cipher().open(copy, aad));
    FUZZ_CHECK(rotated_cipher().open(copy, aad));
    FUZZ_CHECK(!cipher().open(copy, std::string(aad) + "x"));
}

void check_seal_open(std::string_view plaintext, std::string_view aad, std::size_t flip_at) {
    CountingRandom random;
    const std::string sealed = cipher().seal(plaintext, aad, random);
    FUZZ_CHECK(sealed.size() == envelope_overhead + plaintext.size());
    // The ciphertext is not the plaintext in the clear (for anything long enough to tell).
    FUZZ_CHECK(sealed.compare(2, SessionCipher::default_key_id.size(), SessionCipher::default_key_id) == 0);
    if (plaintext.size() >= 16) FUZZ_CHECK(sealed.compare(nonce_offset + 12, plaintext.size(), plaintext) != 0);

    const auto opened = cipher().open(sealed, aad);
    FUZZ_CHECK(opened && opened->expose() == plaintext);
    FUZZ_CHECK(!other_cipher().open(sealed, aad));
    // An older key of a ring opens it, under another name, and says it should be sealed again.
    const auto by_ring = rotated_cipher().open_record(sealed, aad);
    FUZZ_CHECK(by_ring && by_ring->plaintext.expose() == plaintext && !by_ring->sealed_with_current_key);
    const std::string resealed = rotated_cipher().seal(plaintext, aad, random);
    FUZZ_CHECK(!cipher().open(resealed, aad));  // the ring's first key sealed it, not the test key
    FUZZ_CHECK(!cipher().open(sealed, std::string(aad) + "/other"));
    FUZZ_CHECK(!cipher().open(sealed.substr(0, sealed.size() - 1), aad));
    FUZZ_CHECK(!cipher().open(sealed + "x", aad));
    std::string altered = sealed;
    altered[flip_at % altered.size()] ^= static_cast<char>(1 << (flip_at % 8));
    FUZZ_CHECK(!cipher().open(altered, aad));
    // Two seals of the same plaintext differ (a fresh nonce each time).
    const std::string again = cipher().seal(plaintext, aad, random);
    FUZZ_CHECK(again != sealed);
    const auto opened_again = cipher().open(again, aad);
    FUZZ_CHECK(opened_again && opened_again->expose() == plaintext);
}

SessionRecord record_from(std::string_view bytes, std::uint8_t selector) {
    std::vector<std::string> parts;
    while (parts.size() < 6) {
        const auto nl = bytes.find('\n');
        parts.emplace_back(bytes.substr(0, nl));
        if (nl == std::string_view::npos) break;
        bytes.remove_prefix(nl + 1);
    }
    parts.resize(6);
    SessionRecord r;
    r.access_token = Secret(parts[0].empty() ? std::string("tok") : parts[0]);
    r.admin_id = parts[1];
    r.admin_name = parts[2];
    r.admin_email = parts[3];
    r.workspace_id = parts[4];
    r.workspace_name = parts[5];
    std::int64_t created = 0, expires = 0;
    std::memcpy(&created, bytes.data(), std::min(bytes.size(), sizeof created));
    std::memcpy(&expires, bytes.data() + std::min(bytes.size(), sizeof created),
                std::min(bytes.size() - std::min(bytes.size(), sizeof created), sizeof expires));
    r.created_at = (selector & 1) ? created : 1700000000;
    r.expires_at = (selector & 2) ? expires : 1700604800;
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t selector = data[0];
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::string_view aad = "icg:session:fuzz";

    check_decode(bytes);
    check_open(bytes, aad);
    check_seal_open(bytes, aad, selector * 131 + size);
    check_record_round_trip(record_from(bytes, selector));
    return 0;
}
