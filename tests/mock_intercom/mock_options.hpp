#pragma once
// mock-intercom's command line, read into a plain validated struct before anything starts.
#include "mock_intercom.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace icg::mock {

struct MockOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: the kernel picks one; the bound port is printed
    std::string cert_file;
    std::string key_file;
    unsigned threads = 1;
    MockIntercomConfig intercom;
};

// `args` excludes the program name; `env_secret` is MOCK_INTERCOM_CLIENT_SECRET or null.
// Returns nullopt for --help. Throws std::invalid_argument with a message that names the flag.
std::optional<MockOptions> parse_mock_options(std::span<const char* const> args, const char* env_secret);

std::string_view mock_usage();

}  // namespace icg::mock
