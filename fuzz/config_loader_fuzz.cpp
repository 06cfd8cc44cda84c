// Fuzzes icg::config::check_config (lib/config/config_loader.hpp) with a TOML file and an
// environment. A bad configuration is reported as error lines, never thrown: an exception, a crash,
// an error of several lines, or a secret read from a file showing up in an error or in describe()
// is a bug.
//
// Input: the TOML text. Its comment lines "#!NAME=value" are the environment, e.g.
//   #!GATEWAY_SESSION_ENCRYPTION_KEY_FILE=key
// A *_FILE value names one of the files of a scratch folder made at start-up,
// /tmp/icg-fuzz-config: secret-<value>, e.g. secret-key, secret-client, secret-redis. The folder
// also holds cert.pem, key.pem, ca.pem and static/, for paths in the TOML.
#include "config/config_loader.hpp"
#include "fuzz_check.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace {

namespace fs = std::filesystem;

// Secret values that only the scratch files hold: the fuzzer's input never contains them, so
// they may appear in no message and no summary.
constexpr std::string_view secret_marks[] = {
    "SECRET-fuzz",                                 // client secret and Redis password
    "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERU",  // the encryption key in base64
    "0123456789abcdef0123456789ABCDEF",            // the encryption key
    "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNE",    // a 30-byte key in base64 (refused)
};

struct Scratch {
    fs::path dir;
    fs::path toml;
};

// Replaces the file at once, so parallel jobs sharing the folder never read half of one.
void write(const fs::path& path, std::string_view text) {
    const fs::path next = path.string() + "." + std::to_string(::getpid());
    {
        std::ofstream out(next, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        FUZZ_CHECK(out.good());
    }
    fs::rename(next, path);
}

const Scratch& scratch() {
    static const Scratch s = [] {
        Scratch made;
        made.dir = "/tmp/icg-fuzz-config";  // a fixed path: the seed corpus names files in it
        fs::create_directories(made.dir / "static");
        write(made.dir / "cert.pem", "certificate");
        write(made.dir / "key.pem", "key");
        write(made.dir / "ca.pem", "ca");
        write(made.dir / "secret-client", "cs-SECRET-fuzz-7f3a9c2e\n");
        write(made.dir / "secret-redis", "redis://:rp-SECRET-fuzz-41d8b0@127.0.0.1:6380/3\n");
        write(made.dir / "secret-redis-user", "redis://gateway:rp-SECRET-fuzz-41d8b0@redis.internal:6379/15");
        write(made.dir / "secret-redis-bad-port", "redis://:rp-SECRET-fuzz-41d8b0@127.0.0.1:99999/0");
        write(made.dir / "secret-redis-bad-db", "redis://:rp-SECRET-fuzz-41d8b0@127.0.0.1:6379/16");
        write(made.dir / "secret-redis-query", "redis://:rp-SECRET-fuzz-41d8b0@127.0.0.1:6379/0?x=1");
        write(made.dir / "secret-redis-tls", "rediss://:rp-SECRET-fuzz-41d8b0@127.0.0.1:6379/0");
        write(made.dir / "secret-redis-garbage", "rp-SECRET-fuzz-41d8b0 is not a URL");
        write(made.dir / "secret-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNERUY=\n");
        write(made.dir / "secret-key-short", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlBQkNE\n");
        write(made.dir / "secret-empty", "");
        made.toml = made.dir / ("input-" + std::to_string(::getpid()) + ".toml");
        return made;
    }();
    static const bool cleanup_registered = [] {
        std::atexit([] {  // libFuzzer ends a run with exit(): the input file goes with the process
            std::error_code ignored;
            fs::remove(scratch().toml, ignored);
        });
        return true;
    }();
    (void)cleanup_registered;
    return s;
}

// "#!NAME=value" comment lines.
std::map<std::string, std::string> environment_of(std::string_view text) {
    std::map<std::string, std::string> env;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with("#!")) {
            line.remove_prefix(2);
            const auto eq = line.find('=');
            if (eq != std::string_view::npos) env.emplace(line.substr(0, eq), line.substr(eq + 1));
        }
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return env;
}

// A *_FILE variable may only name a scratch file: the fuzzer must not make the loader read
// /dev/zero or a terminal.
std::string scratch_file_for(std::string_view value) {
    std::string name = "secret-";
    for (const char c : value)
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') name += c;
    return (scratch().dir / name).string();
}

void check_no_secret(std::string_view input, std::string_view text) {
    for (const auto mark : secret_marks)
        if (input.find(mark) == std::string_view::npos) FUZZ_CHECK(text.find(mark) == std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const Scratch& s = scratch();
    write(s.toml, input);
    auto env = environment_of(input);
    for (auto& [name, value] : env)
        if (name.ends_with("_FILE")) value = scratch_file_for(value);

    // A bad configuration is reported, never thrown: any exception here is a finding.
    const auto check = icg::config::check_config(s.toml.string(), env);
    check_no_secret(input, icg::config::describe(check));
    for (const auto& error : check.errors) {
        FUZZ_CHECK(!error.empty() && error.find('\n') == std::string::npos);
        check_no_secret(input, error);
    }
    if (check.errors.empty()) {
        const icg::config::GatewayConfig& config = check.config;
        // A loaded configuration holds what the loader promises.
        FUZZ_CHECK(!config.session.encryption_keys.empty() && config.session.encryption_keys.size() <= 8);
        for (const auto& key : config.session.encryption_keys) FUZZ_CHECK(key.key.size() == 32 && !key.id.empty());
        FUZZ_CHECK(!config.intercom.client_id.empty());
        FUZZ_CHECK(!config.intercom.client_secret.empty());
        FUZZ_CHECK(config.server.public_url.starts_with("https://") && !config.server.public_url.ends_with("/"));
        FUZZ_CHECK(config.intercom.token_url.starts_with("https://"));
        FUZZ_CHECK(config.intercom.api_base.starts_with("https://") && !config.intercom.api_base.ends_with("/"));
        FUZZ_CHECK(config.session.absolute_timeout >= config.session.idle_timeout);
        FUZZ_CHECK(config.proxy.pool_size <= config.proxy.max_connections);
        FUZZ_CHECK(config.server.read_timeout.count() > 0 && config.server.idle_timeout.count() > 0);
        FUZZ_CHECK(config.session.idle_timeout.count() > 0 && config.session.cache_ttl.count() > 0);
        FUZZ_CHECK(!config.session.cookie_name.empty());
        FUZZ_CHECK(config.intercom.api_version.find_first_of("\r\n") == std::string::npos);
    }
    return 0;
}
