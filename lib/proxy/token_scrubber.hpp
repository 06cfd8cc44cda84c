#pragma once
// Takes the session's token out of an upstream error body before it reaches the browser: an API
// that quotes the credential it refused ("token xyz is invalid") must not hand it to the page.
// The token is replaced as it is, JSON-escaped and percent-encoded, wherever it appears.
#include <string>
#include <string_view>

namespace icg::proxy {

inline constexpr std::string_view scrubbed_token_text = "[redacted]";

// Replaces every spelling of `token` in `body`; returns how many were replaced. An empty token
// changes nothing.
std::size_t scrub_token(std::string& body, std::string_view token);

}  // namespace icg::proxy
