#include "support/streaming_client.hpp"

#include "support/localhost_tls_stream.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace icg::testing {
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::size_t pattern_period = 251;

// One period of the pattern: byte i depends only on i mod 251.
const std::array<char, pattern_period>& pattern_table() {
    static const auto table = [] {
        std::array<char, pattern_period> t{};
        for (std::size_t k = 0; k < pattern_period; ++k) t[k] = char((k * 31 + 7) % pattern_period);
        return t;
    }();
    return table;
}

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace

void PatternSource::fill(char* into, std::size_t size) {
    const auto& table = pattern_table();
    std::size_t offset = static_cast<std::size_t>(position_ % pattern_period);
    position_ += size;
    while (size > 0) {
        const std::size_t n = std::min(size, pattern_period - offset);
        std::memcpy(into, table.data() + offset, n);
        into += n;
        size -= n;
        offset = 0;
    }
}

struct Sha256::Impl {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
    if (!impl_->context || EVP_DigestInit_ex(impl_->context.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("cannot start SHA-256");
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, std::size_t size) {
    if (size > 0 && EVP_DigestUpdate(impl_->context.get(), data, size) != 1)
        throw std::runtime_error("SHA-256 update failed");
}

std::string Sha256::finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(impl_->context.get(), digest, &size) != 1) throw std::runtime_error("SHA-256 failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < size; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

std::string pattern_sha256(std::uint64_t length) {
    PatternSource source;
    Sha256 sha;
    std::vector<char> piece(std::size_t{256} * 1024);
    while (source.position() < length) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), length - source.position()));
        source.fill(piece.data(), n);
        sha.update(piece.data(), n);
    }
    return sha.finish();
}

std::string StreamedResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequal(k, name)) return v;
    return {};
}

struct StreamingConnection::Impl : LocalhostTlsStream {
    using LocalhostTlsStream::LocalhostTlsStream;
};

StreamingConnection::StreamingConnection(std::uint16_t port, const std::filesystem::path& ca_file,
                                         std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(port, ca_file, timeout)) {}

StreamingConnection::~StreamingConnection() = default;
StreamingConnection::StreamingConnection(StreamingConnection&&) noexcept = default;
StreamingConnection& StreamingConnection::operator=(StreamingConnection&&) noexcept = default;

SentBody StreamingConnection::write_request(const StreamingRequest& request) {
    auto& s = *impl_;
    bhttp::request<bhttp::buffer_body> req;
    req.version(11);
    req.method_string(request.method);
    req.target(request.target);
    req.set(bhttp::field::host, "localhost:" + std::to_string(s.port));
    for (const auto& [k, v] : request.headers) req.insert(k, v);
    const std::uint64_t length = request.body.value_or(0);
    if (request.body && request.framing == Framing::chunked)
        req.chunked(true);
    else if (request.body)
        req.content_length(length);
    req.body().data = nullptr;
    req.body().more = request.body.has_value();

    bhttp::request_serializer<bhttp::buffer_body> serializer(req);
    s.arm();
    if (auto ec = s.run([&](auto h) { bhttp::async_write_header(*s.stream, serializer, h); }))
        s.fail("write request head", ec);

    SentBody sent;
    PatternSource source;
    Sha256 sha;
    std::vector<char> piece(std::max<std::size_t>(request.piece_size, 1));
    const std::uint64_t limit = std::min(length, request.stop_body_after.value_or(length));
    while (sent.length < limit) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), limit - sent.length));
        source.fill(piece.data(), n);
        sha.update(piece.data(), n);
        auto& body = req.body();
        body.data = piece.data();
        body.size = n;
        body.more = true;
        s.arm();
        auto ec = s.run([&](auto h) { bhttp::async_write(*s.stream, serializer, h); });
        if (ec && ec != bhttp::error::need_buffer) s.fail("write request body", ec);
        sent.length += n;
    }
    sent.sha256 = sha.finish();
    if (request.stop_body_after && *request.stop_body_after < length) return sent;

    // The end of the message: nothing for Content-Length, the last chunk when chunked.
    auto& body = req.body();
    body.data = nullptr;
    body.size = 0;
    body.more = false;
    s.arm();
    if (auto ec = s.run([&](auto h) { bhttp::async_write(*s.stream, serializer, h); })) s.fail("finish request", ec);
    sent.complete = true;
    return sent;
}

StreamedResponse StreamingConnection::read_response(const ReadOptions& options) {
    auto& s = *impl_;
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);
    s.arm();
    if (auto ec = s.run([&](auto h) { bhttp::async_read_header(*s.stream, s.buffer, parser, h); }))
        s.fail("read response head", ec);

    StreamedResponse out;
    const auto& res = parser.get();
    out.status = res.result_int();
    for (const auto& field : res)
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.chunked = parser.chunked();
    if (const auto length = parser.content_length()) out.content_length = *length;
    out.keep_alive = res.keep_alive();

    Sha256 sha;
    std::vector<char> piece(std::max<std::size_t>(options.piece_size, 1));
    // Beast reads only capacity() - size() bytes (at least 512) per read: make room for a whole piece.
    s.buffer.reserve(s.buffer.size() + piece.size());
    while (!parser.is_done()) {
        if (options.stop_after && out.body_length >= *options.stop_after) break;
        if (options.progress) options.progress(out.body_length);
        auto& body = parser.get().body();
        body.data = piece.data();
        body.size = piece.size();
        s.arm();
        auto ec = s.run([&](auto h) { bhttp::async_read_some(*s.stream, s.buffer, parser, h); });
        if (ec && ec != bhttp::error::need_buffer)
            s.fail("read response body after " + std::to_string(out.body_length) + " bytes", ec);
        const std::size_t got = piece.size() - body.size;
        sha.update(piece.data(), got);
        if (out.body.size() < options.keep)
            out.body.append(piece.data(), std::min(got, options.keep - out.body.size()));
        out.body_length += got;
    }
    out.complete = parser.is_done();
    out.body_sha256 = sha.finish();
    return out;
}

StreamedResponse StreamingConnection::exchange(const StreamingRequest& request, const ReadOptions& options,
                                               SentBody* sent) {
    auto body = write_request(request);
    if (sent) *sent = std::move(body);
    return read_response(options);
}

void StreamingConnection::abort() {
    auto& socket = impl_->stream->next_layer().socket();
    error_code ignored;
    socket.set_option(net::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
}

}  // namespace icg::testing
