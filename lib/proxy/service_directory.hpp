#pragma once
// Who an internal service is: the holder of a key whose SHA-256 the configuration lists, or the
// holder of a client certificate (already verified against internal.client_ca_file) whose URI or
// DNS name the configuration lists. Keys are compared in constant time, against every service.
#include "proxy/service_policy.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace icg::http {
struct Request;
}

namespace icg::proxy {

class ServiceDirectory {
public:
    explicit ServiceDirectory(std::vector<ServicePolicy> services);

    // The service making `request`, or null: a key in "Authorization: Bearer …" decides when
    // present (a wrong key is never rescued by a certificate); otherwise the peer's names do.
    const ServicePolicy* identify(const http::Request& request) const;

    const ServicePolicy* by_key(std::string_view key) const;
    const ServicePolicy* by_peer(std::span<const std::string> peer_names) const;

private:
    std::vector<ServicePolicy> services_;
};

}  // namespace icg::proxy
