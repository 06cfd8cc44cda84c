// Who an internal service is: a key (hashed, compared in constant time) or a verified peer name.
#include "proxy/service_directory.hpp"

#include "crypto/digest.hpp"
#include "http/message.hpp"

#include <gtest/gtest.h>

namespace icg::proxy {
namespace {

std::string raw_hash(std::string_view key) {
    const auto md = crypto::sha256(key);
    return {reinterpret_cast<const char*>(md.data()), md.size()};
}

ServicePolicy keyed(std::string name, std::string_view key) {
    ServicePolicy s;
    s.name = std::move(name);
    s.key_sha256 = raw_hash(key);
    return s;
}

ServicePolicy peer(std::string name, std::string peer_name) {
    ServicePolicy s;
    s.name = std::move(name);
    s.peer = std::move(peer_name);
    return s;
}

class ServiceDirectoryTest : public ::testing::Test {
protected:
    ServiceDirectoryTest()
        : directory({keyed("billing", "key-billing-0123456789"), keyed("reports", "key-reports-0123456789"),
                     peer("ops", "spiffe://corp/ops")}) {}

    static http::Request with_authorization(std::string value) {
        http::Request r;
        r.headers.add("Authorization", value);
        return r;
    }

    const ServicePolicy* identify(const http::Request& r) const { return directory.identify(r); }

    ServiceDirectory directory;
};

TEST_F(ServiceDirectoryTest, AKeyNamesItsService) {
    const auto* s = identify(with_authorization("Bearer key-billing-0123456789"));
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name, "billing");
    s = identify(with_authorization("bearer key-reports-0123456789"));
    ASSERT_NE(s, nullptr) << "the scheme is case-insensitive";
    EXPECT_EQ(s->name, "reports");
}

TEST_F(ServiceDirectoryTest, WrongMissingOrMalformedKeysNameNoService) {
    EXPECT_EQ(identify(with_authorization("Bearer key-billing-0123456788")), nullptr) << "one character off";
    EXPECT_EQ(identify(with_authorization("Bearer key-billing-012345678")), nullptr) << "a prefix";
    EXPECT_EQ(identify(with_authorization("Bearer ")), nullptr);
    EXPECT_EQ(identify(with_authorization("Basic a2V5LWJpbGxpbmc=")), nullptr);
    EXPECT_EQ(identify(with_authorization("key-billing-0123456789")), nullptr) << "no scheme";
    EXPECT_EQ(identify(with_authorization("Bearer " + std::string(100'000, 'k'))), nullptr);
    EXPECT_EQ(identify(http::Request{}), nullptr);
}

TEST_F(ServiceDirectoryTest, APeerIsKnownByItsCertificateNames) {
    http::Request r;
    r.peer_names = std::make_shared<const std::vector<std::string>>(
        std::vector<std::string>{"ops.corp.internal", "spiffe://corp/ops"});
    const auto* s = identify(r);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name, "ops");
    r.peer_names = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"spiffe://corp/ops2"});
    EXPECT_EQ(identify(r), nullptr);
}

TEST_F(ServiceDirectoryTest, AWrongKeyIsNotRescuedByACertificate) {
    auto r = with_authorization("Bearer wrong");
    r.peer_names = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"spiffe://corp/ops"});
    EXPECT_EQ(identify(r), nullptr);
}

}  // namespace
}  // namespace icg::proxy
