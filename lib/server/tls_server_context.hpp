#pragma once
// The server side of TLS: certificate chain, key, protocol floor.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace icg::server {

// Throws std::runtime_error naming the file when the certificate or key cannot be used.
// With `client_ca_file`, every client must present a certificate that CA signed (mutual TLS).
std::shared_ptr<boost::asio::ssl::context> make_tls_server_context(const std::string& cert_file,
                                                                   const std::string& key_file,
                                                                   const std::string& min_version,
                                                                   const std::string& client_ca_file = {});

}  // namespace icg::server
