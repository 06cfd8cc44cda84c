#include "support/test_client.hpp"

#include "support/localhost_tls_stream.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace icg::testing {
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+')
            out += ' ';
        else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out += char(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
            i += 2;
        } else
            out += s[i];
    }
    return out;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequal(k, name)) return v;
    return {};
}

std::vector<std::string> HttpResponse::headers_named(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : headers)
        if (iequal(k, name)) out.push_back(v);
    return out;
}

bool HttpResponse::has_header(std::string_view name) const {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequal(h.first, name); });
}

std::optional<ParsedUrl> parse_url(std::string_view url) {
    ParsedUrl out;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    out.scheme = lower(url.substr(0, scheme_end));
    if (out.scheme != "https" && out.scheme != "http") return std::nullopt;
    std::string_view rest = url.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, authority_end);
    out.target = authority_end == std::string_view::npos ? "/" : std::string(rest.substr(authority_end));
    if (!out.target.empty() && out.target.front() == '?') out.target = "/" + out.target;
    if (const auto hash = out.target.find('#'); hash != std::string::npos) out.target.resize(hash);
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size() && authority[close + 1] == ':') port_text = authority.substr(close + 2);
    } else {
        const auto colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (out.host.empty()) return std::nullopt;
    out.port = out.scheme == "https" ? 443 : 80;
    if (!port_text.empty()) {
        unsigned p = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || p == 0 || p > 65535) return std::nullopt;
        out.port = static_cast<std::uint16_t>(p);
    }
    return out;
}

std::optional<std::string> query_parameter(std::string_view url_or_query, std::string_view name) {
    std::string_view query = url_or_query;
    if (const auto q = query.find('?'); q != std::string_view::npos) query = query.substr(q + 1);
    if (const auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        const auto eq = pair.find('=');
        if (percent_decode(pair.substr(0, eq)) != name) continue;
        return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    }
    return std::nullopt;
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            out += char(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

bool SetCookie::has(std::string_view attribute) const {
    return attributes.contains(lower(attribute));
}

std::optional<std::string> SetCookie::get(std::string_view attribute) const {
    auto it = attributes.find(lower(attribute));
    if (it == attributes.end()) return std::nullopt;
    return it->second;
}

std::optional<long long> SetCookie::max_age() const {
    auto v = get("Max-Age");
    if (!v) return std::nullopt;
    long long n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc{} || end != v->data() + v->size()) return std::nullopt;
    return n;
}

std::optional<SetCookie> parse_set_cookie(std::string_view header) {
    SetCookie out;
    out.raw = std::string(header);
    std::string_view rest = header;
    bool first = true;
    while (!rest.empty() || first) {
        const auto semi = rest.find(';');
        const auto part = trim(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        const auto eq = part.find('=');
        if (first) {
            if (eq == std::string_view::npos || eq == 0) return std::nullopt;
            out.name = std::string(trim(part.substr(0, eq)));
            out.value = std::string(trim(part.substr(eq + 1)));
            first = false;
            continue;
        }
        if (part.empty()) continue;
        out.attributes[lower(trim(part.substr(0, eq)))] =
            eq == std::string_view::npos ? std::string() : std::string(trim(part.substr(eq + 1)));
    }
    return out;
}

struct HttpsConnection::Impl : LocalhostTlsStream {
    using LocalhostTlsStream::LocalhostTlsStream;
};

namespace {

// Sets up what `options` asks for on a connection that has not connected yet.
void prepare_connection(SSL* ssl, const ConnectionOptions& options) {
    if (const auto& client = options.client_certificate) {
        if (SSL_use_certificate_chain_file(ssl, client->cert_file.c_str()) != 1)
            throw std::runtime_error("cannot load the client certificate " + client->cert_file.string());
        if (SSL_use_PrivateKey_file(ssl, client->key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
            SSL_check_private_key(ssl) != 1)
            throw std::runtime_error("cannot use the client key " + client->key_file.string());
    }
    if (options.resume_session && SSL_set_session(ssl, options.resume_session.get()) != 1)
        throw std::runtime_error("cannot offer the TLS session");
}

}  // namespace

HttpsConnection::HttpsConnection(std::uint16_t port, const std::filesystem::path& ca_file,
                                 std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(port, ca_file, timeout)) {}

HttpsConnection::HttpsConnection(std::uint16_t port, const std::filesystem::path& ca_file,
                                 const ConnectionOptions& options, std::chrono::milliseconds timeout)
    : impl_(
          std::make_unique<Impl>(port, ca_file, timeout, [&options](SSL* ssl) { prepare_connection(ssl, options); })) {}

HttpsConnection::~HttpsConnection() = default;

std::string HttpsConnection::host_header() const {
    return "localhost:" + std::to_string(impl_->port);
}

std::shared_ptr<ssl_session_st> HttpsConnection::tls_session() const {
    const SSL_SESSION* session = SSL_get0_session(impl_->stream->native_handle());
    if (!session || SSL_SESSION_is_resumable(session) != 1) return nullptr;
    // A copy: OpenSSL marks the connection's own session unusable when the connection ends
    // without close_notify, as these connections do.
    SSL_SESSION* copy = SSL_SESSION_dup(session);
    if (!copy) return nullptr;
    return {copy, SSL_SESSION_free};
}

std::string HttpsConnection::peer_certificate_sha256() const {
    X509* cert = SSL_get0_peer_certificate(impl_->stream->native_handle());
    if (!cert) return {};
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (X509_digest(cert, EVP_sha256(), digest, &size) != 1) return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xf];
    }
    return out;
}

bool HttpsConnection::resumed_session() const {
    return SSL_session_reused(impl_->stream->native_handle()) == 1;
}

HttpResponse HttpsConnection::request(std::string_view method, std::string_view target, const HeaderList& headers,
                                      std::string_view body) {
    auto& s = *impl_;
    bhttp::request<bhttp::string_body> req;
    req.version(11);
    req.method_string(method);
    req.target(target);
    req.set(bhttp::field::host, host_header());
    for (const auto& [k, v] : headers) req.insert(k, v);
    if (!body.empty() || method == "POST" || method == "PUT") {
        req.body() = std::string(body);
        req.prepare_payload();
    }
    s.arm(s.timeout);
    if (auto ec = s.run([&](auto h) { bhttp::async_write(*s.stream, req, h); })) s.fail("write request", ec);

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(std::uint64_t{64} * 1024 * 1024);
    if (method == "HEAD") parser.skip(true);
    s.arm(s.timeout);
    if (auto ec = s.run([&](auto h) { bhttp::async_read(*s.stream, s.buffer, parser, h); }))
        s.fail(std::string("read response to ") + std::string(method) + " " + std::string(target), ec);

    auto& res = parser.get();
    HttpResponse out;
    out.status = res.result_int();
    for (const auto& field : res)
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(res.body());
    out.keep_alive = res.keep_alive();
    return out;
}

void HttpsConnection::write_raw(std::string_view bytes) {
    auto& s = *impl_;
    s.arm(s.timeout);
    if (auto ec = s.run([&](auto h) { net::async_write(*s.stream, net::buffer(bytes.data(), bytes.size()), h); }))
        s.fail("write", ec);
}

std::string HttpsConnection::read_until_closed(std::chrono::milliseconds timeout, bool* closed) {
    auto& s = *impl_;
    std::string out(static_cast<const char*>(s.buffer.data().data()), s.buffer.size());
    s.buffer.consume(s.buffer.size());
    s.arm(timeout);
    for (;;) {
        char chunk[4096];
        std::size_t got = 0;
        error_code result = net::error::timed_out;
        bool done = false;
        s.stream->async_read_some(net::buffer(chunk), [&](error_code ec, std::size_t n) {
            result = ec;
            got = n;
            done = true;
        });
        s.io.restart();
        s.io.run();
        out.append(chunk, got);
        if (!done || result) {
            if (closed)
                *closed = done && (result == net::error::eof || result == ssl::error::stream_truncated ||
                                   result == net::error::connection_reset);
            break;
        }
    }
    return out;
}

bool HttpsConnection::closed_by_peer(std::chrono::milliseconds timeout) {
    auto& s = *impl_;
    s.arm(timeout);
    char chunk[1];
    error_code result;
    bool done = false;
    s.stream->async_read_some(net::buffer(chunk), [&](error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    s.io.restart();
    s.io.run();
    return done && (result == net::error::eof || result == ssl::error::stream_truncated ||
                    result == net::error::connection_reset);
}

TestClient::TestClient(std::uint16_t port, std::filesystem::path ca_file) : port_(port), ca_file_(std::move(ca_file)) {}

HttpResponse TestClient::request(std::string_view method, std::string_view target, HeaderList headers,
                                 std::string_view body) {
    if (!jar_.empty()) {
        std::string cookie_header;
        for (const auto& [name, c] : jar_) {
            if (!cookie_header.empty()) cookie_header += "; ";
            cookie_header += name + "=" + c.value;
        }
        headers.emplace_back("Cookie", cookie_header);
    }
    HttpsConnection connection(port_, ca_file_);
    auto response = connection.request(method, target, headers, body);
    apply_set_cookies(response);
    return response;
}

HttpResponse TestClient::post(std::string_view target, std::string_view body, HeaderList headers) {
    // Browsers send Origin with every POST, also to their own origin.
    const bool has_origin =
        std::any_of(headers.begin(), headers.end(), [](const auto& h) { return iequal(h.first, "Origin"); });
    if (!has_origin) headers.emplace_back("Origin", origin());
    return request("POST", target, std::move(headers), body);
}

HttpResponse TestClient::fetch(std::string_view url, std::string_view method) {
    auto parsed = parse_url(url);
    if (!parsed || parsed->scheme != "https") throw std::runtime_error("not an https URL: " + std::string(url));
    if (parsed->host != "localhost" && parsed->host != "127.0.0.1")
        throw std::runtime_error("tests only talk to localhost: " + std::string(url));
    if (parsed->port == port_) return request(method, parsed->target);
    HttpsConnection connection(parsed->port, ca_file_);
    return connection.request(method, parsed->target);
}

std::optional<std::string> TestClient::cookie(std::string_view name) const {
    auto it = jar_.find(std::string(name));
    if (it == jar_.end()) return std::nullopt;
    return it->second.value;
}

void TestClient::set_cookie(std::string name, std::string value) {
    SetCookie c;
    c.raw = name + "=" + value;
    c.name = name;
    c.value = std::move(value);
    jar_[std::move(name)] = std::move(c);
}

void TestClient::apply_set_cookies(const HttpResponse& response) {
    for (const auto& header : response.headers_named("Set-Cookie")) {
        auto c = parse_set_cookie(header);
        if (!c) {
            refused_.push_back(header);
            continue;
        }
        const bool host_prefix_broken =
            c->name.starts_with("__Host-") && (!c->has("Secure") || c->get("Path") != "/" || c->has("Domain"));
        const bool secure_prefix_broken = c->name.starts_with("__Secure-") && !c->has("Secure");
        if (host_prefix_broken || secure_prefix_broken) {
            refused_.push_back(header);
            continue;
        }
        const auto max_age = c->max_age();
        if (max_age && *max_age <= 0)
            jar_.erase(c->name);
        else
            jar_[c->name] = std::move(*c);
    }
}

std::string plain_http_exchange(std::uint16_t port, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    const timeval timeout{.tv_sec = 10, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string answer;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
        char buffer[4096];
        for (ssize_t got; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, std::size_t(got));
    }
    ::close(fd);
    return answer;
}

}  // namespace icg::testing
