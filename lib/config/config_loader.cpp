#include "config/config_loader.hpp"

#include "config/config_keys.hpp"
#include "core/base64.hpp"
#include "proxy/allow_list.hpp"
#include "redis/redis_url.hpp"

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

extern char** environ;

namespace icg::config {
namespace {

std::string printable(std::string text) {
    for (char& c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return text;
}

// Every problem found, one line each; a key that had one is remembered so that rules built on it
// stay quiet instead of adding a second, misleading line.
class Problems {
public:
    explicit Problems(ConfigCheck& check) : check_(check) {}

    void add(const std::string& key, const std::string& what) {
        std::string line = key + ": " + what;
        // Names come from the file and may hold anything; an error stays one printable line.
        check_.errors.push_back(printable(std::move(line)));
        check_.keys_with_errors.insert(key);
    }

    // A key whose value could not be read, reported under another name (its _FILE variable).
    void mark(const std::string& key) { check_.keys_with_errors.insert(key); }

    bool any(std::initializer_list<std::string_view> keys) const {
        return std::any_of(keys.begin(), keys.end(),
                           [this](std::string_view key) { return check_.keys_with_errors.contains(std::string(key)); });
    }

private:
    ConfigCheck& check_;
};

struct RawValue {
    std::string text;  // lists: one item per line
    Origin origin = Origin::file;
    std::string source;
};

using RawValues = std::map<std::string, RawValue>;

// What the file and the environment say, before typing: scalar keys as text (the environment
// overrides those), and the document tree for structured keys.
struct ConfigSource {
    RawValues raw;
    toml::table document;
    ~ConfigSource() {
        for (auto& [key, value] : raw) std::fill(value.text.begin(), value.text.end(), '\0');
    }
};

std::string known_section_list() {
    std::string out;
    for (const auto section : known_sections()) out += (out.empty() ? "" : ", ") + std::string(section);
    return out;
}

void read_file(const std::string& path, ConfigSource& source, Problems& problems) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        problems.add(path, "configuration file not found");
        return;
    }
    if (std::filesystem::is_directory(path, ec)) {
        problems.add(path, "is a directory, not a configuration file");
        return;
    }
    if (std::ifstream probe(path); !probe) {
        problems.add(path, std::string("configuration file cannot be read: ") + std::strerror(errno));
        return;
    }
    try {
        source.document = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column;
        problems.add(msg.str(), std::string(e.description()));
        return;
    }
    for (const auto& [section, node] : source.document) {
        const std::string section_name(section.str());
        const auto* table = node.as_table();
        const auto& sections = known_sections();
        if (std::find(sections.begin(), sections.end(), section_name) == sections.end()) {
            problems.add("[" + section_name + "]",
                         "unknown section in " + path + " (known: " + known_section_list() + ")");
            continue;
        }
        if (!table) {
            problems.add(section_name, "expected a [section]");
            continue;
        }
        for (const auto& [name, value] : *table) {
            const std::string key = section_name + "." + std::string(name.str());
            const KeySpec* spec = find_key(section_name, name.str());
            if (!spec) {
                problems.add(key, "unknown key in " + path);
                continue;
            }
            RawValue raw{.text = {}, .origin = Origin::file, .source = path};
            if (spec->kind == KeyKind::tables) {
                const auto* array = value.as_array();
                if (!array || !array->is_array_of_tables())
                    problems.add(key, "must be an array of tables, written [[" + key + "]]");
                continue;
            } else if (spec->kind == KeyKind::list || spec->kind == KeyKind::secret_list) {
                // Lists are kept one item per line; the environment spells them comma-separated.
                const auto* array = value.as_array();
                if (!array) {
                    problems.add(key, "must be an array of strings, e.g. [\"GET /me\"]");
                    continue;
                }
                bool all_strings = true;
                for (const auto& item : *array) {
                    const auto* text = item.as_string();
                    if (!text)
                        all_strings = false;
                    else
                        raw.text += text->get() + "\n";
                }
                if (!all_strings) {
                    problems.add(key, "must be an array of strings");
                    continue;
                }
            } else if (const auto* s = value.as_string())
                raw.text = s->get();
            else if (const auto* i = value.as_integer())
                raw.text = std::to_string(i->get());
            else if (const auto* b = value.as_boolean())
                raw.text = b->get() ? "true" : "false";
            else {
                problems.add(key, "must be a string, an integer or a boolean");
                continue;
            }
            source.raw[key] = std::move(raw);
        }
    }
}

// nullopt, with the problem added, when the file cannot be read; the path names no secret.
std::optional<std::string> read_secret_file(const std::string& var, const std::string& path, Problems& problems) {
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) {
        problems.add(var, "cannot read " + path + ": " + std::strerror(errno));
        return std::nullopt;
    }
    std::string value;
    char buffer[4096];
    while (const auto n = std::fread(buffer, 1, sizeof buffer, file.get())) value.append(buffer, n);
    std::fill(std::begin(buffer), std::end(buffer), '\0');
    if (std::ferror(file.get())) {
        problems.add(var, "cannot read " + path + ": " + std::strerror(errno));
        std::fill(value.begin(), value.end(), '\0');
        return std::nullopt;
    }
    // Mounted secrets usually end with a newline that is not part of the value.
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
}

void check_variable_names(const Environment& environment, Problems& problems) {
    std::string unknown;
    for (const auto& [name, value] : environment) {
        if (!name.starts_with("GATEWAY_") || is_known_variable(name)) continue;
        unknown += (unknown.empty() ? "" : ", ") + name;
        if (const auto near = closest_variable(name); !near.empty()) unknown += " (did you mean " + near + "?)";
    }
    if (!unknown.empty())
        problems.add("environment",
                     "unknown variables " + unknown + "; every key is GATEWAY_<SECTION>_<KEY>, secrets also <…>_FILE");
}

void apply_environment(const Environment& environment, RawValues& raw, Problems& problems) {
    check_variable_names(environment, problems);
    for (const auto& k : known_keys()) {
        if (k.kind == KeyKind::tables) continue;
        const std::string var = env_name(k);
        if (auto it = environment.find(var); it != environment.end()) {
            std::string text = it->second;
            if (k.kind == KeyKind::list || k.kind == KeyKind::secret_list)
                std::replace(text.begin(), text.end(), ',', '\n');
            raw[full_name(k)] = RawValue{.text = std::move(text), .origin = Origin::environment, .source = var};
        }
        if (k.kind != KeyKind::secret && k.kind != KeyKind::secret_list) continue;
        const auto file = environment.find(var + "_FILE");
        if (file == environment.end()) continue;
        if (environment.contains(var)) {
            problems.add(var, "set both directly and through " + var + "_FILE; keep one");
            continue;
        }
        if (auto value = read_secret_file(var + "_FILE", file->second, problems)) {
            // A file of several secrets holds one per line (or comma-separated, as the variable).
            if (k.kind == KeyKind::secret_list) std::replace(value->begin(), value->end(), ',', '\n');
            raw[full_name(k)] =
                RawValue{.text = std::move(*value), .origin = Origin::environment_file, .source = var + "_FILE"};
        } else {
            problems.mark(full_name(k));
        }
    }
}

// A list's items as the loader keeps them: one per line, trimmed, empty lines dropped.
std::vector<std::string_view> items_of(std::string_view lines) {
    std::vector<std::string_view> items;
    while (!lines.empty()) {
        const auto nl = lines.find('\n');
        std::string_view item = lines.substr(0, nl);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
        if (!item.empty()) items.push_back(item);
        if (nl == std::string_view::npos) break;
        lines.remove_prefix(nl + 1);
    }
    return items;
}

class Reader {
public:
    Reader(const RawValues& raw, Problems& problems) : raw_(raw), problems_(problems) {}

    bool has(const std::string& key) const { return raw_.contains(key) && !raw_.at(key).text.empty(); }
    // Set at all, perhaps to nothing (which turns some things off).
    bool given(const std::string& key) const { return raw_.contains(key); }

    const std::string& at(const std::string& key) const { return raw_.at(key).text; }

    void text(const std::string& key, std::string& out) const {
        if (auto it = raw_.find(key); it != raw_.end()) out = it->second.text;
    }

    void secret(const std::string& key, core::Secret& out) const {
        if (auto it = raw_.find(key); it != raw_.end()) out = core::Secret(it->second.text);
    }

    template <typename Int>
    void integer(const std::string& key, Int& out, long long min, long long max) const {
        auto it = raw_.find(key);
        if (it == raw_.end()) return;
        long long value = 0;
        const auto& s = it->second.text;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec != std::errc{} || end != s.data() + s.size()) return problems_.add(key, "must be a whole number");
        if (value < min || value > max)
            return problems_.add(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        out = static_cast<Int>(value);
    }

    void list(const std::string& key, std::vector<std::string>& out) const {
        auto it = raw_.find(key);
        if (it == raw_.end()) return;
        out.clear();
        for (const auto item : items_of(it->second.text)) out.emplace_back(item);
    }

    void boolean(const std::string& key, bool& out) const {
        auto it = raw_.find(key);
        if (it == raw_.end()) return;
        const auto& s = it->second.text;
        if (s == "true" || s == "1")
            out = true;
        else if (s == "false" || s == "0")
            out = false;
        else
            problems_.add(key, "must be true or false");
    }

    // A number with a unit (500ms, 30s, 15m, 8h, 7d); a bare number is seconds. Zero only where
    // `zero_allowed` (a delay that may be skipped).
    template <typename Duration>
    void duration(const std::string& key, Duration& out, bool zero_allowed = false) const {
        auto it = raw_.find(key);
        if (it == raw_.end()) return;
        const auto& s = it->second.text;
        long long value = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec != std::errc{} || value < 0 || (value == 0 && !zero_allowed))
            return problems_.add(key, zero_allowed ? "must be a duration such as 0s, 500ms, 30s or 15m"
                                                   : "must be a positive duration such as 500ms, 30s, 15m, 8h or 7d");
        const std::string unit(end, s.data() + s.size());
        long long unit_ms = 0;
        if (unit == "ms")
            unit_ms = 1;
        else if (unit.empty() || unit == "s")
            unit_ms = 1'000;
        else if (unit == "m")
            unit_ms = 60'000;
        else if (unit == "h")
            unit_ms = 3'600'000;
        else if (unit == "d")
            unit_ms = 86'400'000;
        else
            return problems_.add(key, "unknown unit '" + unit + "' (use ms, s, m, h or d)");
        // Checked before multiplying: a huge number must be an error, not an overflow.
        constexpr long long hundred_years_ms = 100LL * 365 * 86'400'000;
        if (value > hundred_years_ms / unit_ms) return problems_.add(key, "is longer than 100 years");
        const auto converted = std::chrono::duration_cast<Duration>(std::chrono::milliseconds(value * unit_ms));
        if (converted.count() <= 0 && value != 0) return problems_.add(key, "is too short for its unit");
        out = converted;
    }

private:
    const RawValues& raw_;
    Problems& problems_;
};

std::optional<HostPort> parse_host_port(const std::string& key, const std::string& value, Problems& problems) {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        problems.add(key, "must be host:port, e.g. 0.0.0.0:8443");
        return std::nullopt;
    }
    HostPort hp;
    hp.host = value.substr(0, colon);
    if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']')
        hp.host = hp.host.substr(1, hp.host.size() - 2);
    const std::string port = value.substr(colon + 1);
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || end != port.data() + port.size() || p > 65535) {
        problems.add(key, "port must be a number from 0 to 65535");
        return std::nullopt;
    }
    hp.port = static_cast<std::uint16_t>(p);
    return hp;
}

// An absolute https URL; with `origin_only`, nothing after the authority is allowed. Empty, with
// the problem added, when it is not one.
std::string check_https_url(const std::string& key, std::string value, bool origin_only, Problems& problems) {
    auto url = boost::urls::parse_absolute_uri(value);
    const char* why = nullptr;
    if (!url)
        why = "is not an absolute URL";
    else if (url->scheme() != "https")
        why = "must be an https:// URL";
    else if (url->host().empty())
        why = "has no host";
    else if (url->has_userinfo())
        why = "must not carry user information";
    else if (url->has_fragment())
        why = "must not have a #fragment";
    else if (origin_only && (!(url->path().empty() || url->path() == "/") || url->has_query()))
        why = "must be an origin only (https://host[:port]), without path or query";
    else if (!origin_only && url->has_query())
        why = "must not have a query";
    if (why) {
        problems.add(key, why);
        return {};
    }
    if (origin_only && value.back() == '/') value.pop_back();
    return value;
}

// Checked by check_https_url first.
HttpsOrigin parse_https_origin(const std::string& url) {
    const auto parsed = boost::urls::parse_absolute_uri(url).value();
    HttpsOrigin origin;
    origin.host = parsed.host_address();
    if (parsed.has_port()) origin.port = std::string(parsed.port());
    origin.host_header = std::string(parsed.has_port() ? parsed.encoded_host_and_port() : parsed.encoded_host());
    origin.path = std::string(parsed.encoded_path());
    while (origin.path.ends_with('/')) origin.path.pop_back();
    return origin;
}

void check_readable_file(const std::string& key, const std::string& path, Problems& problems) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return problems.add(key, "file not found: " + path);
    if (std::ifstream in(path); !in) return problems.add(key, "file cannot be read: " + path);
    if (std::filesystem::file_size(path, ec) == 0) problems.add(key, "file is empty: " + path);
}

bool is_loopback(const std::string& host) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    return (!ec && address.is_loopback()) || host == "localhost";
}

// A workspace id as Intercom writes it (app.id_code): short, no spaces or separators.
bool is_workspace_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && id.find_first_of(" \t\r\n,*") == std::string_view::npos;
}

std::string service_key(std::size_t index, std::string_view field) {
    return "internal.services[" + std::to_string(index) + "]." + std::string(field);
}

// nullopt, with the problem added, when the node is not an array of strings.
std::optional<std::vector<std::string>> string_array(const std::string& key, const toml::node* node,
                                                     Problems& problems) {
    std::vector<std::string> out;
    if (!node) return out;
    const auto* array = node->as_array();
    if (array)
        for (const auto& item : *array) {
            const auto* text = item.as_string();
            if (!text) {
                array = nullptr;
                break;
            }
            out.push_back(text->get());
        }
    if (!array) {
        problems.add(key, "must be an array of strings");
        return std::nullopt;
    }
    return out;
}

std::string text_field(const std::string& key, const toml::node* node, Problems& problems) {
    if (!node) return {};
    const auto* text = node->as_string();
    if (!text) {
        problems.add(key, "must be a string");
        return {};
    }
    return text->get();
}

bool is_service_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
}

// key_sha256 as 32 raw bytes; empty, with the problem added, when it is not 64 hex digits.
std::string key_digest(const std::string& key, const std::string& hex, Problems& problems) {
    if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(),
                                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; })) {
        problems.add(key, "must be 64 hex digits (intercom-gateway --new-service-key prints one)");
        return {};
    }
    std::string digest;
    for (std::size_t b = 0; b < 32; ++b) digest += static_cast<char>(std::stoi(hex.substr(2 * b, 2), nullptr, 16));
    return digest;
}

// One [[internal.services]] table, checked whole; every message names the entry and the field.
ServiceSettings parse_service(std::size_t i, const toml::table& table, const std::vector<ServiceSettings>& earlier,
                              Problems& problems) {
    constexpr std::string_view fields[] = {"name", "key_sha256", "peer", "workspaces", "allow", "admin"};
    for (const auto& [field, value] : table)
        if (std::find(std::begin(fields), std::end(fields), field.str()) == std::end(fields))
            problems.add(service_key(i, field.str()), "unknown key");
    ServiceSettings s;
    s.name = text_field(service_key(i, "name"), table.get("name"), problems);
    if (!is_service_name(s.name))
        problems.add(service_key(i, "name"), "is required: 1 to 64 letters, digits, '-', '_' or '.'");
    for (const auto& other : earlier)
        if (other.name == s.name) problems.add(service_key(i, "name"), "\"" + s.name + "\" is used twice");
    if (const auto hex = text_field(service_key(i, "key_sha256"), table.get("key_sha256"), problems); !hex.empty())
        s.key_sha256 = key_digest(service_key(i, "key_sha256"), hex, problems);
    s.peer = text_field(service_key(i, "peer"), table.get("peer"), problems);
    if (!table.contains("key_sha256") && !table.contains("peer"))
        problems.add(service_key(i, "key_sha256"), "or peer is required: a service must be identified");
    if (table.contains("key_sha256") && table.contains("peer"))
        problems.add(service_key(i, "peer"), "and key_sha256 are both set; a service is identified by one");
    for (const auto& other : earlier)
        if (!s.key_sha256.empty() && other.key_sha256 == s.key_sha256)
            problems.add(service_key(i, "key_sha256"), "is the same as service \"" + other.name + "\"'s");
        else if (!s.peer.empty() && other.peer == s.peer)
            problems.add(service_key(i, "peer"), "is the same as service \"" + other.name + "\"'s");
    if (!table.contains("workspaces"))
        problems.add(service_key(i, "workspaces"), "is required: the workspace ids it may act for, or [\"*\"]");
    else if (auto ids = string_array(service_key(i, "workspaces"), table.get("workspaces"), problems)) {
        for (auto& id : *ids) {
            if (id == "*")
                s.any_workspace = true;
            else if (is_workspace_id(id))
                s.workspaces.push_back(std::move(id));
            else
                problems.add(service_key(i, "workspaces"), "holds a malformed workspace id");
        }
        if (s.any_workspace && !s.workspaces.empty())
            problems.add(service_key(i, "workspaces"), "mixes \"*\" with workspace ids");
    }
    if (auto allow = string_array(service_key(i, "allow"), table.get("allow"), problems)) {
        s.allow = std::move(*allow);
        std::string why;
        if (auto rules = proxy::AllowList::parse(s.allow, &why))
            s.allow_list = std::move(*rules);
        else
            problems.add(service_key(i, "allow"), why);
    }
    if (const auto* admin = table.get("admin")) {
        if (admin->is_boolean())
            s.admin = admin->as_boolean()->get();
        else
            problems.add(service_key(i, "admin"), "must be true or false");
    }
    return s;
}

std::vector<ServiceSettings> parse_services(const toml::table& document, Problems& problems) {
    std::vector<ServiceSettings> services;
    const auto* array = document["internal"]["services"].as_array();
    if (!array || !array->is_array_of_tables()) return services;  // the shape is checked when read
    for (std::size_t i = 0; i < array->size(); ++i)
        services.push_back(parse_service(i, *array->get(i)->as_table(), services, problems));
    return services;
}

void build_server(const Reader& r, GatewayConfig& c, Problems& problems) {
    if (r.has("server.listen"))
        if (auto listen = parse_host_port("server.listen", r.at("server.listen"), problems)) c.server.listen = *listen;
    if (!r.has("server.public_url"))
        problems.add("server.public_url", "is required (the https origin browsers use)");
    else
        c.server.public_url = check_https_url("server.public_url", r.at("server.public_url"), true, problems);
    r.text("server.static_dir", c.server.static_dir);
    if (std::error_code ec; !c.server.static_dir.empty() && !std::filesystem::is_directory(c.server.static_dir, ec))
        problems.add("server.static_dir", "directory not found: " + c.server.static_dir);
    r.integer("server.threads", c.server.threads, 0, 256);
    r.duration("server.read_timeout", c.server.read_timeout);
    r.duration("server.idle_timeout", c.server.idle_timeout);
    r.integer("server.max_connections", c.server.max_connections, 0, 1'000'000);
    r.duration("server.handshake_timeout", c.server.handshake_timeout);
    r.integer("server.max_header_bytes", c.server.max_header_bytes, 1024, 1024 * 1024);
    r.integer("server.max_auth_body_bytes", c.server.max_auth_body_bytes, 0, 1024 * 1024);
    r.boolean("server.access_log", c.server.access_log);
    r.duration("server.drain_delay", c.server.drain_delay, true);
    r.duration("server.shutdown_timeout", c.server.shutdown_timeout);

    r.boolean("server.tls", c.server.tls);
    r.boolean("server.behind_tls_proxy", c.server.behind_tls_proxy);
    if (!c.server.tls && !c.server.behind_tls_proxy)
        problems.add("server.tls",
                     "may be false only with server.behind_tls_proxy = true: the public listener then "
                     "speaks plain HTTP, and only a proxy in front that terminates TLS keeps it private");
    r.text("tls.cert_file", c.tls.cert_file);
    r.text("tls.key_file", c.tls.key_file);
    if (!c.tls.cert_file.empty()) check_readable_file("tls.cert_file", c.tls.cert_file, problems);
    if (!c.tls.key_file.empty()) check_readable_file("tls.key_file", c.tls.key_file, problems);
    r.text("tls.min_version", c.tls.min_version);
    if (c.tls.min_version != "1.2" && c.tls.min_version != "1.3")
        problems.add("tls.min_version", "must be \"1.2\" or \"1.3\"");
}

// host:port items, each with a port.
std::vector<HostPort> server_list(const std::string& key, const std::vector<std::string>& items, Problems& problems) {
    std::vector<HostPort> out;
    for (const auto& item : items) {
        auto at = parse_host_port(key, item, problems);
        if (!at) continue;
        if (at->port == 0 || at->host.empty())
            problems.add(key, "\"" + item + "\" must be host:port with a port from 1 to 65535");
        else
            out.push_back(*at);
    }
    return out;
}

void build_redis(const Reader& r, GatewayConfig& c, Problems& problems) {
    c.redis.url = core::Secret(std::string("redis://127.0.0.1:6379/0"));
    r.secret("redis.url", c.redis.url);
    std::string why;
    if (auto endpoint = redis::parse_redis_url(c.redis.url.expose(), &why))
        c.redis.endpoint = std::move(*endpoint);
    else
        problems.add("redis.url", why);
    r.duration("redis.connect_timeout", c.redis.connect_timeout);
    r.duration("redis.command_timeout", c.redis.command_timeout);
    r.text("redis.key_prefix", c.redis.key_prefix);
    r.text("redis.ca_file", c.redis.ca_file);
    r.text("redis.cert_file", c.redis.cert_file);
    r.text("redis.key_file", c.redis.key_file);
    // Files for TLS beside a plain redis:// URL mean the operator believes the link is
    // encrypted: refused rather than ignored.
    for (const auto& [key, file] :
         {std::pair{"redis.ca_file", &c.redis.ca_file}, std::pair{"redis.cert_file", &c.redis.cert_file},
          std::pair{"redis.key_file", &c.redis.key_file}}) {
        if (file->empty()) continue;
        if (!c.redis.endpoint.tls && !problems.any({"redis.url"}))
            problems.add(key, "needs a rediss:// redis.url (TLS); with redis:// nothing would be encrypted");
        check_readable_file(key, *file, problems);
    }
    if (c.redis.cert_file.empty() != c.redis.key_file.empty())
        problems.add(c.redis.cert_file.empty() ? "redis.cert_file" : "redis.key_file",
                     "redis.cert_file and redis.key_file go together: give both or neither");

    std::vector<std::string> sentinels;
    r.list("redis.sentinels", sentinels);
    c.redis.sentinels = server_list("redis.sentinels", sentinels, problems);
    std::vector<std::string> cluster_nodes;
    r.list("redis.cluster_nodes", cluster_nodes);
    c.redis.cluster_nodes = server_list("redis.cluster_nodes", cluster_nodes, problems);
    if (!cluster_nodes.empty() && !sentinels.empty())
        problems.add("redis.cluster_nodes", "and redis.sentinels exclude each other (a Cluster fails over by itself)");
    if (!cluster_nodes.empty() && c.redis.endpoint.database != 0)
        problems.add("redis.url", "must name database 0 with redis.cluster_nodes (a Cluster has no other)");
    r.text("redis.master_name", c.redis.master_name);
    r.secret("redis.sentinel_password", c.redis.sentinel_password);
    if (!sentinels.empty() && c.redis.master_name.empty())
        problems.add("redis.master_name", "is required with redis.sentinels (the name the sentinels monitor)");
    if (sentinels.empty() && !c.redis.master_name.empty())
        problems.add("redis.sentinels", "is required with redis.master_name");
    if (sentinels.empty() && !c.redis.sentinel_password.empty())
        problems.add("redis.sentinel_password", "is used only with redis.sentinels");
    r.integer("redis.min_replicas_ack", c.redis.min_replicas_ack, 0, 16);
    r.duration("redis.replica_ack_timeout", c.redis.replica_ack_timeout);
}

void build_intercom(const Reader& r, GatewayConfig& c, Problems& problems) {
    if (!r.has("intercom.client_id"))
        problems.add("intercom.client_id", "is required (from your Intercom app's Basic information)");
    r.text("intercom.client_id", c.intercom.client_id);
    if (!r.has("intercom.client_secret") && !problems.any({"intercom.client_secret"}))
        problems.add("intercom.client_secret", "is required");
    r.secret("intercom.client_secret", c.intercom.client_secret);
    r.text("intercom.authorize_url", c.intercom.authorize_url);
    r.text("intercom.token_url", c.intercom.token_url);
    r.text("intercom.api_base", c.intercom.api_base);
    c.intercom.authorize_url = check_https_url("intercom.authorize_url", c.intercom.authorize_url, false, problems);
    c.intercom.token_url = check_https_url("intercom.token_url", c.intercom.token_url, false, problems);
    c.intercom.api_base = check_https_url("intercom.api_base", c.intercom.api_base, false, problems);
    while (c.intercom.api_base.ends_with('/')) c.intercom.api_base.pop_back();
    if (!c.intercom.api_base.empty()) c.intercom.api = parse_https_origin(c.intercom.api_base);
    r.text("intercom.ca_file", c.intercom.ca_file);
    if (!c.intercom.ca_file.empty()) check_readable_file("intercom.ca_file", c.intercom.ca_file, problems);
    r.duration("intercom.timeout", c.intercom.timeout);
    r.text("intercom.api_version", c.intercom.api_version);
    if (c.intercom.api_version.find_first_of("\r\n") != std::string::npos)
        problems.add("intercom.api_version", "must be a single line, e.g. \"2.14\"");
    r.list("intercom.allowed_workspaces", c.intercom.allowed_workspaces);
    for (const auto& id : c.intercom.allowed_workspaces)
        if (!is_workspace_id(id)) {
            problems.add("intercom.allowed_workspaces", "holds a malformed workspace id (Intercom's app.id_code)");
            break;
        }
}

void build_proxy(const Reader& r, GatewayConfig& c, Problems& problems) {
    r.list("proxy.allow", c.proxy.allow);
    std::string why;
    if (auto allow = proxy::AllowList::parse(c.proxy.allow, &why))
        c.proxy.allow_list = std::move(*allow);
    else
        problems.add("proxy.allow", why);
    r.duration("proxy.connect_timeout", c.proxy.connect_timeout);
    r.duration("proxy.handshake_timeout", c.proxy.handshake_timeout);
    r.duration("proxy.response_timeout", c.proxy.response_timeout);
    r.duration("proxy.idle_body_timeout", c.proxy.idle_body_timeout);
    r.integer("proxy.pool_size", c.proxy.pool_size, 0, 10'000);
    r.integer("proxy.max_connections", c.proxy.max_connections, 1, 100'000);
    if (!problems.any({"proxy.pool_size", "proxy.max_connections"}) && c.proxy.pool_size > c.proxy.max_connections)
        problems.add("proxy.pool_size", "must not be larger than proxy.max_connections");
    r.duration("proxy.pool_idle_timeout", c.proxy.pool_idle_timeout);
    if (r.has("proxy.max_in_flight_per_session")) {
        r.integer("proxy.max_in_flight_per_session", c.proxy.max_in_flight_per_session, 1, 100'000);
        if (!problems.any({"proxy.max_in_flight_per_session", "proxy.max_connections"}) &&
            c.proxy.max_in_flight_per_session > c.proxy.max_connections)
            problems.add("proxy.max_in_flight_per_session", "must not be larger than proxy.max_connections");
    } else {  // the default never asks for more than the upstream bound allows
        c.proxy.max_in_flight_per_session = std::min(c.proxy.max_in_flight_per_session, c.proxy.max_connections);
    }
}

// 32 bytes from base64; nullopt otherwise. The decoded bytes are wiped when not kept.
std::optional<core::Secret> decode_key(std::string_view encoded) {
    auto key = core::base64_decode(encoded);
    if (!key) return std::nullopt;
    if (key->size() != crypto::SessionCipher::key_size) {
        std::fill(key->begin(), key->end(), '\0');
        return std::nullopt;
    }
    return core::Secret(std::move(*key));
}

// session.encryption_keys ("id:<base64>", the first seals) or session.encryption_key (a ring of
// one key). Messages name an entry by its place and id, never by its value.
void build_key_ring(const Reader& r, GatewayConfig& c, Problems& problems) {
    constexpr const char* how = "32 random bytes in base64 (openssl rand -base64 32)";
    const bool one = r.has("session.encryption_key"), ring = r.has("session.encryption_keys");
    if (one && ring)
        return problems.add("session.encryption_keys",
                            "and session.encryption_key are both set; keep the ring (encryption_keys) only");
    if (!one && !ring) {
        if (!problems.any({"session.encryption_key", "session.encryption_keys"}))
            problems.add("session.encryption_key",
                         std::string("is required (or session.encryption_keys, a key ring): ") + how);
        return;
    }
    if (one) {
        core::Secret encoded;
        r.secret("session.encryption_key", encoded);
        if (auto key = decode_key(encoded.expose()))
            c.session.encryption_keys.push_back({std::string(crypto::SessionCipher::default_key_id), std::move(*key)});
        else
            problems.add("session.encryption_key", std::string("must be exactly ") + how);
        return;
    }
    std::vector<std::string> entries;
    r.list("session.encryption_keys", entries);
    if (entries.empty() || entries.size() > crypto::SessionCipher::max_keys)
        problems.add("session.encryption_keys", "must list 1 to 8 keys, each \"id:<base64>\"");
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const std::string name = "session.encryption_keys[" + std::to_string(i) + "]";
        const auto colon = entries[i].find(':');
        const std::string id = colon == std::string::npos ? std::string() : entries[i].substr(0, colon);
        if (colon == std::string::npos || !crypto::SessionCipher::is_key_id(id)) {
            problems.add(name, "must be \"id:<base64 key>\", the id 1 to 32 letters, digits, '-', '_' or '.'");
            continue;
        }
        auto key = decode_key(std::string_view(entries[i]).substr(colon + 1));
        if (!key) {
            problems.add(name, "(id \"" + id + "\") must hold exactly " + how);
            continue;
        }
        if (std::any_of(c.session.encryption_keys.begin(), c.session.encryption_keys.end(),
                        [&](const crypto::SealingKey& k) { return k.id == id; })) {
            problems.add(name, "reuses the id \"" + id + "\"; every key needs its own");
            continue;
        }
        c.session.encryption_keys.push_back({id, std::move(*key)});
    }
    for (auto& e : entries) std::fill(e.begin(), e.end(), '\0');
}

void build_session(const Reader& r, GatewayConfig& c, Problems& problems) {
    build_key_ring(r, c, problems);
    r.duration("session.idle_timeout", c.session.idle_timeout);
    r.duration("session.absolute_timeout", c.session.absolute_timeout);
    if (!problems.any({"session.idle_timeout", "session.absolute_timeout"}) &&
        c.session.absolute_timeout < c.session.idle_timeout)
        problems.add("session.absolute_timeout", "must not be shorter than session.idle_timeout");
    r.text("session.cookie_name", c.session.cookie_name);
    if (c.session.cookie_name.empty() ||
        c.session.cookie_name.find_first_of(" ;,=\t\"()<>@:/[]?{}\\") != std::string::npos)
        problems.add("session.cookie_name", "must be a non-empty cookie token");
    r.duration("session.login_timeout", c.session.login_timeout);
    r.integer("session.max_pending_logins_per_browser", c.session.max_pending_logins_per_browser, 1, 10'000);
    r.integer("session.max_pending_logins_per_address", c.session.max_pending_logins_per_address, 1, 1'000'000);
    if (!problems.any({"session.max_pending_logins_per_browser", "session.max_pending_logins_per_address"}) &&
        c.session.max_pending_logins_per_address < c.session.max_pending_logins_per_browser)
        problems.add("session.max_pending_logins_per_address",
                     "must not be smaller than session.max_pending_logins_per_browser");
    r.boolean("session.cache", c.session.cache);
    r.duration("session.cache_ttl", c.session.cache_ttl);
    r.integer("session.cache_max_entries", c.session.cache_max_entries, 1, 100'000'000);
}

void build_internal(const Reader& r, const toml::table& document, GatewayConfig& c, Problems& problems) {
    if (r.has("internal.listen"))
        c.internal.listen = parse_host_port("internal.listen", r.at("internal.listen"), problems);
    r.boolean("internal.tls", c.internal.tls);
    r.text("internal.client_ca_file", c.internal.client_ca_file);
    c.internal.services = parse_services(document, problems);
    if (c.internal.listen) {
        if (!c.internal.tls && !is_loopback(c.internal.listen->host))
            problems.add("internal.tls",
                         "may be false only when internal.listen is a loopback address (127.0.0.1, ::1)");
        if (c.server.listen.host == c.internal.listen->host && c.server.listen.port == c.internal.listen->port &&
            c.server.listen.port != 0)
            problems.add("internal.listen", "must differ from server.listen");
    }
    if (!c.internal.client_ca_file.empty()) {
        if (!c.internal.tls)
            problems.add("internal.client_ca_file", "needs internal.tls (client certificates come with TLS)");
        check_readable_file("internal.client_ca_file", c.internal.client_ca_file, problems);
    }
    const auto& allowed = c.intercom.allowed_workspaces;
    for (std::size_t i = 0; i < c.internal.services.size(); ++i) {
        auto& s = c.internal.services[i];
        // "*" is every workspace that may log in: with a list, a connection kept from before it
        // stays out of reach too.
        if (s.any_workspace && !allowed.empty()) {
            s.any_workspace = false;
            s.workspaces = allowed;
        }
        if (!s.peer.empty() && c.internal.client_ca_file.empty())
            problems.add(service_key(i, "peer"),
                         "needs internal.client_ca_file (peers are known by client certificates)");
        // A service listed for a workspace that may not log in would wait for a connection that never comes.
        for (const auto& id : s.workspaces)
            if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), id) == allowed.end())
                problems.add(service_key(i, "workspaces"),
                             "names workspace \"" + id + "\", which intercom.allowed_workspaces leaves out");
    }
}

// The admin listener is on unless admin.listen is set to nothing.
void build_admin(const Reader& r, GatewayConfig& c, Problems& problems) {
    if (!r.given("admin.listen")) return;
    if (!r.has("admin.listen")) {
        c.admin.listen.reset();
        return;
    }
    c.admin.listen = parse_host_port("admin.listen", r.at("admin.listen"), problems);
    if (!c.admin.listen || c.admin.listen->port == 0) return;
    if (*c.admin.listen == c.server.listen) problems.add("admin.listen", "must differ from server.listen");
    if (c.internal.listen && *c.admin.listen == *c.internal.listen)
        problems.add("admin.listen", "must differ from internal.listen");
}

void build_log(const Reader& r, GatewayConfig& c, Problems& problems) {
    r.text("log.level", c.log.level);
    constexpr std::string_view levels[] = {"debug", "info", "warn", "error"};
    if (std::find(std::begin(levels), std::end(levels), c.log.level) == std::end(levels))
        problems.add("log.level", "must be debug, info, warn or error");
}

// A certificate is needed by every listener that speaks TLS: the public one unless a proxy in
// front terminates TLS, the internal one unless it is plain.
void require_certificate(GatewayConfig& c, Problems& problems) {
    const bool needed = c.server.tls || (c.internal.listen && c.internal.tls);
    if (!needed) return;
    if (c.tls.cert_file.empty()) problems.add("tls.cert_file", "is required (PEM certificate chain)");
    if (c.tls.key_file.empty()) problems.add("tls.key_file", "is required (PEM private key)");
}

GatewayConfig build(const ConfigSource& source, Problems& problems) {
    const Reader r(source.raw, problems);
    GatewayConfig c;
    build_server(r, c, problems);
    build_redis(r, c, problems);
    build_intercom(r, c, problems);
    build_proxy(r, c, problems);
    build_session(r, c, problems);
    build_log(r, c, problems);
    build_internal(r, source.document, c, problems);
    build_admin(r, c, problems);
    require_certificate(c, problems);
    return c;
}

std::string quoted_list(std::string_view lines) {
    std::string out = "[";
    for (const auto item : items_of(lines)) out += (out.size() > 1 ? ", \"" : "\"") + std::string(item) + "\"";
    return out + "]";
}

std::string shown_value(const KeySpec& k, const RawValue& raw) {
    if (k.section == "redis" && k.name == "url") {
        auto endpoint = redis::parse_redis_url(raw.text, nullptr);
        return endpoint ? endpoint->redacted() : "(set, not a valid URL)";
    }
    if (k.kind == KeyKind::secret) return raw.text.empty() ? "(empty)" : "(set)";
    if (k.kind == KeyKind::secret_list) {  // the ids are not secret and tell which key seals
        const auto items = items_of(raw.text);
        std::string ids;
        for (const auto item : items) {
            const auto colon = item.find(':');
            const auto id = colon == std::string_view::npos ? std::string_view() : item.substr(0, colon);
            ids += (ids.empty() ? "" : ", ") + (crypto::SessionCipher::is_key_id(id) ? std::string(id) : "?");
        }
        return "(set: " + std::to_string(items.size()) + (items.size() == 1 ? " key, " : " keys, ") + ids + ")";
    }
    if (k.kind == KeyKind::list) return quoted_list(raw.text);
    return raw.text;
}

std::vector<EffectiveSetting> effective_settings(const ConfigSource& source, const GatewayConfig& c) {
    std::vector<EffectiveSetting> out;
    for (const auto& k : known_keys()) {
        const std::string key = full_name(k);
        if (k.kind == KeyKind::tables) {
            const bool any = !c.internal.services.empty();
            out.push_back({key,
                           any ? std::to_string(c.internal.services.size()) + " services" : std::string(k.default_text),
                           any ? Origin::file : Origin::default_value,
                           {}});
            continue;
        }
        if (auto it = source.raw.find(key); it != source.raw.end())
            out.push_back({key, printable(shown_value(k, it->second)), it->second.origin, it->second.source});
        else
            out.push_back({key, std::string(k.default_text), Origin::default_value, {}});
    }
    return out;
}

}  // namespace

Environment process_environment() {
    Environment out;
    for (char** entry = environ; entry && *entry; ++entry) {
        const std::string_view text(*entry);
        const auto eq = text.find('=');
        if (eq == std::string_view::npos || !text.starts_with("GATEWAY_")) continue;
        out.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
    return out;
}

void wipe_secret_environment() {
    for (const auto& k : known_keys()) {
        if (k.kind != KeyKind::secret && k.kind != KeyKind::secret_list) continue;
        const std::string var = env_name(k);
        // The value lives in the environment block the kernel shows in /proc/<pid>/environ;
        // unsetenv alone would only drop the pointer to it.
        if (char* value = std::getenv(var.c_str())) std::fill(value, value + std::strlen(value), '\0');
        ::unsetenv(var.c_str());
    }
}

ConfigCheck check_config(const std::string& path, const Environment& environment) {
    ConfigCheck check;
    Problems problems(check);
    ConfigSource source;
    if (!path.empty()) read_file(path, source, problems);
    apply_environment(environment, source.raw, problems);
    check.config = build(source, problems);
    check.settings = effective_settings(source, check.config);
    return check;
}

GatewayConfig load_config(const std::string& path, const Environment& environment) {
    auto check = check_config(path, environment);
    if (check.errors.empty()) return std::move(check.config);
    std::string message;
    for (const auto& error : check.errors) message += (message.empty() ? "" : "\n") + error;
    throw ConfigError(message);
}

std::string describe(const ConfigCheck& check) {
    std::size_t width = 0;
    for (const auto& s : check.settings) width = std::max(width, s.key.size() + 3 + s.value.size());
    std::ostringstream out;
    for (const auto& s : check.settings) {
        const std::string line = s.key + " = " + s.value;
        out << line << std::string(width - line.size() + 2, ' ');
        switch (s.origin) {
            case Origin::default_value:
                out << "(default)";
                break;
            case Origin::file:
                out << "(file)";
                break;
            case Origin::environment:
            case Origin::environment_file:
                out << "(" << s.source << ")";
                break;
        }
        out << "\n";
    }
    for (const auto& s : check.config.internal.services)
        out << "  service " << s.name << ": " << (s.peer.empty() ? "key" : "peer " + s.peer) << ", "
            << (s.any_workspace ? std::string("every workspace") : std::to_string(s.workspaces.size()) + " workspaces")
            << ", " << (s.allow.empty() ? std::string("every call") : std::to_string(s.allow.size()) + " rules")
            << (s.admin ? ", admin" : "") << "\n";
    return out.str();
}

}  // namespace icg::config
