#include "support/gateway.hpp"

#include "support/eventually.hpp"
#include "support/paths.hpp"

#include "core/base64.hpp"
#include "core/random.hpp"

#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace icg::testing {

std::string toml_string(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20 || c == 0x7f) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
            out += escaped;
        } else {
            out += char(c);
        }
    }
    return out + "\"";
}

void GatewaySettings::erase(const std::string& section, const std::string& key) {
    auto it = sections_.find(section);
    if (it == sections_.end()) return;
    it->second.erase(key);
    if (it->second.empty()) sections_.erase(it);
}

std::string GatewaySettings::to_toml() const {
    std::ostringstream out;
    for (const auto& [section, keys] : sections_) {
        out << "[" << section << "]\n";
        for (const auto& [key, literal] : keys) out << key << " = " << literal << "\n";
        out << "\n";
    }
    out << tables_;
    return out.str();
}

std::string random_encryption_key() {
    core::SystemRandom random;
    std::string raw(32, '\0');
    random.fill({reinterpret_cast<std::uint8_t*>(raw.data()), raw.size()});
    return core::base64_encode(raw);
}

GatewaySettings default_gateway_settings(GatewayPeers& peers) {
    if (peers.encryption_key.empty()) peers.encryption_key = random_encryption_key();
    GatewaySettings s;
    s.set("server", "listen", "127.0.0.1:" + std::to_string(peers.port));
    s.set("server", "public_url", "https://localhost:" + std::to_string(peers.port));
    s.set("server", "static_dir", (source_dir() / "gateway" / "static").string());
    s.set_integer("server", "threads", 2);
    // No load balancer to wait for: SIGTERM drains at once (drain_test sets its own delay).
    s.set("server", "drain_delay", "0s");
    // Tests run side by side: the admin listener takes a free port (read from its log line).
    s.set("admin", "listen", "127.0.0.1:0");
    s.set("tls", "cert_file", peers.certificates->cert_file.string());
    s.set("tls", "key_file", peers.certificates->key_file.string());
    s.set("redis", "url", peers.redis_url);
    s.set("redis", "command_timeout", "300ms");
    s.set("redis", "key_prefix", peers.key_prefix);
    s.set("intercom", "client_id", peers.client_id);
    s.set("intercom", "client_secret", peers.client_secret);
    s.set("intercom", "authorize_url", peers.authorize_url);
    s.set("intercom", "token_url", peers.token_url);
    s.set("intercom", "api_base", peers.api_base);
    s.set("intercom", "ca_file", peers.certificates->ca_file.string());
    s.set("intercom", "timeout", "2s");
    s.set("session", "encryption_key", peers.encryption_key);
    s.set("session", "idle_timeout", "1h");
    s.set("session", "absolute_timeout", "8h");
    return s;
}

Gateway::Gateway(const TempDir& dir, const GatewaySettings& settings, Environment environment) : settings_(settings) {
    config_file_ = dir.write_file("gateway.toml", settings.to_toml());
    ProcessOptions options;
    options.name = "intercom-gateway";
    options.environment = std::move(environment);
    options.log_file = dir / "gateway.log";
    process_ = std::make_unique<Process>(gateway_binary().string(),
                                         std::vector<std::string>{"--config", config_file_.string()}, options);
    const std::string marker = "listening on 127.0.0.1:";
    auto line = process_->wait_for_line(marker, std::chrono::seconds(20));
    if (!line) throw std::runtime_error("intercom-gateway did not start listening:\n" + process_->output());
    const auto digits = line->substr(line->find(marker) + marker.size());
    unsigned port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || port == 0 || port > 65535)
        throw std::runtime_error("cannot read the gateway's port from: " + *line);
    port_ = static_cast<std::uint16_t>(port);
}

std::uint16_t Gateway::port_from_log(std::string_view marker, std::string_view listener) const {
    auto line = process_->wait_for_line(std::string(marker), std::chrono::seconds(10));
    if (!line) throw std::runtime_error("intercom-gateway has no " + std::string(listener) + ":\n" + process_->output());
    const auto digits = line->substr(line->find(marker) + marker.size());
    unsigned port = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || port == 0 || port > 65535)
        throw std::runtime_error("cannot read the " + std::string(listener) + "'s port from: " + *line);
    return static_cast<std::uint16_t>(port);
}

std::uint16_t Gateway::internal_port() {
    if (internal_port_ == 0) internal_port_ = port_from_log("internal listener on 127.0.0.1:", "internal listener");
    return internal_port_;
}

std::uint16_t Gateway::admin_port() {
    if (admin_port_ == 0) admin_port_ = port_from_log("admin listener on 127.0.0.1:", "admin listener");
    return admin_port_;
}

namespace {

std::size_t occurrences(const std::string& text, std::string_view needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
    return count;
}

}  // namespace

Gateway::ReloadOutcome Gateway::signal_reload() {
    constexpr std::string_view reloaded = "configuration reloaded", refused = "reload refused";
    const auto before = process_->output();
    const auto reloads = occurrences(before, reloaded), refusals = occurrences(before, refused);
    if (!process_->send_signal(SIGHUP)) throw std::runtime_error("cannot send SIGHUP to the gateway");
    std::optional<ReloadOutcome> outcome;
    eventually(
        [&] {
            const auto now = process_->output();
            if (occurrences(now, reloaded) > reloads) outcome = ReloadOutcome::reloaded;
            if (occurrences(now, refused) > refusals) outcome = ReloadOutcome::refused;
            return outcome.has_value();
        },
        std::chrono::seconds(10));
    if (!outcome) throw std::runtime_error("the gateway logged no reload outcome after SIGHUP:\n" + process_->output());
    return *outcome;
}

Gateway::ReloadOutcome Gateway::reload(const std::function<void(GatewaySettings&)>& change) {
    auto next = settings_;
    change(next);
    // Written whole under another name, then renamed: the gateway never reads half a file.
    const auto staging = config_file_.string() + ".next";
    {
        std::ofstream out(staging, std::ios::trunc);
        out << next.to_toml();
        if (!out.flush()) throw std::runtime_error("cannot write " + staging);
    }
    std::filesystem::rename(staging, config_file_);
    const auto outcome = signal_reload();
    if (outcome == ReloadOutcome::reloaded) settings_ = std::move(next);
    return outcome;
}

RunResult run_gateway_command(std::vector<std::string> args, Environment environment) {
    ProcessOptions options;
    options.name = "intercom-gateway";
    options.environment = std::move(environment);
    return run_to_completion(gateway_binary().string(), std::move(args), std::move(options));
}

std::vector<std::string> gateway_error_lines(std::string_view output) {
    constexpr std::string_view prefix = "intercom-gateway: ";
    std::vector<std::string> out;
    while (!output.empty()) {
        const auto nl = output.find('\n');
        const auto line = output.substr(0, nl);
        if (line.starts_with(prefix)) out.emplace_back(line.substr(prefix.size()));
        if (nl == std::string_view::npos) break;
        output.remove_prefix(nl + 1);
    }
    return out;
}

}  // namespace icg::testing
