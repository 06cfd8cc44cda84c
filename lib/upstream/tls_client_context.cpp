#include "upstream/tls_client_context.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <stdexcept>

namespace icg::upstream {

std::shared_ptr<boost::asio::ssl::context> make_tls_client_context(const std::string& extra_ca_file) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) throw std::runtime_error("cannot load the system CA store: " + ec.message());
    if (!extra_ca_file.empty()) {
        ctx->load_verify_file(extra_ca_file, ec);
        if (ec) throw std::runtime_error("intercom.ca_file: cannot load " + extra_ca_file + ": " + ec.message());
    }
    return ctx;
}

}  // namespace icg::upstream
