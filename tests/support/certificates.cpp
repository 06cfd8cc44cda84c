#include "support/certificates.hpp"

#include "support/paths.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

#include "core/random.hpp"
#include "crypto/digest.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace icg::testing {

namespace {

namespace fs = std::filesystem;

// posix_spawn takes a path, not a name to look up.
const std::string& openssl_program() {
    static const std::string program = [] {
        const char* path = std::getenv("PATH");
        std::string_view dirs = path && *path ? path : "/usr/bin:/bin";
        while (!dirs.empty()) {
            const auto colon = dirs.find(':');
            const auto candidate = fs::path(dirs.substr(0, colon)) / "openssl";
            dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
            if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
        }
        throw std::runtime_error("openssl not found in PATH (apt-get install openssl)");
    }();
    return program;
}

// A positive random 128-bit serial number, as make-dev-certs makes them.
std::string new_serial() {
    std::array<std::uint8_t, 16> bytes{};
    core::SystemRandom().fill(bytes);
    bytes[0] &= 0x7f;
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "0x";
    for (const auto b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

// One `openssl req -x509`: a new EC P-256 key and a certificate for it (ten years, the extensions
// section `extensions` of `config`), signed by itself or by the CA `signer` names (-CA, -CAkey).
void new_certificate(const fs::path& config, const std::string& extensions, const fs::path& key_file,
                     const fs::path& cert_file, const std::vector<std::string>& signer = {}) {
    std::vector<std::string> args = {"req",    "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                     "-noenc", "-days", "3650", "-sha256"};
    const std::pair<const char*, std::string> files_and_serial[] = {{"-config", config.string()},
                                                                    {"-extensions", extensions},
                                                                    {"-keyout", key_file.string()},
                                                                    {"-out", cert_file.string()},
                                                                    {"-set_serial", new_serial()}};
    for (const auto& [option, value] : files_and_serial) args.insert(args.end(), {option, value});
    args.insert(args.end(), signer.begin(), signer.end());
    auto result = run_to_completion(openssl_program(), std::move(args));
    if (!result.status.success())
        throw std::runtime_error("openssl req failed (" + result.status.describe() + "):\n" + result.output);
}

void write_text(const fs::path& file, std::string_view text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

// Makes `dir` once: `make` fills a fresh sibling that is then renamed into place, so every reader
// (other test processes too) sees all of it or nothing, and two makers never mix their files.
void make_directory_once(const fs::path& dir, const std::function<void(const fs::path&)>& make) {
    if (fs::is_directory(dir)) return;
    fs::create_directories(dir.parent_path());
    const auto work = dir.parent_path() / ("." + dir.filename().string() + "." + core::SystemRandom().token(6));
    fs::create_directory(work);
    std::error_code ignored;
    try {
        make(work);
    } catch (...) {
        fs::remove_all(work, ignored);
        throw;
    }
    std::error_code ec;
    fs::rename(work, dir, ec);
    if (ec) {  // another process was first: its set stands
        fs::remove_all(work, ignored);
        if (!fs::is_directory(dir)) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    }
}

struct Authority {
    fs::path cert_file;
    fs::path key_file;
};

// Another CA under the very name of the test CA: a name is not trust, only the key is.
const Authority& untrusted_authority() {
    static const Authority authority = [] {
        const fs::path dir = fs::path(ICG_TEST_CERT_DIR) / "untrusted-ca";
        make_directory_once(dir, [](const fs::path& work) {
            write_text(work / "openssl.cnf",
                       "[req]\n"
                       "distinguished_name = ca_dn\n"
                       "prompt = no\n"
                       "[ca_dn]\n"
                       "CN = Intercom Gateway local CA\n"
                       "[ca_ext]\n"
                       "basicConstraints = critical, CA:TRUE, pathlen:0\n"
                       "keyUsage = critical, keyCertSign, cRLSign\n"
                       "subjectKeyIdentifier = hash\n"
                       "authorityKeyIdentifier = keyid:always\n");
            new_certificate(work / "openssl.cnf", "ca_ext", work / "ca.key", work / "ca.pem");
        });
        return Authority{dir / "ca.pem", dir / "ca.key"};
    }();
    return authority;
}

Authority authority(ClientCertificateIssuer issuer) {
    if (issuer == ClientCertificateIssuer::untrusted_ca) return untrusted_authority();
    const auto& ca_file = test_certificates().ca_file;
    return {ca_file, ca_file.parent_path() / "ca.key"};  // make-dev-certs keeps the key beside it
}

// Only what an openssl config value holds literally: no list separator, variable, comment or quote.
void check_name(const std::string& name) {
    const bool typed = name.starts_with("URI:") || name.starts_with("DNS:");
    const bool plain = name.find_first_of(",$#\"'\\; \t\r\n") == std::string::npos;
    if (!typed || name.size() == 4 || !plain)
        throw std::invalid_argument("client certificate name must be URI:… or DNS:… without , $ # quotes or spaces: " +
                                    name);
}

}  // namespace

const Certificates& test_certificates() {
    static const Certificates certificates = [] {
        // The script is idempotent and locks its directory, so parallel test processes share one set.
        const std::filesystem::path dir = ICG_TEST_CERT_DIR;
        const auto script = source_dir() / "deploy" / "make-dev-certs";
        auto result = run_to_completion(script.string(), {dir.string()});
        if (!result.status.success())
            throw std::runtime_error(script.string() + " failed (" + result.status.describe() + "):\n" + result.output);
        Certificates c{dir / "ca.pem", dir / "localhost.pem", dir / "localhost.key"};
        for (const auto& f : {c.ca_file, c.cert_file, c.key_file})
            if (!std::filesystem::exists(f)) throw std::runtime_error("certificate file missing: " + f.string());
        return c;
    }();
    return certificates;
}

namespace {

// A leaf certificate signed by `issuer`, with its own key, in ICG_TEST_CERT_DIR/<folder>/<id>:
// `extensions` is its [leaf_ext] section. The id covers the CA too, so a new CA means new leaves.
ClientCertificate signed_leaf(const std::string& folder, const std::string& extensions,
                              ClientCertificateIssuer issuer) {
    const auto ca = authority(issuer);
    const auto id = crypto::sha256_hex(read_file(ca.cert_file) + "\n" + extensions).substr(0, 32);
    const fs::path dir = fs::path(ICG_TEST_CERT_DIR) / folder / id;
    make_directory_once(dir, [&](const fs::path& work) {
        // The subject is no DNS name, so the test CA's name constraints judge the SANs alone.
        write_text(work / "openssl.cnf",
                   "[req]\n"
                   "distinguished_name = leaf_dn\n"
                   "prompt = no\n"
                   "[leaf_dn]\n"
                   "CN = icg test " +
                       folder +
                       "\n"
                       "[leaf_ext]\n"
                       "basicConstraints = critical, CA:FALSE\n"
                       "keyUsage = critical, digitalSignature\n" +
                       extensions +
                       "subjectKeyIdentifier = hash\n"
                       "authorityKeyIdentifier = keyid, issuer\n");
        new_certificate(work / "openssl.cnf", "leaf_ext", work / "leaf.key", work / "leaf.pem",
                        {"-CA", ca.cert_file.string(), "-CAkey", ca.key_file.string()});
    });
    return ClientCertificate{dir / "leaf.pem", dir / "leaf.key"};
}

}  // namespace

const ClientCertificate& client_certificate(const std::vector<std::string>& names, ClientCertificateIssuer issuer) {
    static std::mutex mutex;
    static std::map<std::pair<ClientCertificateIssuer, std::vector<std::string>>, ClientCertificate> made;
    const std::lock_guard lock(mutex);
    const auto key = std::pair(issuer, names);
    if (const auto it = made.find(key); it != made.end()) return it->second;

    std::string alt_names;
    for (const auto& name : names) {
        check_name(name);
        alt_names += (alt_names.empty() ? "" : ", ") + name;
    }
    const auto leaf = signed_leaf(
        "clients",
        "extendedKeyUsage = clientAuth\n" + (alt_names.empty() ? "" : "subjectAltName = " + alt_names + "\n"), issuer);
    return made.emplace(key, leaf).first->second;
}

const ClientCertificate& renewed_server_certificate() {
    static std::mutex mutex;
    static std::optional<ClientCertificate> made;
    const std::lock_guard lock(mutex);
    if (!made)
        made = signed_leaf("renewed-server",
                           "extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost, IP:127.0.0.1\n",
                           ClientCertificateIssuer::test_ca);
    return *made;
}

}  // namespace icg::testing
