#pragma once
// Reads the TOML config file, applies GATEWAY_<SECTION>_<KEY> environment overrides (and
// <…>_FILE for secrets), and checks every rule at start-up.
#include "config/gateway_config.hpp"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace icg::config {

// The message names the key and what is wrong with it, never the value of a secret.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment.
EnvLookup process_environment();

// Overwrites and removes the secret variables (GATEWAY_REDIS_URL, …) from this process's
// environment once they are read, so neither /proc/<pid>/environ nor a child process sees them.
// Their _FILE forms name paths, not secrets, and stay.
void wipe_secret_environment();

// `path` may be empty: then only defaults and the environment count.
GatewayConfig load_config(const std::string& path, const EnvLookup& env);

// A summary for --check-config, with secrets shown only as "(set)".
std::string describe(const GatewayConfig& config);

}  // namespace icg::config
