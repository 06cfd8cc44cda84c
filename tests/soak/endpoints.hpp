#pragma once
// Where the soak's clients connect: the gateway, and the mock for the consent step of a login.
#include <cstdint>
#include <filesystem>
#include <string>

namespace icg::soak {

inline constexpr const char* kSessionCookie = "__Host-icg-session";

struct Endpoints {
    std::uint16_t gateway_port = 0;
    std::uint16_t mock_port = 0;
    std::filesystem::path ca_file;

    std::string gateway_origin() const { return "https://localhost:" + std::to_string(gateway_port); }
    std::string mock_origin() const { return "https://localhost:" + std::to_string(mock_port); }
};

}  // namespace icg::soak
