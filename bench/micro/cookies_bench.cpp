// Finding the session cookie in a browser's Cookie header: done once per proxied request.
#include "http/cookies.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

constexpr auto kSessionCookie = "__Host-icg-session";
// A 256-bit base64url id, as the gateway issues.
constexpr auto kSessionId = "Yk3n9Qv1pZ8xR2tL6wC0aE5sH7uJ4mN-oB_fD3gK9iA";

void BM_FindCookie_Alone(benchmark::State& state) {
    icg::http::Headers headers;
    headers.add("Cookie", std::string(kSessionCookie) + "=" + kSessionId);
    for (auto _ : state) benchmark::DoNotOptimize(icg::http::find_cookie(headers, kSessionCookie));
}
BENCHMARK(BM_FindCookie_Alone);

// A realistic browser: analytics and preference cookies before ours, and a second Cookie header.
void BM_FindCookie_AmongOthers(benchmark::State& state) {
    icg::http::Headers headers;
    headers.add("Accept", "application/json");
    headers.add("Cookie",
                "_ga=GA1.1.1234567890.1700000000; _ga_ABCDEF=GS1.1.1700000000.1.1.1700000100.0.0.0; "
                "theme=dark; locale=en-GB; intercom-id-abcd1234=8f0c2b7e-0b1a-4c5d-9e8f-123456789abc");
    headers.add("Cookie", std::string("__Host-icg-login=x; ") + kSessionCookie + "=" + kSessionId);
    for (auto _ : state) benchmark::DoNotOptimize(icg::http::find_cookie(headers, kSessionCookie));
}
BENCHMARK(BM_FindCookie_AmongOthers);

void BM_FindCookie_Missing(benchmark::State& state) {
    icg::http::Headers headers;
    headers.add("Cookie", "_ga=GA1.1.1234567890.1700000000; theme=dark; locale=en-GB");
    for (auto _ : state) benchmark::DoNotOptimize(icg::http::find_cookie(headers, kSessionCookie));
}
BENCHMARK(BM_FindCookie_Missing);

}  // namespace
