// Rewriting headers in both directions of a proxied request.
#include "proxy/header_rules.hpp"

#include <benchmark/benchmark.h>

namespace {

// What a browser's fetch() to /intercom/me sends.
icg::http::Headers browser_request() {
    icg::http::Headers h;
    h.add("Host", "gateway.example.com");
    h.add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    h.add("Accept", "application/json");
    h.add("Accept-Language", "en-GB,en;q=0.5");
    h.add("Accept-Encoding", "gzip, deflate, br, zstd");
    h.add("Referer", "https://gateway.example.com/app");
    h.add("Sec-Fetch-Dest", "empty");
    h.add("Sec-Fetch-Mode", "cors");
    h.add("Sec-Fetch-Site", "same-origin");
    h.add("Connection", "keep-alive");
    h.add("Cookie", "theme=dark; __Host-icg-session=Yk3n9Qv1pZ8xR2tL6wC0aE5sH7uJ4mN-oB_fD3gK9iA");
    return h;
}

// What Intercom answers to GET /me.
icg::http::Headers intercom_response() {
    icg::http::Headers h;
    h.add("Date", "Thu, 01 Jan 2026 00:00:00 GMT");
    h.add("Content-Type", "application/json; charset=utf-8");
    h.add("Content-Length", "1016");
    h.add("Connection", "keep-alive");
    h.add("Cache-Control", "max-age=0, private, must-revalidate");
    h.add("ETag", "W/\"3d1f0a5e8c2b7d6e\"");
    h.add("X-Request-Id", "000abc123def456");
    h.add("X-RateLimit-Limit", "10000");
    h.add("X-RateLimit-Remaining", "9999");
    h.add("X-RateLimit-Reset", "1767225660");
    h.add("Intercom-Version", "2.11");
    h.add("Set-Cookie", "intercom-session=abc; path=/; secure");
    h.add("Strict-Transport-Security", "max-age=31556952; includeSubDomains; preload");
    return h;
}

void BM_HeaderRules_UpstreamRequest(benchmark::State& state) {
    const auto client = browser_request();
    const icg::proxy::UpstreamIdentity identity{
        .bearer_token = "dG9rOmJlbmNoLXRva2VuLXRoYXQtaXMtYXMtbG9uZy1hcy1hLXJlYWwtb25lOjox",
        .host = "api.intercom.io",
        .api_version = "2.11",
        .request_id = "5f2b8c1e-3a4d-4e6f-8a9b-0c1d2e3f4a5b",
    };
    for (auto _ : state) benchmark::DoNotOptimize(icg::proxy::upstream_request_headers(client, identity));
}
BENCHMARK(BM_HeaderRules_UpstreamRequest);

void BM_HeaderRules_ClientResponse(benchmark::State& state) {
    const auto upstream = intercom_response();
    for (auto _ : state) benchmark::DoNotOptimize(icg::proxy::client_response_headers(upstream));
}
BENCHMARK(BM_HeaderRules_ClientResponse);

}  // namespace
