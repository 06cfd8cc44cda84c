#include "config/config_loader.hpp"

#include "core/base64.hpp"
#include "proxy/allow_list.hpp"
#include "redis/redis_url.hpp"

#define TOML_EXCEPTIONS 1
#include <toml++/toml.h>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace icg::config {
namespace {

// `tables` is an array of tables ([[section.name]]): read from the document tree, never from the
// environment, whose flat variables cannot spell it.
enum class Kind { text, secret, integer, duration, boolean, list, tables };

struct KeySpec {
    const char* section;
    const char* name;
    Kind kind;
};

// Every key the gateway knows; anything else in the file is a typo and stops start-up.
constexpr KeySpec known_keys[] = {
    {"server", "listen", Kind::text},
    {"server", "public_url", Kind::text},
    {"server", "static_dir", Kind::text},
    {"server", "threads", Kind::integer},
    {"server", "read_timeout", Kind::duration},
    {"server", "idle_timeout", Kind::duration},
    {"server", "max_connections", Kind::integer},
    {"server", "handshake_timeout", Kind::duration},
    {"server", "max_header_bytes", Kind::integer},
    {"server", "max_auth_body_bytes", Kind::integer},
    {"server", "access_log", Kind::boolean},
    {"tls", "cert_file", Kind::text},
    {"tls", "key_file", Kind::text},
    {"tls", "min_version", Kind::text},
    {"redis", "url", Kind::secret},
    {"redis", "connect_timeout", Kind::duration},
    {"redis", "command_timeout", Kind::duration},
    {"redis", "key_prefix", Kind::text},
    {"intercom", "client_id", Kind::text},
    {"intercom", "client_secret", Kind::secret},
    {"intercom", "authorize_url", Kind::text},
    {"intercom", "token_url", Kind::text},
    {"intercom", "api_base", Kind::text},
    {"intercom", "ca_file", Kind::text},
    {"intercom", "timeout", Kind::duration},
    {"intercom", "api_version", Kind::text},
    {"proxy", "allow", Kind::list},
    {"proxy", "connect_timeout", Kind::duration},
    {"proxy", "handshake_timeout", Kind::duration},
    {"proxy", "response_timeout", Kind::duration},
    {"proxy", "idle_body_timeout", Kind::duration},
    {"proxy", "pool_size", Kind::integer},
    {"proxy", "max_connections", Kind::integer},
    {"proxy", "pool_idle_timeout", Kind::duration},
    {"proxy", "max_in_flight_per_session", Kind::integer},
    {"session", "encryption_key", Kind::secret},
    {"session", "idle_timeout", Kind::duration},
    {"session", "absolute_timeout", Kind::duration},
    {"session", "cookie_name", Kind::text},
    {"session", "login_timeout", Kind::duration},
    {"session", "max_pending_logins_per_browser", Kind::integer},
    {"session", "max_pending_logins_per_address", Kind::integer},
    {"session", "cache", Kind::boolean},
    {"session", "cache_ttl", Kind::duration},
    {"session", "cache_max_entries", Kind::integer},
    {"internal", "listen", Kind::text},
    {"internal", "tls", Kind::boolean},
    {"internal", "client_ca_file", Kind::text},
    {"internal", "services", Kind::tables},
};

std::string full_name(const KeySpec& k) {
    return std::string(k.section) + "." + k.name;
}

std::string env_name(const KeySpec& k) {
    std::string out = "GATEWAY_";
    for (const char* p : {k.section, "_", k.name})
        for (; *p; ++p) out += char(std::toupper(static_cast<unsigned char>(*p)));
    return out;
}

[[noreturn]] void fail(const std::string& key, const std::string& what) {
    throw ConfigError(key + ": " + what);
}

// Raw values as text, after the file and the environment; typed conversion comes after.
using RawValues = std::map<std::string, std::string>;

// What the file and the environment say, before typing: scalar keys as text (the environment
// overrides those), and the document tree for structured keys.
struct ConfigSource {
    RawValues raw;
    toml::table document;
};

void read_file(const std::string& path, ConfigSource& source) {
    auto& raw = source.raw;
    toml::table& root = source.document;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        std::ostringstream msg;
        msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
        throw ConfigError(msg.str());
    }
    for (const auto& [section, node] : root) {
        const auto* table = node.as_table();
        if (!table) fail(std::string(section.str()), "expected a [section]");
        for (const auto& [name, value] : *table) {
            const std::string key = std::string(section.str()) + "." + std::string(name.str());
            const auto spec = std::find_if(std::begin(known_keys), std::end(known_keys),
                                           [&](const KeySpec& k) { return full_name(k) == key; });
            if (spec == std::end(known_keys)) fail(key, "unknown key in " + path);
            if (spec->kind == Kind::tables) {
                const auto* array = value.as_array();
                if (!array || !array->is_array_of_tables())
                    fail(key, "must be an array of tables, written [[" + key + "]]");
            } else if (spec->kind == Kind::list) {
                // Lists are kept one item per line; the environment spells them comma-separated.
                const auto* array = value.as_array();
                if (!array) fail(key, "must be an array of strings, e.g. [\"GET /me\"]");
                std::string joined;
                for (const auto& item : *array) {
                    const auto* text = item.as_string();
                    if (!text) fail(key, "must be an array of strings");
                    joined += text->get() + "\n";
                }
                raw[key] = joined;
            } else if (const auto* s = value.as_string())
                raw[key] = s->get();
            else if (const auto* i = value.as_integer())
                raw[key] = std::to_string(i->get());
            else if (const auto* b = value.as_boolean())
                raw[key] = b->get() ? "true" : "false";
            else
                fail(key, "must be a string, an integer or a boolean");
        }
    }
}

std::string read_secret_file(const std::string& var, const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(var, "cannot read the file it names");
    std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Mounted secrets usually end with a newline that is not part of the value.
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
}

void apply_environment(const EnvLookup& env, RawValues& raw) {
    for (const auto& k : known_keys) {
        if (k.kind == Kind::tables) continue;
        const std::string var = env_name(k);
        if (auto v = env(var)) {
            if (k.kind == Kind::list) std::replace(v->begin(), v->end(), ',', '\n');
            raw[full_name(k)] = *v;
        }
        if (k.kind == Kind::secret) {
            if (auto f = env(var + "_FILE")) {
                if (env(var)) fail(var, "set both directly and through " + var + "_FILE; keep one");
                raw[full_name(k)] = read_secret_file(var + "_FILE", *f);
            }
        }
    }
}

class Reader {
public:
    explicit Reader(const RawValues& raw) : raw_(raw) {}

    bool has(const std::string& key) const { return raw_.contains(key) && !raw_.at(key).empty(); }

    void text(const std::string& key, std::string& out) const {
        if (auto it = raw_.find(key); it != raw_.end()) out = it->second;
    }

    void secret(const std::string& key, core::Secret& out) const {
        if (auto it = raw_.find(key); it != raw_.end()) out = core::Secret(it->second);
    }

    template <typename Int>
    void integer(const std::string& key, Int& out, long long min, long long max) const {
        auto it = raw_.find(key);
        if (it == raw_.end()) return;
        long long value = 0;
        const auto& s = it->second;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec != std::errc{} || end != s.data() + s.size()) fail(key, "must be a whole number");
        if (value < min || value > max)
            fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        out = static_cast<Int>(value);
    }

    void list(const std::string& key, std::vector<std::string>& out) const {
        auto it = raw_.find(key);
        if (it == raw_.end()) return;
        out.clear();
        std::string_view rest = it->second;
        while (!rest.empty()) {
            const auto nl = rest.find('\n');
            std::string_view item = rest.substr(0, nl);
            while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
            while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
            if (!item.empty()) out.emplace_back(item);
            if (nl == std::string_view::npos) break;
            rest.remove_prefix(nl + 1);
        }
    }

    void boolean(const std::string& key, bool& out) const {
        auto it = raw_.find(key);
        if (it == raw_.end()) return;
        if (it->second == "true" || it->second == "1")
            out = true;
        else if (it->second == "false" || it->second == "0")
            out = false;
        else
            fail(key, "must be true or false");
    }

    // A number with a unit (500ms, 30s, 15m, 8h, 7d); a bare number is seconds.
    template <typename Duration>
    void duration(const std::string& key, Duration& out) const {
        auto it = raw_.find(key);
        if (it == raw_.end()) return;
        const auto& s = it->second;
        long long value = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (ec != std::errc{} || value <= 0) fail(key, "must be a positive duration such as 500ms, 30s, 15m, 8h or 7d");
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
            fail(key, "unknown unit '" + unit + "' (use ms, s, m, h or d)");
        // Checked before multiplying: a huge number must be an error, not an overflow.
        constexpr long long hundred_years_ms = 100LL * 365 * 86'400'000;
        if (value > hundred_years_ms / unit_ms) fail(key, "is longer than 100 years");
        const std::chrono::milliseconds ms(value * unit_ms);
        out = std::chrono::duration_cast<Duration>(ms);
        if (out.count() <= 0) fail(key, "is too short for its unit");
    }

private:
    const RawValues& raw_;
};

HostPort parse_host_port(const std::string& key, const std::string& value) {
    const auto colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0) fail(key, "must be host:port, e.g. 0.0.0.0:8443");
    HostPort hp;
    hp.host = value.substr(0, colon);
    if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']')
        hp.host = hp.host.substr(1, hp.host.size() - 2);
    const std::string port = value.substr(colon + 1);
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || end != port.data() + port.size() || p > 65535)
        fail(key, "port must be a number from 0 to 65535");
    hp.port = static_cast<std::uint16_t>(p);
    return hp;
}

// An absolute https URL; with `origin_only`, nothing after the authority is allowed.
std::string check_https_url(const std::string& key, std::string value, bool origin_only) {
    auto url = boost::urls::parse_absolute_uri(value);
    if (!url) fail(key, "is not an absolute URL");
    if (url->scheme() != "https") fail(key, "must be an https:// URL");
    if (url->host().empty()) fail(key, "has no host");
    if (url->has_userinfo()) fail(key, "must not carry user information");
    if (url->has_fragment()) fail(key, "must not have a #fragment");
    if (origin_only) {
        if (!(url->path().empty() || url->path() == "/") || url->has_query())
            fail(key, "must be an origin only (https://host[:port]), without path or query");
        if (value.back() == '/') value.pop_back();
    } else if (url->has_query()) {
        fail(key, "must not have a query");
    }
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

void check_readable_file(const std::string& key, const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) fail(key, "file not found: " + path);
    std::ifstream in(path);
    if (!in) fail(key, "file cannot be read: " + path);
}

bool is_loopback(const std::string& host) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    return (!ec && address.is_loopback()) || host == "localhost";
}

std::string service_key(std::size_t index, const char* field) {
    return "internal.services[" + std::to_string(index) + "]." + field;
}

std::vector<std::string> string_array(const std::string& key, const toml::node* node) {
    std::vector<std::string> out;
    if (!node) return out;
    const auto* array = node->as_array();
    if (!array) fail(key, "must be an array of strings");
    for (const auto& item : *array) {
        const auto* text = item.as_string();
        if (!text) fail(key, "must be an array of strings");
        out.push_back(text->get());
    }
    return out;
}

std::string text_field(const std::string& key, const toml::node* node) {
    if (!node) return {};
    const auto* text = node->as_string();
    if (!text) fail(key, "must be a string");
    return text->get();
}

// [[internal.services]]: each table checked whole, with a message naming the entry and field.
std::vector<ServiceSettings> parse_services(const toml::table& document) {
    std::vector<ServiceSettings> services;
    const auto* array = document["internal"]["services"].as_array();
    if (!array) return services;
    constexpr std::string_view fields[] = {"name", "key_sha256", "peer", "workspaces", "allow", "admin"};
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto& table = *array->get(i)->as_table();
        for (const auto& [field, value] : table)
            if (std::find(std::begin(fields), std::end(fields), field.str()) == std::end(fields))
                fail(service_key(i, std::string(field.str()).c_str()), "unknown key");
        ServiceSettings s;
        s.name = text_field(service_key(i, "name"), table.get("name"));
        if (s.name.empty() || s.name.size() > 64 || !std::all_of(s.name.begin(), s.name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
            }))
            fail(service_key(i, "name"), "is required: 1 to 64 letters, digits, '-', '_' or '.'");
        for (const auto& other : services)
            if (other.name == s.name) fail(service_key(i, "name"), "\"" + s.name + "\" is used twice");
        const std::string hash = text_field(service_key(i, "key_sha256"), table.get("key_sha256"));
        if (!hash.empty()) {
            if (hash.size() != 64 || !std::all_of(hash.begin(), hash.end(), [](char c) {
                    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
                }))
                fail(service_key(i, "key_sha256"),
                     "must be 64 hex digits (intercom-gateway --new-service-key prints one)");
            for (std::size_t b = 0; b < 32; ++b)
                s.key_sha256 += static_cast<char>(std::stoi(hash.substr(2 * b, 2), nullptr, 16));
        }
        s.peer = text_field(service_key(i, "peer"), table.get("peer"));
        if (s.key_sha256.empty() && s.peer.empty())
            fail(service_key(i, "key_sha256"), "or peer is required: a service must be identified");
        if (!s.key_sha256.empty() && !s.peer.empty())
            fail(service_key(i, "peer"), "and key_sha256 are both set; a service is identified by one");
        for (const auto& other : services)
            if (!s.key_sha256.empty() && other.key_sha256 == s.key_sha256)
                fail(service_key(i, "key_sha256"), "is the same as service \"" + other.name + "\"'s");
            else if (!s.peer.empty() && other.peer == s.peer)
                fail(service_key(i, "peer"), "is the same as service \"" + other.name + "\"'s");
        if (!table.contains("workspaces"))
            fail(service_key(i, "workspaces"), "is required: the workspace ids it may act for, or [\"*\"]");
        for (auto& id : string_array(service_key(i, "workspaces"), table.get("workspaces"))) {
            if (id == "*")
                s.any_workspace = true;
            else if (id.empty() || id.size() > 64 || id.find_first_of(" \t\r\n,") != std::string::npos)
                fail(service_key(i, "workspaces"), "holds a malformed workspace id");
            else
                s.workspaces.push_back(std::move(id));
        }
        if (s.any_workspace && !s.workspaces.empty())
            fail(service_key(i, "workspaces"), "mixes \"*\" with workspace ids");
        s.allow = string_array(service_key(i, "allow"), table.get("allow"));
        std::string why;
        auto allow = proxy::AllowList::parse(s.allow, &why);
        if (!allow) fail(service_key(i, "allow"), why);
        s.allow_list = std::move(*allow);
        if (const auto* admin = table.get("admin")) {
            if (!admin->is_boolean()) fail(service_key(i, "admin"), "must be true or false");
            s.admin = admin->as_boolean()->get();
        }
        services.push_back(std::move(s));
    }
    return services;
}

GatewayConfig build(const ConfigSource& source) {
    const RawValues& raw = source.raw;
    Reader r(raw);
    GatewayConfig c;

    if (r.has("server.listen")) c.server.listen = parse_host_port("server.listen", raw.at("server.listen"));
    if (!r.has("server.public_url")) fail("server.public_url", "is required (the https origin browsers use)");
    c.server.public_url = check_https_url("server.public_url", raw.at("server.public_url"), true);
    r.text("server.static_dir", c.server.static_dir);
    if (!c.server.static_dir.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_directory(c.server.static_dir, ec))
            fail("server.static_dir", "directory not found: " + c.server.static_dir);
    }
    r.integer("server.threads", c.server.threads, 0, 256);
    r.duration("server.read_timeout", c.server.read_timeout);
    r.duration("server.idle_timeout", c.server.idle_timeout);
    r.integer("server.max_connections", c.server.max_connections, 0, 1'000'000);
    r.duration("server.handshake_timeout", c.server.handshake_timeout);
    r.integer("server.max_header_bytes", c.server.max_header_bytes, 1024, 1024 * 1024);
    r.integer("server.max_auth_body_bytes", c.server.max_auth_body_bytes, 0, 1024 * 1024);
    r.boolean("server.access_log", c.server.access_log);

    if (!r.has("tls.cert_file")) fail("tls.cert_file", "is required (PEM certificate chain)");
    if (!r.has("tls.key_file")) fail("tls.key_file", "is required (PEM private key)");
    r.text("tls.cert_file", c.tls.cert_file);
    r.text("tls.key_file", c.tls.key_file);
    check_readable_file("tls.cert_file", c.tls.cert_file);
    check_readable_file("tls.key_file", c.tls.key_file);
    r.text("tls.min_version", c.tls.min_version);
    if (c.tls.min_version != "1.2" && c.tls.min_version != "1.3") fail("tls.min_version", "must be \"1.2\" or \"1.3\"");

    c.redis.url = core::Secret(std::string("redis://127.0.0.1:6379/0"));
    r.secret("redis.url", c.redis.url);
    {
        std::string why;
        auto endpoint = redis::parse_redis_url(c.redis.url.expose(), &why);
        if (!endpoint) fail("redis.url", why);
        c.redis.endpoint = std::move(*endpoint);
    }
    r.duration("redis.connect_timeout", c.redis.connect_timeout);
    r.duration("redis.command_timeout", c.redis.command_timeout);
    r.text("redis.key_prefix", c.redis.key_prefix);

    if (!r.has("intercom.client_id"))
        fail("intercom.client_id", "is required (from your Intercom app's Basic information)");
    r.text("intercom.client_id", c.intercom.client_id);
    if (!r.has("intercom.client_secret")) fail("intercom.client_secret", "is required");
    r.secret("intercom.client_secret", c.intercom.client_secret);
    r.text("intercom.authorize_url", c.intercom.authorize_url);
    r.text("intercom.token_url", c.intercom.token_url);
    r.text("intercom.api_base", c.intercom.api_base);
    c.intercom.authorize_url = check_https_url("intercom.authorize_url", c.intercom.authorize_url, false);
    c.intercom.token_url = check_https_url("intercom.token_url", c.intercom.token_url, false);
    c.intercom.api_base = check_https_url("intercom.api_base", c.intercom.api_base, false);
    while (c.intercom.api_base.ends_with('/')) c.intercom.api_base.pop_back();
    c.intercom.api = parse_https_origin(c.intercom.api_base);
    r.text("intercom.ca_file", c.intercom.ca_file);
    if (!c.intercom.ca_file.empty()) check_readable_file("intercom.ca_file", c.intercom.ca_file);
    r.duration("intercom.timeout", c.intercom.timeout);
    r.text("intercom.api_version", c.intercom.api_version);
    if (c.intercom.api_version.find_first_of("\r\n") != std::string::npos)
        fail("intercom.api_version", "must be a single line, e.g. \"2.14\"");

    r.list("proxy.allow", c.proxy.allow);
    {
        std::string why;
        auto allow = proxy::AllowList::parse(c.proxy.allow, &why);
        if (!allow) fail("proxy.allow", why);
        c.proxy.allow_list = std::move(*allow);
    }
    r.duration("proxy.connect_timeout", c.proxy.connect_timeout);
    r.duration("proxy.handshake_timeout", c.proxy.handshake_timeout);
    r.duration("proxy.response_timeout", c.proxy.response_timeout);
    r.duration("proxy.idle_body_timeout", c.proxy.idle_body_timeout);
    r.integer("proxy.pool_size", c.proxy.pool_size, 0, 10'000);
    r.integer("proxy.max_connections", c.proxy.max_connections, 1, 100'000);
    if (c.proxy.pool_size > c.proxy.max_connections)
        fail("proxy.pool_size", "must not be larger than proxy.max_connections");
    r.duration("proxy.pool_idle_timeout", c.proxy.pool_idle_timeout);
    if (r.has("proxy.max_in_flight_per_session")) {
        r.integer("proxy.max_in_flight_per_session", c.proxy.max_in_flight_per_session, 1, 100'000);
        if (c.proxy.max_in_flight_per_session > c.proxy.max_connections)
            fail("proxy.max_in_flight_per_session", "must not be larger than proxy.max_connections");
    } else {  // the default never asks for more than the upstream bound allows
        c.proxy.max_in_flight_per_session = std::min(c.proxy.max_in_flight_per_session, c.proxy.max_connections);
    }

    if (!r.has("session.encryption_key"))
        fail("session.encryption_key", "is required: 32 random bytes in base64 (openssl rand -base64 32)");
    {
        core::Secret encoded;
        r.secret("session.encryption_key", encoded);
        auto key = core::base64_decode(encoded.expose());
        if (!key || key->size() != 32) {
            if (key) std::fill(key->begin(), key->end(), '\0');
            fail("session.encryption_key", "must be exactly 32 bytes in base64 (openssl rand -base64 32)");
        }
        c.session.encryption_key = core::Secret(std::move(*key));
    }
    r.duration("session.idle_timeout", c.session.idle_timeout);
    r.duration("session.absolute_timeout", c.session.absolute_timeout);
    if (c.session.absolute_timeout < c.session.idle_timeout)
        fail("session.absolute_timeout", "must not be shorter than session.idle_timeout");
    r.text("session.cookie_name", c.session.cookie_name);
    if (c.session.cookie_name.empty() ||
        c.session.cookie_name.find_first_of(" ;,=\t\"()<>@:/[]?{}\\") != std::string::npos)
        fail("session.cookie_name", "must be a non-empty cookie token");
    r.duration("session.login_timeout", c.session.login_timeout);
    r.integer("session.max_pending_logins_per_browser", c.session.max_pending_logins_per_browser, 1, 10'000);
    r.integer("session.max_pending_logins_per_address", c.session.max_pending_logins_per_address, 1, 1'000'000);
    if (c.session.max_pending_logins_per_address < c.session.max_pending_logins_per_browser)
        fail("session.max_pending_logins_per_address",
             "must not be smaller than session.max_pending_logins_per_browser");
    r.boolean("session.cache", c.session.cache);
    r.duration("session.cache_ttl", c.session.cache_ttl);
    r.integer("session.cache_max_entries", c.session.cache_max_entries, 1, 100'000'000);

    if (r.has("internal.listen")) c.internal.listen = parse_host_port("internal.listen", raw.at("internal.listen"));
    r.boolean("internal.tls", c.internal.tls);
    r.text("internal.client_ca_file", c.internal.client_ca_file);
    c.internal.services = parse_services(source.document);
    if (c.internal.listen) {
        if (!c.internal.tls && !is_loopback(c.internal.listen->host))
            fail("internal.tls", "may be false only when internal.listen is a loopback address (127.0.0.1, ::1)");
        if (c.server.listen.host == c.internal.listen->host && c.server.listen.port == c.internal.listen->port &&
            c.server.listen.port != 0)
            fail("internal.listen", "must differ from server.listen");
    }
    if (!c.internal.client_ca_file.empty()) {
        if (!c.internal.tls) fail("internal.client_ca_file", "needs internal.tls (client certificates come with TLS)");
        check_readable_file("internal.client_ca_file", c.internal.client_ca_file);
    }
    for (std::size_t i = 0; i < c.internal.services.size(); ++i)
        if (!c.internal.services[i].peer.empty() && c.internal.client_ca_file.empty())
            fail(service_key(i, "peer"), "needs internal.client_ca_file (peers are known by client certificates)");
    return c;
}

}  // namespace

EnvLookup process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* v = std::getenv(name.c_str())) return std::string(v);
        return std::nullopt;
    };
}

void wipe_secret_environment() {
    for (const auto& k : known_keys) {
        if (k.kind != Kind::secret) continue;
        const std::string var = env_name(k);
        // The value lives in the environment block the kernel shows in /proc/<pid>/environ;
        // unsetenv alone would only drop the pointer to it.
        if (char* value = std::getenv(var.c_str())) std::fill(value, value + std::strlen(value), '\0');
        ::unsetenv(var.c_str());
    }
}

GatewayConfig load_config(const std::string& path, const EnvLookup& env) {
    ConfigSource source;
    if (!path.empty()) read_file(path, source);
    apply_environment(env, source.raw);
    auto config = build(source);
    for (auto& [key, value] : source.raw) std::fill(value.begin(), value.end(), '\0');
    return config;
}

std::string describe(const GatewayConfig& c) {
    auto secret = [](const core::Secret& s) { return s.empty() ? "(not set)" : "(set)"; };
    auto seconds = [](auto d) {
        return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
    };
    auto redis = redis::parse_redis_url(c.redis.url.expose(), nullptr);
    std::ostringstream out;
    out << "server.listen = " << c.server.listen.host << ":" << c.server.listen.port << "\n"
        << "server.public_url = " << c.server.public_url << "\n"
        << "server.static_dir = " << (c.server.static_dir.empty() ? "(none)" : c.server.static_dir) << "\n"
        << "server.threads = "
        << (c.server.threads == 0 ? std::string("(one per core)") : std::to_string(c.server.threads)) << "\n"
        << "server.max_connections = "
        << (c.server.max_connections == 0 ? std::string("(from the descriptor limit)")
                                          : std::to_string(c.server.max_connections))
        << "\n"
        << "server.handshake_timeout = " << c.server.handshake_timeout.count() << "ms\n"
        << "tls.cert_file = " << c.tls.cert_file << "\n"
        << "tls.key_file = " << c.tls.key_file << "\n"
        << "tls.min_version = " << c.tls.min_version << "\n"
        << "redis.url = " << (redis ? redis->redacted() : std::string("(invalid)")) << "\n"
        << "intercom.client_id = " << c.intercom.client_id << "\n"
        << "intercom.client_secret = " << secret(c.intercom.client_secret) << "\n"
        << "intercom.authorize_url = " << c.intercom.authorize_url << "\n"
        << "intercom.token_url = " << c.intercom.token_url << "\n"
        << "intercom.api_base = " << c.intercom.api_base << "\n"
        << "intercom.ca_file = " << (c.intercom.ca_file.empty() ? "(system CAs only)" : c.intercom.ca_file) << "\n"
        << "intercom.api_version = " << (c.intercom.api_version.empty() ? "(none)" : c.intercom.api_version) << "\n"
        << "proxy.allow = "
        << (c.proxy.allow.empty() ? std::string("(every API path)") : std::to_string(c.proxy.allow.size()) + " rules")
        << "\n"
        << "proxy.pool_size = " << c.proxy.pool_size << "\n"
        << "proxy.max_connections = " << c.proxy.max_connections << "\n"
        << "proxy.max_in_flight_per_session = " << c.proxy.max_in_flight_per_session << "\n"
        << "session.encryption_key = " << secret(c.session.encryption_key) << "\n"
        << "session.idle_timeout = " << seconds(c.session.idle_timeout) << "\n"
        << "session.absolute_timeout = " << seconds(c.session.absolute_timeout) << "\n"
        << "session.cookie_name = " << c.session.cookie_name << "\n"
        << "session.max_pending_logins_per_browser = " << c.session.max_pending_logins_per_browser << "\n"
        << "session.max_pending_logins_per_address = " << c.session.max_pending_logins_per_address << "\n"
        << "session.cache = " << (c.session.cache ? "true" : "false") << "\n"
        << "session.cache_ttl = " << c.session.cache_ttl.count() << "ms\n"
        << "session.cache_max_entries = " << c.session.cache_max_entries << "\n"
        << "internal.listen = "
        << (c.internal.listen ? c.internal.listen->host + ":" + std::to_string(c.internal.listen->port)
                              : std::string("(off)"))
        << "\n"
        << "internal.tls = " << (c.internal.tls ? "true" : "false") << "\n"
        << "internal.client_ca_file = " << (c.internal.client_ca_file.empty() ? "(none)" : c.internal.client_ca_file)
        << "\n";
    for (const auto& s : c.internal.services)
        out << "internal.services: " << s.name << " (" << (s.peer.empty() ? "key" : "peer " + s.peer) << ", "
            << (s.any_workspace ? std::string("every workspace") : std::to_string(s.workspaces.size()) + " workspaces")
            << ", " << (s.allow.empty() ? std::string("every call") : std::to_string(s.allow.size()) + " rules")
            << (s.admin ? ", admin" : "") << ")\n";
    return out.str();
}

}  // namespace icg::config
