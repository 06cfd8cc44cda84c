#pragma once
// A throw-away CA and a certificate for localhost / 127.0.0.1 signed by it.
#include <filesystem>

namespace icg::testing {

struct Certificates {
    std::filesystem::path ca_file;    // ca.pem
    std::filesystem::path cert_file;  // localhost.pem
    std::filesystem::path key_file;   // localhost.key
};

// Made by deploy/make-dev-certs in the build tree on first use, then reused by every test.
const Certificates& test_certificates();

}  // namespace icg::testing
