#pragma once
// A throw-away CA and a certificate for localhost / 127.0.0.1 signed by it; client certificates
// for mutual TLS, signed by that CA or by one nobody trusts.
#include <filesystem>
#include <string>
#include <vector>

namespace icg::testing {

struct Certificates {
    std::filesystem::path ca_file;    // ca.pem
    std::filesystem::path cert_file;  // localhost.pem
    std::filesystem::path key_file;   // localhost.key
};

// Made by deploy/make-dev-certs in the build tree on first use, then reused by every test.
const Certificates& test_certificates();

struct ClientCertificate {
    std::filesystem::path cert_file;
    std::filesystem::path key_file;
};

enum class ClientCertificateIssuer {
    test_ca,       // test_certificates().ca_file: the CA internal.client_ca_file names in tests
    untrusted_ca,  // a CA of its own, trusted by nothing
};

// A client certificate (EC P-256, extendedKeyUsage clientAuth) whose subject alternative names are
// `names`, written as openssl writes them: "URI:spiffe://corp/ops", "DNS:batch.localhost".
// The test CA is name-constrained to localhost, so the DNS names it signs end in "localhost".
// Made with openssl on first use and kept in the build tree beside the test CA (a new CA means new
// client certificates), then reused by every test and test process.
const ClientCertificate& client_certificate(const std::vector<std::string>& names,
                                            ClientCertificateIssuer issuer = ClientCertificateIssuer::test_ca);

// Another server certificate for localhost / 127.0.0.1 from the test CA, with a key of its own: what
// a renewal gives. Made once, kept beside the client certificates.
const ClientCertificate& renewed_server_certificate();

}  // namespace icg::testing
