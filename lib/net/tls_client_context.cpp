#include "net/tls_client_context.hpp"

#include <boost/asio/ssl/context.hpp>

#include <boost/asio/ip/address.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace icg::net {

bool set_tls_peer_name(SSL* ssl, const std::string& host) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (!ec) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
}

std::shared_ptr<boost::asio::ssl::context> make_tls_client_context(const TlsClientFiles& files) {
    namespace ssl = boost::asio::ssl;
    const std::string section = files.section.empty() ? "" : files.section + ".";
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    ctx->set_default_verify_paths(ec);
    if (ec) throw std::runtime_error("cannot load the system CA store: " + ec.message());
    if (!files.ca_file.empty()) {
        ctx->load_verify_file(files.ca_file, ec);
        if (ec) throw std::runtime_error(section + "ca_file: cannot load " + files.ca_file + ": " + ec.message());
    }
    if (files.cert_file.empty() != files.key_file.empty())
        throw std::runtime_error(section + "cert_file and " + section + "key_file go together: give both or neither");
    if (!files.cert_file.empty()) {
        ctx->use_certificate_chain_file(files.cert_file, ec);
        if (ec) throw std::runtime_error(section + "cert_file: cannot load " + files.cert_file + ": " + ec.message());
        ctx->use_private_key_file(files.key_file, ssl::context::pem, ec);
        const bool mismatch =
            ec && ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
        if (mismatch || (!ec && SSL_CTX_check_private_key(ctx->native_handle()) != 1))
            throw std::runtime_error(section + "key_file: is not the key of " + section + "cert_file");
        if (ec) throw std::runtime_error(section + "key_file: cannot load " + files.key_file + ": " + ec.message());
    }
    return ctx;
}

}  // namespace icg::net
