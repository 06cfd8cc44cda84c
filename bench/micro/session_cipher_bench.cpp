// Opening a sealed session record (AES-256-GCM): done on every request that loads a session.
#include "core/random.hpp"
#include "crypto/digest.hpp"
#include "crypto/session_cipher.hpp"
#include "session/session_record.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

icg::crypto::SessionCipher make_cipher() {
    std::string key(icg::crypto::SessionCipher::key_size, '\0');
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i * 7 + 3);
    return icg::crypto::SessionCipher(icg::core::Secret(std::move(key)));
}

// A record of the size a real login stores.
std::string typical_record() {
    icg::session::SessionRecord record{
        .access_token = icg::core::Secret("dG9rOmJlbmNoLXRva2VuLXRoYXQtaXMtYXMtbG9uZy1hcy1hLXJlYWwtb25lOjox"),
        .admin_id = "7310564",
        .admin_name = "Ada Lovelace",
        .admin_email = "ada@example.com",
        .workspace_id = "ws_bench1",
        .workspace_name = "Bench Workspace",
        .created_at = 1'700'000'000,
        .expires_at = 1'700'604'800,
    };
    return std::string(icg::session::serialize(record).expose());
}

void BM_SessionCipher_Open(benchmark::State& state) {
    const auto cipher = make_cipher();
    icg::core::SystemRandom random;
    const std::string aad = "icg:session:" + icg::crypto::sha256_hex("Yk3n9Qv1pZ8xR2tL6wC0aE5sH7uJ4mN-oB_fD3gK9iA");
    const std::string plaintext = typical_record();
    const std::string sealed = cipher.seal(plaintext, aad, random);
    for (auto _ : state) {
        auto opened = cipher.open(sealed, aad);
        if (!opened) state.SkipWithError("open failed");
        benchmark::DoNotOptimize(opened);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * sealed.size()));
}
BENCHMARK(BM_SessionCipher_Open);

// Open and parse: everything between the Redis reply and the token in hand.
void BM_SessionCipher_OpenAndDeserialize(benchmark::State& state) {
    const auto cipher = make_cipher();
    icg::core::SystemRandom random;
    const std::string aad = "icg:session:" + icg::crypto::sha256_hex("Yk3n9Qv1pZ8xR2tL6wC0aE5sH7uJ4mN-oB_fD3gK9iA");
    const std::string sealed = cipher.seal(typical_record(), aad, random);
    for (auto _ : state) {
        auto opened = cipher.open(sealed, aad);
        if (!opened) state.SkipWithError("open failed");
        benchmark::DoNotOptimize(icg::session::deserialize(opened->expose()));
    }
}
BENCHMARK(BM_SessionCipher_OpenAndDeserialize);

void BM_SessionCipher_Seal(benchmark::State& state) {
    const auto cipher = make_cipher();
    icg::core::SystemRandom random;
    const std::string aad = "icg:session:" + icg::crypto::sha256_hex("Yk3n9Qv1pZ8xR2tL6wC0aE5sH7uJ4mN-oB_fD3gK9iA");
    const std::string plaintext = typical_record();
    for (auto _ : state) benchmark::DoNotOptimize(cipher.seal(plaintext, aad, random));
}
BENCHMARK(BM_SessionCipher_Seal);

}  // namespace
