#include "upstream/tls_client_context.hpp"

#include <boost/asio/ssl/context.hpp>

#include <boost/asio/ip/address.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace icg::upstream {

bool set_tls_peer_name(SSL* ssl, const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (!ec) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
}

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
