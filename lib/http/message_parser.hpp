#pragma once
// Beast's HTTP/1.1 parser without Beast's message: the head goes straight into our Headers (one
// arena, not an allocation per field, and no copy afterwards), and the body into the caller's
// buffer piece by piece, or whole into a string. Beast's reads (async_read_header,
// async_read_some, async_read) drive it like any basic_parser.
//
// It is stricter than Beast about framing, the same way for requests and for answers from
// upstream (RFC 9112): obsolete line folding, Transfer-Encoding other than exactly "chunked" or
// in HTTP/1.0, repeated Content-Length, Transfer-Encoding or Host, a missing Host in HTTP/1.1, and
// long chunk extensions or trailers are refused with a FramingErrc. Trailer fields are read and
// dropped: nothing downstream uses them, and they must not turn into header fields afterwards.
#include "http/framing_error.hpp"
#include "http/message.hpp"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace icg::http {

template <bool isRequest>
class MessageParser final : public boost::beast::http::basic_parser<isRequest> {
public:
    // A request's method, target and headers (and body, when collected with body_into_string).
    Request& request() noexcept
        requires isRequest
    {
        return message_;
    }
    unsigned status() const noexcept
        requires(!isRequest)
    {
        return status_;
    }
    Headers& headers() noexcept { return message_.headers; }

    // The next body bytes go into `into`; a read stops with error::need_buffer once it is full
    // (as with Beast's buffer_body). body_filled() says how many have arrived since.
    void body_into(std::span<char> into) noexcept {
        piece_ = into;
        filled_ = 0;
        whole_ = nullptr;
    }
    std::size_t body_filled() const noexcept { return filled_; }
    // The whole body is appended to `whole` (body_limit bounds it).
    void body_into_string(std::string& whole) noexcept { whole_ = &whole; }

    // 1.0 or 1.1, once the start line has been read.
    int version() const noexcept { return version_; }

    static constexpr std::size_t max_chunk_extension = 256;
    static constexpr std::size_t max_trailer_bytes = 4096;

private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;
    using field = boost::beast::http::field;

    void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int version,
                         error_code&) override {
        reserve_head();
        version_ = version;
        message_.method.assign(method.data(), method.size());
        message_.target.assign(target.data(), target.size());
    }
    void on_response_impl(int code, string_view, int version, error_code&) override {
        reserve_head();
        version_ = version;
        status_ = static_cast<unsigned>(code);
    }
    void on_field_impl(field known, string_view name, string_view value, error_code& ec) override {
        if (folded(name, value)) {
            ec = FramingErrc::obs_fold;
            return;
        }
        if (in_trailer_) {
            trailer_bytes_ += name.size() + value.size() + 4;
            if (trailer_bytes_ > max_trailer_bytes) ec = FramingErrc::trailer_too_large;
            return;
        }
        if (known == field::content_length) {
            if (++content_lengths_ > 1 || value.find(',') != string_view::npos) ec = FramingErrc::repeated_content_length;
        } else if (known == field::transfer_encoding) {
            if (++transfer_encodings_ > 1)
                ec = FramingErrc::repeated_transfer_encoding;
            else if (!iequals({value.data(), value.size()}, "chunked"))
                ec = FramingErrc::unsupported_transfer_coding;
        } else if (known == field::host) {
            if (++hosts_ > 1) ec = FramingErrc::repeated_host;
        }
        if (ec) return;
        message_.headers.add({name.data(), name.size()}, {value.data(), value.size()});
    }
    void on_header_impl(error_code& ec) override {
        if (transfer_encodings_ > 0 && version_ < 11) ec = FramingErrc::transfer_encoding_in_http10;
        if constexpr (isRequest)
            if (!ec && version_ >= 11 && hosts_ == 0) ec = FramingErrc::missing_host;
    }

    // Beast unfolds obsolete line folding silently: the value then no longer follows its name's
    // colon in the input (it lives in Beast's own buffer), or there is a line break before it.
    // Only blanks may lie between the colon and the value of an unfolded field.
    static bool folded(string_view name, string_view value) noexcept {
        const auto after_colon = reinterpret_cast<std::uintptr_t>(name.data() + name.size() + 1);
        const auto value_at = reinterpret_cast<std::uintptr_t>(value.data());
        constexpr std::uintptr_t max_blanks = 1 << 16;
        if (value_at < after_colon || value_at - after_colon > max_blanks) return true;
        for (const char* p = name.data() + name.size() + 1; p != value.data(); ++p)
            if (*p != ' ' && *p != '\t') return true;
        return false;
    }
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        // The length has passed body_limit already; a large one still grows as bytes arrive.
        constexpr std::uint64_t reserved_at_most = 1 << 20;
        if (whole_ && length) whole_->reserve(static_cast<std::size_t>(std::min(*length, reserved_at_most)));
    }
    std::size_t on_body_impl(string_view body, error_code& ec) override { return take_body(body, ec); }
    void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code& ec) override {
        if (extensions.size() > max_chunk_extension) ec = FramingErrc::chunk_extension_too_long;
        if (size == 0) in_trailer_ = true;  // the last chunk: what follows are trailer fields
    }
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override { return take_body(body, ec); }
    void on_finish_impl(error_code&) override {}

    // Only once the head has come: a connection waiting for its next request holds no field room.
    void reserve_head() { message_.headers.reserve(512, 12); }

    std::size_t take_body(string_view body, error_code& ec) {
        if (whole_) {
            whole_->append(body.data(), body.size());
            return body.size();
        }
        const std::size_t taken = std::min(body.size(), piece_.size() - filled_);
        if (taken > 0) std::memcpy(piece_.data() + filled_, body.data(), taken);
        filled_ += taken;
        if (taken < body.size()) ec = boost::beast::http::error::need_buffer;
        return taken;
    }

    Request message_;
    unsigned status_ = 0;
    int version_ = 11;
    unsigned content_lengths_ = 0;
    unsigned transfer_encodings_ = 0;
    unsigned hosts_ = 0;
    bool in_trailer_ = false;
    std::size_t trailer_bytes_ = 0;
    std::span<char> piece_;
    std::size_t filled_ = 0;
    std::string* whole_ = nullptr;
};

using RequestParser = MessageParser<true>;
using ResponseParser = MessageParser<false>;

}  // namespace icg::http
