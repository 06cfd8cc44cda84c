// The TLS client context: which files it takes, and the setting each refusal names.
#include "net/tls_client_context.hpp"

#include "support/certificates.hpp"
#include "support/temp_dir.hpp"

#include <boost/asio/ssl/context.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace icg::net {
namespace {

namespace t = icg::testing;

std::string refusal_of(const TlsClientFiles& files) {
    try {
        make_tls_client_context(files);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

TEST(TlsClientContextTest, TakesAnExtraCaAndAClientCertificateWithItsKey) {
    const auto& client = t::client_certificate({"URI:spiffe://corp/ops"});
    EXPECT_EQ(refusal_of({.ca_file = t::test_certificates().ca_file.string(),
                          .cert_file = client.cert_file.string(),
                          .key_file = client.key_file.string(),
                          .section = "redis"}),
              "");
    EXPECT_EQ(refusal_of({}), "") << "the system store alone";
}

TEST(TlsClientContextTest, NamesTheSettingWhoseFileCannotBeLoaded) {
    const t::TempDir dir;
    const auto missing = (dir.path() / "missing.pem").string();
    EXPECT_EQ(refusal_of({.ca_file = missing, .section = "redis"}).rfind("redis.ca_file: cannot load " + missing, 0),
              0u);
    const auto& client = t::client_certificate({"URI:spiffe://corp/ops"});
    EXPECT_EQ(refusal_of({.cert_file = missing, .key_file = client.key_file.string(), .section = "redis"})
                  .rfind("redis.cert_file: cannot load", 0),
              0u);
    EXPECT_EQ(refusal_of({.cert_file = client.cert_file.string(), .key_file = missing, .section = "redis"})
                  .rfind("redis.key_file: cannot load", 0),
              0u);
}

TEST(TlsClientContextTest, ACertificateNeedsItsOwnKey) {
    const auto& client = t::client_certificate({"URI:spiffe://corp/ops"});
    EXPECT_EQ(refusal_of({.cert_file = client.cert_file.string(), .section = "redis"}),
              "redis.cert_file and redis.key_file go together: give both or neither");
    EXPECT_EQ(refusal_of({.key_file = client.key_file.string(), .section = "redis"}),
              "redis.cert_file and redis.key_file go together: give both or neither");
    EXPECT_EQ(refusal_of({.cert_file = client.cert_file.string(),
                          .key_file = t::test_certificates().key_file.string(),
                          .section = "redis"}),
              "redis.key_file: is not the key of redis.cert_file");
}

}  // namespace
}  // namespace icg::net
