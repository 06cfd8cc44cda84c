#pragma once
// The client side of TLS for every upstream call: peer verification always on, system CAs plus
// an optional extra CA file (intercom.ca_file), TLS 1.2 or later.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

struct ssl_st;

namespace icg::upstream {

// SNI and the name the peer certificate must carry; an IP literal is checked against IP SANs.
bool set_tls_peer_name(ssl_st* ssl, const std::string& host);

// Throws std::runtime_error naming intercom.ca_file when it cannot be loaded (start-up only).
std::shared_ptr<boost::asio::ssl::context> make_tls_client_context(const std::string& extra_ca_file);

}  // namespace icg::upstream
