#pragma once
// Reads the TOML config file, applies GATEWAY_<SECTION>_<KEY> environment overrides (and
// <…>_FILE for secrets), and checks every rule, reporting every problem rather than the first.
#include "config/gateway_config.hpp"

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace icg::config {

// The message names the key and what is wrong with it, never the value of a secret. When several
// things are wrong, one line each.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The process's GATEWAY_* variables, copied once: the loader reads values from it and sees every
// name, so a misspelled variable stops start-up instead of being ignored.
using Environment = std::map<std::string, std::string>;

Environment process_environment();

// Overwrites the secret variables (GATEWAY_REDIS_URL, …) in this process's environment and removes
// them, so neither /proc/<pid>/environ nor a child process sees them. Their _FILE forms name paths,
// not secrets, and stay. A copy taken by process_environment() first is what a reload reads.
void wipe_secret_environment();

// Where a key's effective value came from.
enum class Origin { default_value, file, environment, environment_file };

struct EffectiveSetting {
    std::string key;    // section.name
    std::string value;  // as written, in its unit; secrets only as "(set)"
    Origin origin;
    std::string source;  // the file's path or the variable's name; empty for a default
};

struct ConfigCheck {
    GatewayConfig config;                    // complete only when `errors` is empty
    std::vector<std::string> errors;         // "key: what is wrong", every one found
    std::set<std::string> keys_with_errors;  // so that later checks built on them stay quiet
    std::vector<EffectiveSetting> settings;  // every known key, in the documented order
};

// Never throws for a bad configuration: everything wrong is in `errors`. `path` may be empty:
// then only defaults and the environment count.
ConfigCheck check_config(const std::string& path, const Environment& environment);

// check_config, throwing ConfigError with every error (one per line) when there is any.
GatewayConfig load_config(const std::string& path, const Environment& environment);

// The --check-config listing: one line per key, "key = value  (where it came from)".
std::string describe(const ConfigCheck& check);

}  // namespace icg::config
