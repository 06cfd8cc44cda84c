#pragma once
// A synchronous HTTPS client for tests: verifies the server against the test CA (SNI and host
// name "localhost"), never follows redirects, and keeps cookies like a browser would.
#include "support/certificates.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct ssl_session_st;

namespace icg::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
    unsigned status = 0;
    HeaderList headers;
    std::string body;
    bool keep_alive = false;

    // First value of a header (case-insensitive), empty when absent.
    std::string header(std::string_view name) const;
    std::vector<std::string> headers_named(std::string_view name) const;
    bool has_header(std::string_view name) const;
};

struct ParsedUrl {
    std::string scheme;
    std::string host;
    std::uint16_t port = 0;
    std::string target;  // path and query
};
// nullopt for anything but an absolute http(s) URL with a host.
std::optional<ParsedUrl> parse_url(std::string_view url);

// The value of `name` in a query string, percent-decoded ('+' is a space); nullopt when absent.
std::optional<std::string> query_parameter(std::string_view url_or_query, std::string_view name);
std::string percent_encode(std::string_view text);

// One Set-Cookie header, parsed.
struct SetCookie {
    std::string name;
    std::string value;
    std::map<std::string, std::string> attributes;  // lower-case attribute name → value ("" for flags)
    std::string raw;

    bool has(std::string_view attribute) const;  // case-insensitive
    std::optional<std::string> get(std::string_view attribute) const;
    std::optional<long long> max_age() const;
};
std::optional<SetCookie> parse_set_cookie(std::string_view header);

// What a client of a mutual-TLS listener brings besides the CA it trusts.
struct ConnectionOptions {
    std::optional<ClientCertificate> client_certificate;  // presented when the server asks for one
    std::shared_ptr<ssl_session_st> resume_session;       // an earlier connection's tls_session(), offered again
};

// One TLS connection; requests on it reuse the connection (keep-alive) until either side closes.
class HttpsConnection {
public:
    HttpsConnection(std::uint16_t port, const std::filesystem::path& ca_file,
                    std::chrono::milliseconds timeout = std::chrono::seconds(15));
    // With TLS 1.3 the server judges a client certificate after the client's handshake is done:
    // a refusal then shows as the first request failing.
    HttpsConnection(std::uint16_t port, const std::filesystem::path& ca_file, const ConnectionOptions& options,
                    std::chrono::milliseconds timeout = std::chrono::seconds(15));
    ~HttpsConnection();
    HttpsConnection(const HttpsConnection&) = delete;
    HttpsConnection& operator=(const HttpsConnection&) = delete;

    // Throws std::runtime_error on a network or TLS error, or when the deadline passes.
    HttpResponse request(std::string_view method, std::string_view target, const HeaderList& headers = {},
                         std::string_view body = {});

    // Raw bytes, for framing tests: written as they are, then everything read until the peer
    // closes or the deadline passes; `closed` (when given) says which.
    void write_raw(std::string_view bytes);
    std::string read_until_closed(std::chrono::milliseconds timeout, bool* closed = nullptr);
    // True when the server has closed the connection (an orderly TLS close or EOF) within `timeout`.
    bool closed_by_peer(std::chrono::milliseconds timeout);

    std::string host_header() const;

    // The session to resume on a later connection (TLS 1.3 sends it after the handshake, so it is
    // there once a response has been read); null when the server gave none.
    std::shared_ptr<ssl_session_st> tls_session() const;
    // Whether the handshake resumed the session it was offered.
    bool resumed_session() const;
    // The SHA-256 of the certificate the server presented, in hex.
    std::string peer_certificate_sha256() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Bytes sent as they are over plain TCP (no TLS) to 127.0.0.1:port; everything answered until the
// server closes, or 10 s. For plain listeners and for plain HTTP sent to a TLS port.
std::string plain_http_exchange(std::uint16_t port, const std::string& request);

// A browser-like client of one origin (https://localhost:port) with a cookie jar.
class TestClient {
public:
    TestClient(std::uint16_t port, std::filesystem::path ca_file);

    // One request on a fresh connection; the jar's cookies are sent and Set-Cookie headers applied.
    HttpResponse request(std::string_view method, std::string_view target, HeaderList headers = {},
                         std::string_view body = {});
    HttpResponse get(std::string_view target, HeaderList headers = {}) {
        return request("GET", target, std::move(headers));
    }
    HttpResponse post(std::string_view target, std::string_view body = {}, HeaderList headers = {});

    // Fetches an absolute URL: this origin goes through request(); another origin gets no cookies.
    HttpResponse fetch(std::string_view url, std::string_view method = "GET");

    std::uint16_t port() const noexcept { return port_; }
    std::string origin() const { return "https://localhost:" + std::to_string(port_); }

    // The jar: name → the Set-Cookie that put it there.
    const std::map<std::string, SetCookie>& cookies() const noexcept { return jar_; }
    std::optional<std::string> cookie(std::string_view name) const;
    void set_cookie(std::string name, std::string value);
    void remove_cookie(std::string_view name) { jar_.erase(std::string(name)); }
    void clear_cookies() { jar_.clear(); }
    // Set-Cookie headers a browser would have refused (a __Host- cookie without Secure or Path=/,
    // or with a Domain; a __Secure- cookie without Secure); they never reach the jar.
    const std::vector<std::string>& refused_cookies() const noexcept { return refused_; }

private:
    void apply_set_cookies(const HttpResponse& response);

    std::uint16_t port_;
    std::filesystem::path ca_file_;
    std::map<std::string, SetCookie> jar_;
    std::vector<std::string> refused_;
};

}  // namespace icg::testing
