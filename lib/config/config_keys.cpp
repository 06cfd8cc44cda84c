#include "config/config_keys.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace icg::config {
namespace {

using enum KeyKind;

// Defaults as gateway_config.hpp sets them; keep the two in step (config_loader_test checks).
constexpr KeySpec table[] = {
    {"server", "listen", text, "0.0.0.0:8443"},
    {"server", "public_url", text, "(not set; required)"},
    {"server", "static_dir", text, "(none)"},
    {"server", "threads", integer, "0 (one per core)"},
    {"server", "read_timeout", duration, "30s"},
    {"server", "idle_timeout", duration, "60s"},
    {"server", "max_connections", integer, "0 (from the descriptor limit)"},
    {"server", "handshake_timeout", duration, "10s"},
    {"server", "max_header_bytes", integer, "8192"},
    {"server", "max_auth_body_bytes", integer, "16384"},
    {"server", "access_log", boolean, "true"},
    {"server", "drain_delay", duration, "5s"},
    {"server", "shutdown_timeout", duration, "20s"},
    {"server", "tls", boolean, "true"},
    {"server", "behind_tls_proxy", boolean, "false"},
    {"tls", "cert_file", text, "(not set)"},
    {"tls", "key_file", text, "(not set)"},
    {"tls", "min_version", text, "1.2"},
    {"redis", "url", secret, "redis://127.0.0.1:6379/0"},
    {"redis", "connect_timeout", duration, "1s"},
    {"redis", "command_timeout", duration, "500ms"},
    {"redis", "key_prefix", text, "icg:"},
    {"redis", "ca_file", text, "(system CAs only)"},
    {"redis", "cert_file", text, "(none)"},
    {"redis", "key_file", text, "(none)"},
    {"redis", "sentinels", list, "[] (redis.url names the server)"},
    {"redis", "cluster_nodes", list, "[] (not a Cluster)"},
    {"redis", "master_name", text, "(not set)"},
    {"redis", "sentinel_password", secret, "(none)"},
    {"redis", "min_replicas_ack", integer, "0"},
    {"redis", "replica_ack_timeout", duration, "500ms"},
    {"intercom", "client_id", text, "(not set; required)"},
    {"intercom", "client_secret", secret, "(not set; required)"},
    {"intercom", "authorize_url", text, "https://app.intercom.com/oauth"},
    {"intercom", "token_url", text, "https://api.intercom.io/auth/eagle/token"},
    {"intercom", "api_base", text, "https://api.intercom.io"},
    {"intercom", "ca_file", text, "(system CAs only)"},
    {"intercom", "timeout", duration, "10s"},
    {"intercom", "api_version", text, "2.14"},
    {"intercom", "allowed_workspaces", list, "[] (any workspace)"},
    {"proxy", "allow", list, "[] (every API path)"},
    {"proxy", "connect_timeout", duration, "5s"},
    {"proxy", "handshake_timeout", duration, "5s"},
    {"proxy", "response_timeout", duration, "30s"},
    {"proxy", "idle_body_timeout", duration, "30s"},
    {"proxy", "pool_size", integer, "64"},
    {"proxy", "max_connections", integer, "64"},
    {"proxy", "pool_idle_timeout", duration, "30s"},
    {"proxy", "max_in_flight_per_session", integer, "8 (at most proxy.max_connections)"},
    {"session", "encryption_key", secret, "(not set)"},
    {"session", "encryption_keys", secret_list, "(not set)"},
    {"session", "idle_timeout", duration, "8h"},
    {"session", "absolute_timeout", duration, "7d"},
    {"session", "cookie_name", text, "__Host-icg-session"},
    {"session", "login_timeout", duration, "10m"},
    {"session", "max_pending_logins_per_browser", integer, "10"},
    {"session", "max_pending_logins_per_address", integer, "100"},
    {"session", "cache", boolean, "true"},
    {"session", "cache_ttl", duration, "30s"},
    {"session", "cache_max_entries", integer, "100000"},
    {"log", "level", text, "info"},
    {"internal", "listen", text, "(off)"},
    {"internal", "tls", boolean, "true"},
    {"internal", "client_ca_file", text, "(none)"},
    {"internal", "services", tables, "(none)"},
    {"admin", "listen", text, "127.0.0.1:9090"},
};

constexpr std::string_view sections[] = {"server",  "tls", "redis",    "intercom", "proxy",
                                         "session", "log", "internal", "admin"};

// Names Kubernetes gives a pod for a Service called "gateway" (service links).
bool is_service_link(std::string_view variable) {
    return variable == "GATEWAY_SERVICE_HOST" || variable == "GATEWAY_PORT" ||
           variable.starts_with("GATEWAY_SERVICE_PORT") || variable.starts_with("GATEWAY_PORT_");
}

std::vector<std::string> variable_names() {
    std::vector<std::string> names;
    for (const auto& key : table) {
        if (key.kind == tables) continue;
        names.push_back(env_name(key));
        if (key.kind == secret || key.kind == secret_list) names.push_back(env_name(key) + "_FILE");
    }
    return names;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::span<const KeySpec> known_keys() {
    return table;
}

std::span<const std::string_view> known_sections() {
    return sections;
}

const KeySpec* find_key(std::string_view section, std::string_view name) {
    for (const auto& key : table)
        if (key.section == section && key.name == name) return &key;
    return nullptr;
}

std::string full_name(const KeySpec& key) {
    return std::string(key.section) + "." + std::string(key.name);
}

std::string env_name(const KeySpec& key) {
    std::string out = "GATEWAY_";
    for (const std::string_view part : {key.section, std::string_view("_"), key.name})
        for (const char c : part) out += char(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool is_known_variable(std::string_view variable) {
    if (is_service_link(variable)) return true;
    const auto names = variable_names();
    return std::find(names.begin(), names.end(), variable) != names.end();
}

std::string closest_variable(std::string_view variable) {
    std::string best;
    // A third of the name, at most: GATEWAY_REDIS_ULR finds GATEWAY_REDIS_URL; GATEWAY_DEBUG
    // finds nothing rather than an unrelated key.
    std::size_t best_distance = variable.size() / 3 + 1;
    for (const auto& name : variable_names()) {
        const auto distance = edit_distance(variable, name);
        if (distance < best_distance) {
            best_distance = distance;
            best = name;
        }
    }
    return best;
}

}  // namespace icg::config
