#pragma once
// Beast's HTTP/1.1 parser without Beast's message: the head goes straight into our Headers (one
// arena, not an allocation per field, and no copy afterwards), and the body into the caller's
// buffer piece by piece, or whole into a string. Beast's reads (async_read_header,
// async_read_some, async_read) drive it like any basic_parser.
#include "http/message.hpp"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
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

private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;

    void on_request_impl(boost::beast::http::verb, string_view method, string_view target, int,
                         error_code&) override {
        reserve_head();
        message_.method.assign(method.data(), method.size());
        message_.target.assign(target.data(), target.size());
    }
    void on_response_impl(int code, string_view, int, error_code&) override {
        reserve_head();
        status_ = static_cast<unsigned>(code);
    }
    void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override {
        message_.headers.add({name.data(), name.size()}, {value.data(), value.size()});
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        // The length has passed body_limit already; a large one still grows as bytes arrive.
        constexpr std::uint64_t reserved_at_most = 1 << 20;
        if (whole_ && length) whole_->reserve(static_cast<std::size_t>(std::min(*length, reserved_at_most)));
    }
    std::size_t on_body_impl(string_view body, error_code& ec) override { return take_body(body, ec); }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
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
    std::span<char> piece_;
    std::size_t filled_ = 0;
    std::string* whole_ = nullptr;
};

using RequestParser = MessageParser<true>;
using ResponseParser = MessageParser<false>;

}  // namespace icg::http
