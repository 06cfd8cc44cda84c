#pragma once
// The names a verified client certificate carries (URI and DNS subject alternative names), by
// which an internal service can be identified instead of a key.
#include <memory>
#include <string>
#include <vector>

struct ssl_st;

namespace icg::net {

// Null when the peer sent no certificate, or it was not verified, or it names nothing.
std::shared_ptr<const std::vector<std::string>> verified_peer_names(ssl_st* ssl);

}  // namespace icg::net
