#pragma once
// Which headers cross the gateway, in each direction (RFC 9110 §7.6.1 hop-by-hop rules, plus the
// credentials the gateway owns: the browser's Cookie and Authorization never reach Intercom, and
// Intercom's Set-Cookie never reaches the browser).
#include "http/message.hpp"

#include <string>
#include <string_view>

namespace icg::proxy {

struct UpstreamIdentity {
    std::string_view bearer_token;
    std::string_view host;         // Host header for the upstream (host[:port])
    std::string_view api_version;  // Intercom-Version to add when the client sent none; may be empty
    std::string_view request_id;
};

bool is_hop_by_hop(std::string_view name, const http::Headers& headers);

http::Headers upstream_request_headers(const http::Headers& client, const UpstreamIdentity& identity);
http::Headers client_response_headers(const http::Headers& upstream);

}  // namespace icg::proxy
