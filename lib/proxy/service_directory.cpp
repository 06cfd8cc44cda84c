#include "proxy/service_directory.hpp"

#include "core/secret.hpp"
#include "crypto/digest.hpp"
#include "http/message.hpp"

namespace icg::proxy {

namespace {

// The key after "Bearer " (scheme case-insensitive), or empty.
std::string_view bearer_key(const http::Request& request) {
    const auto value = request.headers.get("Authorization");
    constexpr std::string_view scheme = "bearer ";
    if (value.size() <= scheme.size() || !http::iequals(value.substr(0, scheme.size()), scheme)) return {};
    auto key = value.substr(scheme.size());
    while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
    return key;
}

// Longer than any key we issue (43 characters) by far; hashing megabytes is no one's business.
constexpr std::size_t max_key_size = 512;

}  // namespace

ServiceDirectory::ServiceDirectory(std::vector<ServicePolicy> services) : services_(std::move(services)) {}

const ServicePolicy* ServiceDirectory::identify(const http::Request& request) const {
    if (request.headers.contains("Authorization")) return by_key(bearer_key(request));
    if (request.peer_names) return by_peer(*request.peer_names);
    return nullptr;
}

const ServicePolicy* ServiceDirectory::by_key(std::string_view key) const {
    if (key.empty() || key.size() > max_key_size) return nullptr;
    // Every service is compared, whichever matches: the time taken says nothing about which.
    const auto md = crypto::sha256(key);
    const std::string_view digest(reinterpret_cast<const char*>(md.data()), md.size());
    const ServicePolicy* found = nullptr;
    for (const auto& service : services_)
        if (!service.key_sha256.empty() && core::constant_time_equal(service.key_sha256, digest)) found = &service;
    return found;
}

const ServicePolicy* ServiceDirectory::by_peer(std::span<const std::string> peer_names) const {
    for (const auto& service : services_) {
        if (service.peer.empty()) continue;
        for (const auto& name : peer_names)
            if (name == service.peer) return &service;
    }
    return nullptr;
}

}  // namespace icg::proxy
