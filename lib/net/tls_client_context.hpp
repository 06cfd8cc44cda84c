#pragma once
// The client side of TLS for every connection the gateway makes (Intercom's API, Redis): peer
// verification always on, the system CAs plus an optional extra CA file, TLS 1.2 or later, and a
// client certificate for servers that ask for one.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

struct ssl_st;

namespace icg::net {

struct TlsClientFiles {
    std::string ca_file{};    // extra CA trusted besides the system store; empty: none
    std::string cert_file{};  // client certificate chain (PEM); empty: none
    std::string key_file{};   // its private key (PEM); required with cert_file
    // The settings' section, for errors: "intercom" names intercom.ca_file.
    std::string section{};
};

// SNI and the name the peer certificate must carry; an IP literal is checked against IP SANs.
bool set_tls_peer_name(ssl_st* ssl, const std::string& host);

// Throws std::runtime_error naming the setting whose file cannot be loaded (start-up only).
std::shared_ptr<boost::asio::ssl::context> make_tls_client_context(const TlsClientFiles& files);

}  // namespace icg::net
