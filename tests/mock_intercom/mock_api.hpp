#pragma once
// The stateless parts of mock-intercom's REST endpoints: which endpoint a request is for, the
// description of a request exactly as it arrived, the /stream byte pattern and the contact bodies.
#include "http/message.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace icg::mock {

// The endpoints that need a bearer token and count as "api" in /__mock/stats (GET /me is apart).
enum class ApiRoute { none, echo, stream, slow, rate_limited, contacts, contact, quote_token };

ApiRoute api_route(std::string_view method, std::string_view path) noexcept;

constexpr std::size_t kMaxEchoBody = std::size_t(256) * 1024 * 1024;
constexpr std::uint64_t kMaxStreamBytes = std::uint64_t(256) * 1024 * 1024;
constexpr std::uint64_t kMaxSlowMs = 120'000;

// {"method","path","query","headers":[[name,value],…],"body_length","body_sha256"}: path, query and
// headers as received (undecoded, in order, with duplicates), so tests see what the gateway forwarded.
std::string describe_request(const http::Request& request);

// `length` bytes where byte i is (i * 31 + 7) mod 251: deterministic, so a client can check it.
std::string stream_pattern(std::size_t length);

// Headers a real upstream might send that the gateway must not pass on (a cookie, hop-by-hop
// fields), plus one end-to-end header it must pass on.
void add_upstream_echo_headers(http::Response& response);

// GET /quote-token?status=N[&size=large][&chunked=1][&encoding=gzip]: an error answer whose body
// quotes the bearer token it was sent, as a careless API might; `large` pads it past 16 KiB.
http::Response quote_token_answer(const http::Request& request, std::string_view token);

// Intercom's contact list and single-contact shapes; any id is "found".
std::string contact_list_json(std::string_view workspace_id);
std::string contact_json(std::string_view id, std::string_view workspace_id);

}  // namespace icg::mock
