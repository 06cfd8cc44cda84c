#include "server/tls_server_context.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace icg::server {

std::shared_ptr<boost::asio::ssl::context> make_tls_server_context(const std::string& cert_file,
                                                                   const std::string& key_file,
                                                                   const std::string& min_version,
                                                                   const std::string& client_ca_file) {
    namespace ssl = boost::asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::single_dh_use | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), min_version == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
    // Forward-secret AEAD suites only for TLS 1.2; TLS 1.3 suites are all fine.
    SSL_CTX_set_cipher_list(ctx->native_handle(),
                            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(cert_file, ec);
    if (ec)
        throw std::runtime_error("tls.cert_file: cannot load the certificate chain from " + cert_file + ": " +
                                 ec.message());
    ctx->use_private_key_file(key_file, ssl::context::pem, ec);
    // OpenSSL checks the pair as it loads the key; its own words for that are cryptic.
    if (ec && ec.category() == boost::asio::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH)
        throw std::runtime_error("tls.key_file: the private key does not match the certificate in tls.cert_file");
    if (ec)
        throw std::runtime_error("tls.key_file: cannot load the private key from " + key_file + ": " + ec.message());
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        throw std::runtime_error("tls.key_file: the private key does not match the certificate in tls.cert_file");
    if (!client_ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx->native_handle(), client_ca_file.c_str(), nullptr) != 1)
            throw std::runtime_error("internal.client_ca_file: cannot load the CA certificates from " + client_ca_file);
        // Only this CA counts: the system store would let any public certificate in.
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(client_ca_file.c_str());
        if (!names) throw std::runtime_error("internal.client_ca_file: no CA certificate found in " + client_ca_file);
        SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
        SSL_CTX_set_verify(ctx->native_handle(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
        SSL_CTX_set_verify_depth(ctx->native_handle(), 4);
        // Under SSL_VERIFY_PEER, OpenSSL fails (internal_error) every handshake that resumes a
        // session unless sessions are tied to a context: clients with a session cache need one.
        static constexpr unsigned char session_context[] = "icg internal mTLS";
        SSL_CTX_set_session_id_context(ctx->native_handle(), session_context, sizeof session_context - 1);
    }
    return ctx;
}

}  // namespace icg::server
