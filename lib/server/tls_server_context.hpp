#pragma once
// The server side of TLS: certificate chain, key, protocol floor.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace icg::server {

// Throws std::runtime_error naming the file when the certificate or key cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_tls_server_context(const std::string& cert_file,
                                                                   const std::string& key_file,
                                                                   const std::string& min_version);

}  // namespace icg::server
