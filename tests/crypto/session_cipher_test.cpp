#include "crypto/session_cipher.hpp"

#include "core/random.hpp"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace icg::crypto {
namespace {

// Version byte 2, the id's length, the id ("default" for a ring of one key), then the nonce.
constexpr std::size_t id_size = 7;
constexpr std::size_t nonce_offset = 2 + id_size;
constexpr std::size_t header_size = nonce_offset + 12;
constexpr std::size_t tag_size = 16;

// Repeatable "random" bytes: shows exactly where the nonce comes from.
class CountingRandom final : public core::Random {
public:
    void fill(std::span<std::uint8_t> out) override {
        for (auto& b : out) b = next_++;
    }

private:
    std::uint8_t next_ = 1;
};

core::Secret key_of(char fill) {
    return core::Secret(std::string(SessionCipher::key_size, fill));
}

class SessionCipherTest : public ::testing::Test {
protected:
    core::SystemRandom random;
    SessionCipher cipher{key_of('k')};
    const std::string plaintext = R"({"access_token":"tok_abc","email":"ada@example.com"})";
    const std::string aad = "icg:session:0123abcd";
};

TEST_F(SessionCipherTest, OpensWhatItSealed) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    const auto opened = cipher.open(sealed, aad);
    ASSERT_TRUE(opened.has_value());
    EXPECT_EQ(opened->expose(), plaintext);
}

TEST_F(SessionCipherTest, RoundTripsEmptyAndLargeTexts) {
    for (const std::string& text : {std::string(), std::string(1, '\0'), std::string(100'000, 'x')}) {
        const auto opened = cipher.open(cipher.seal(text, aad, random), aad);
        ASSERT_TRUE(opened.has_value()) << text.size();
        EXPECT_EQ(opened->expose(), text);
    }
    const auto no_aad = cipher.open(cipher.seal(plaintext, "", random), "");
    ASSERT_TRUE(no_aad.has_value());
    EXPECT_EQ(no_aad->expose(), plaintext);
}

TEST_F(SessionCipherTest, OutputIsVersionNonceCiphertextTag) {
    CountingRandom counting;
    const auto sealed = cipher.seal(plaintext, aad, counting);
    ASSERT_EQ(sealed.size(), header_size + plaintext.size() + tag_size);
    EXPECT_EQ(std::uint8_t(sealed[0]), 2);
    EXPECT_EQ(std::uint8_t(sealed[1]), id_size);
    EXPECT_EQ(sealed.substr(2, id_size), "default");
    for (std::size_t i = 0; i < 12; ++i)
        EXPECT_EQ(std::uint8_t(sealed[nonce_offset + i]), i + 1) << "nonce byte " << i;
    EXPECT_EQ(sealed.find(plaintext), std::string::npos);
    EXPECT_EQ(sealed.find("ada@example.com"), std::string::npos);
    EXPECT_EQ(sealed.find("tok_abc"), std::string::npos);
}

TEST_F(SessionCipherTest, TwoSealsOfTheSameTextDiffer) {
    const auto a = cipher.seal(plaintext, aad, random);
    const auto b = cipher.seal(plaintext, aad, random);
    EXPECT_NE(a, b);
    EXPECT_NE(a.substr(nonce_offset, 12), b.substr(nonce_offset, 12)) << "each seal must use a fresh nonce";
}

TEST_F(SessionCipherTest, WrongKeyDoesNotOpen) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    EXPECT_EQ(SessionCipher(key_of('K')).open(sealed, aad), std::nullopt);
    std::string almost(SessionCipher::key_size, 'k');
    almost.back() = 'j';
    EXPECT_EQ(SessionCipher(core::Secret(almost)).open(sealed, aad), std::nullopt);
}

TEST_F(SessionCipherTest, WrongAadDoesNotOpen) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    EXPECT_EQ(cipher.open(sealed, "icg:session:0123abce"), std::nullopt);
    EXPECT_EQ(cipher.open(sealed, ""), std::nullopt);
    EXPECT_EQ(cipher.open(sealed, aad + "x"), std::nullopt);
}

TEST_F(SessionCipherTest, AnyFlippedBitIsDetected) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    // Every byte of every part: version, key id, nonce, ciphertext and tag; each of its eight bits.
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            auto altered = sealed;
            altered[i] = char(altered[i] ^ (1 << bit));
            EXPECT_EQ(cipher.open(altered, aad), std::nullopt) << "byte " << i << " bit " << bit;
        }
    }
}

TEST_F(SessionCipherTest, TruncatedOrExtendedInputDoesNotOpen) {
    const auto sealed = cipher.seal(plaintext, aad, random);
    for (std::size_t length = 0; length < sealed.size(); ++length)
        EXPECT_EQ(cipher.open(sealed.substr(0, length), aad), std::nullopt) << "length " << length;
    EXPECT_EQ(cipher.open(sealed + '\0', aad), std::nullopt);
    EXPECT_EQ(cipher.open(sealed.substr(1), aad), std::nullopt);
}

TEST_F(SessionCipherTest, UnknownVersionDoesNotOpen) {
    auto sealed = cipher.seal(plaintext, aad, random);
    for (int version : {0, 3, 0x81, 0xff}) {
        sealed[0] = char(version);
        EXPECT_EQ(cipher.open(sealed, aad), std::nullopt) << version;
    }
}

TEST_F(SessionCipherTest, ARecordMovedToAnotherKeyDoesNotOpen) {
    const auto a = cipher.seal("record of a", "icg:session:aaaa", random);
    EXPECT_EQ(cipher.open(a, "icg:session:bbbb"), std::nullopt);
}

TEST(SessionCipherKey, MustBeExactly32Bytes) {
    EXPECT_THROW(SessionCipher(core::Secret(std::string(31, 'k'))), std::invalid_argument);
    EXPECT_THROW(SessionCipher(core::Secret(std::string(33, 'k'))), std::invalid_argument);
    EXPECT_THROW(SessionCipher(core::Secret()), std::invalid_argument);
    EXPECT_NO_THROW(SessionCipher(core::Secret(std::string(32, 'k'))));
}

TEST(SessionCipherKey, TheErrorDoesNotContainTheKey) {
    try {
        const SessionCipher cipher(core::Secret(std::string("short-key-material-XYZ")));
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).find("short-key-material-XYZ"), std::string::npos);
    }
}

// Records sealed before key ids (format 1: version, nonce, ciphertext, tag; no id, the id not
// authenticated) still open, with whichever key of the ring sealed them.
std::string seal_format_1(const std::string& key, std::string_view plaintext, std::string_view aad) {
    std::string out(1 + 12 + plaintext.size() + 16, '\0');
    out[0] = 1;
    for (std::size_t i = 0; i < 12; ++i) out[1 + i] = char(i * 7);
    auto* nonce = reinterpret_cast<unsigned char*>(out.data() + 1);
    auto* text = nonce + 12;
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int len = 0;
    EXPECT_EQ(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()),
                                 nonce), 1);
    EXPECT_EQ(EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), int(aad.size())), 1);
    EXPECT_EQ(EVP_EncryptUpdate(ctx, text, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                                int(plaintext.size())), 1);
    EXPECT_EQ(EVP_EncryptFinal_ex(ctx, text + len, &len), 1);
    EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, text + plaintext.size()), 1);
    EVP_CIPHER_CTX_free(ctx);
    return out;
}

std::vector<SealingKey> ring(std::initializer_list<std::pair<const char*, char>> keys) {
    std::vector<SealingKey> out;
    for (const auto& [id, fill] : keys) out.push_back({id, key_of(fill)});
    return out;
}

class RecordingObserver final : public UnopenedRecordObserver {
public:
    void record_unopened(std::string_view named_key_id) override { named.emplace_back(named_key_id); }
    std::vector<std::string> named;
};

TEST(SessionKeyRing, TheFirstKeySealsAndEveryKeyOpens) {
    core::SystemRandom random;
    const SessionCipher old_ring(ring({{"k1", 'a'}}));
    const SessionCipher both(ring({{"k2", 'b'}, {"k1", 'a'}}));
    const auto by_old = old_ring.seal("old", "aad", random);
    const auto by_new = both.seal("new", "aad", random);
    EXPECT_EQ(by_new.substr(2, 2), "k2");

    const auto a = both.open_record(by_old, "aad");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->plaintext.expose(), "old");
    EXPECT_FALSE(a->sealed_with_current_key) << "k1 is not the sealing key any more";
    const auto b = both.open_record(by_new, "aad");
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->sealed_with_current_key);
    // Both orders of the same two keys open both records: the ring can be reordered at any time.
    const SessionCipher reordered(ring({{"k1", 'a'}, {"k2", 'b'}}));
    EXPECT_TRUE(reordered.open(by_old, "aad"));
    EXPECT_TRUE(reordered.open(by_new, "aad"));
}

TEST(SessionKeyRing, ARecordNamingAnUnknownIdIsStillTriedWithEveryKey) {
    core::SystemRandom random;
    const auto sealed = SessionCipher(ring({{"old-name", 'a'}})).seal("text", "aad", random);
    const auto opened = SessionCipher(ring({{"k2", 'b'}, {"renamed", 'a'}})).open_record(sealed, "aad");
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->plaintext.expose(), "text");
    EXPECT_FALSE(opened->sealed_with_current_key);
}

TEST(SessionKeyRing, FirstFormatRecordsOpenAndAreMarkedForResealing) {
    const auto sealed = seal_format_1(std::string(32, 'a'), "legacy", "icg:session:x");
    const SessionCipher single(key_of('a'));
    const auto opened = single.open_record(sealed, "icg:session:x");
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->plaintext.expose(), "legacy");
    EXPECT_FALSE(opened->sealed_with_current_key) << "a record without an id is sealed again";
    EXPECT_TRUE(SessionCipher(ring({{"k2", 'b'}, {"k1", 'a'}})).open(sealed, "icg:session:x"));
    EXPECT_FALSE(single.open(sealed, "icg:session:y"));
}

TEST(SessionKeyRing, TheKeyIdIsAuthenticated) {
    core::SystemRandom random;
    const SessionCipher cipher(ring({{"k1", 'a'}, {"k2", 'a'}}));  // one key under two names
    auto sealed = cipher.seal("text", "aad", random);
    sealed[3] = '2';  // "k1" -> "k2": the key that opens it is the same, the id is not
    EXPECT_FALSE(cipher.open(sealed, "aad"));
}

TEST(SessionKeyRing, ARecordNoKeyOpensIsReportedWithTheIdItNamesOnly) {
    core::SystemRandom random;
    RecordingObserver observer;
    const SessionCipher now(ring({{"k3", 'c'}}), &observer);
    const auto gone = SessionCipher(ring({{"k1", 'a'}})).seal("secret-text", "aad", random);
    EXPECT_FALSE(now.open(gone, "aad"));
    EXPECT_FALSE(now.open(seal_format_1(std::string(32, 'a'), "x", "aad"), "aad"));
    EXPECT_FALSE(now.open("not a record", "aad")) << "garbage is not a record: not reported";
    EXPECT_EQ(observer.named, (std::vector<std::string>{"k1", ""}));
}

TEST(SessionKeyRing, BadRingsAreRefusedWithoutNamingKeyMaterial) {
    EXPECT_THROW(SessionCipher(std::vector<SealingKey>{}), std::invalid_argument);
    EXPECT_THROW(SessionCipher(ring({{"a", 'a'}, {"a", 'b'}})), std::invalid_argument);
    EXPECT_THROW(SessionCipher(ring({{"", 'a'}})), std::invalid_argument);
    EXPECT_THROW(SessionCipher(ring({{"has space", 'a'}})), std::invalid_argument);
    std::vector<SealingKey> nine;
    for (int i = 0; i < 9; ++i) nine.push_back({"k" + std::to_string(i), key_of('a')});
    EXPECT_THROW(SessionCipher(std::move(nine)), std::invalid_argument);
    EXPECT_TRUE(SessionCipher::is_key_id("k2.2026-11_a"));
    EXPECT_FALSE(SessionCipher::is_key_id(std::string(33, 'k')));
}

TEST(SessionKeyRing, ReplacingTheKeysChangesWhatSealsAndOpens) {
    core::SystemRandom random;
    SessionCipher cipher(ring({{"k1", 'a'}}));
    const auto by_k1 = cipher.seal("one", "aad", random);
    cipher.replace_keys(ring({{"k2", 'b'}, {"k1", 'a'}}));
    EXPECT_EQ(cipher.seal("two", "aad", random).substr(2, 2), "k2");
    EXPECT_TRUE(cipher.open(by_k1, "aad"));
    EXPECT_THROW(cipher.replace_keys({}), std::invalid_argument);
    EXPECT_EQ(cipher.seal("three", "aad", random).substr(2, 2), "k2") << "a refused ring changes nothing";
    cipher.replace_keys(ring({{"k3", 'c'}}));
    EXPECT_FALSE(cipher.open(by_k1, "aad"));
}

}  // namespace
}  // namespace icg::crypto
