// SHA-256 of the session id: the Redis key of every session lookup is derived from it.
#include "crypto/digest.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

void BM_Sha256Hex_SessionId(benchmark::State& state) {
    const std::string id = "Yk3n9Qv1pZ8xR2tL6wC0aE5sH7uJ4mN-oB_fD3gK9iA";  // 43 chars: 256 bits, base64url
    for (auto _ : state) benchmark::DoNotOptimize(icg::crypto::sha256_hex(id));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * id.size()));
}
BENCHMARK(BM_Sha256Hex_SessionId);

}  // namespace
