#pragma once
// intercom-gateway as a child process: a TOML config written into the test's directory, the
// process started with it, and the port read from its "listening on" line.
#include "support/certificates.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace icg::testing {

std::string toml_string(std::string_view text);

// The config file as sections of key → TOML literal, so a test can change or drop any key.
class GatewaySettings {
public:
    void set(const std::string& section, const std::string& key, std::string_view text) {
        sections_[section][key] = toml_string(text);
    }
    void set_integer(const std::string& section, const std::string& key, long long value) {
        sections_[section][key] = std::to_string(value);
    }
    void set_literal(const std::string& section, const std::string& key, std::string literal) {
        sections_[section][key] = std::move(literal);
    }
    void erase(const std::string& section, const std::string& key);
    // TOML written after the sections, for arrays of tables ([[internal.services]]).
    void append_tables(std::string_view toml) { tables_ += toml; }
    void clear_tables() { tables_.clear(); }
    std::string to_toml() const;

private:
    std::map<std::string, std::map<std::string, std::string>> sections_;
    std::string tables_;
};

struct GatewayPeers {
    std::uint16_t port = 0;  // the gateway's own port (public_url is https://localhost:port)
    const Certificates* certificates = nullptr;
    std::string redis_url;
    std::string key_prefix = "icg:";
    std::string authorize_url;
    std::string token_url;
    std::string api_base;
    std::string client_id = "test-client";
    std::string client_secret = "test-secret";
    std::string encryption_key;  // base64 of 32 bytes; empty: a fresh random key
};

// A complete, valid config for the test environment (2 threads, short upstream and Redis timeouts).
GatewaySettings default_gateway_settings(GatewayPeers& peers);
// Base64 of 32 fresh random bytes.
std::string random_encryption_key();

class Gateway {
public:
    // Writes the config, starts the gateway and waits (bounded) until it listens; throws otherwise.
    Gateway(const TempDir& dir, const GatewaySettings& settings, Environment environment = {});

    std::uint16_t port() const noexcept { return port_; }
    // The internal services' listener's port, from its log line; throws when it has none.
    std::uint16_t internal_port();
    // The admin listener's port (/metrics, /healthz, /readyz), from its log line; throws when it has none.
    std::uint16_t admin_port();
    std::string public_url() const { return "https://localhost:" + std::to_string(port_); }
    const std::filesystem::path& config_file() const noexcept { return config_file_; }
    Process& process() { return *process_; }

    ExitStatus stop(std::chrono::milliseconds grace = std::chrono::seconds(10)) { return process_->stop(grace); }

    // The settings it runs with (after the last reload that took).
    const GatewaySettings& settings() const noexcept { return settings_; }

    enum class ReloadOutcome { reloaded, refused };
    // Applies `change` to its settings, writes them over the config file (whole, by rename) and
    // sends SIGHUP; returns what the gateway then logged. Throws when it logs neither in time.
    ReloadOutcome reload(const std::function<void(GatewaySettings&)>& change);
    // Sends SIGHUP alone (the file as it is now), then waits as reload() does.
    ReloadOutcome signal_reload();

private:
    GatewaySettings settings_;
    std::filesystem::path config_file_;
    std::unique_ptr<Process> process_;
    std::uint16_t port_ = 0;
    std::uint16_t internal_port_ = 0;
    std::uint16_t admin_port_ = 0;
    std::uint16_t port_from_log(std::string_view marker, std::string_view listener) const;
};

// Runs the gateway binary with `args` to completion (for --check-config, --help, --version).
RunResult run_gateway_command(std::vector<std::string> args, Environment environment = {});

// The lines a gateway's output gives as errors ("intercom-gateway: …"), without that prefix.
std::vector<std::string> gateway_error_lines(std::string_view output);

}  // namespace icg::testing
