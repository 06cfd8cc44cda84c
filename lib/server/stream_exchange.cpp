#include "server/stream_exchange.hpp"

#include "http/http_date.hpp"

#include "server/handler.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>

namespace icg::server {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

// A handler that says it streams but does not implement it answers 500 rather than hanging.
asio::awaitable<void> Handler::handle_stream(http::Request&, Exchange& exchange) {
    http::Response response;
    response.status = 500;
    response.body = "streaming is not implemented for this route\n";
    co_await exchange.respond(std::move(response));
}

template <class Stream>
StreamExchange<Stream>::StreamExchange(Stream& stream, boost::beast::flat_buffer& buffer, RequestParser& parser,
                                       bool keep_alive, bool head_request, const ServerLimits& limits)
    : stream_(stream),
      buffer_(buffer),
      parser_(parser),
      keep_alive_(keep_alive),
      head_request_(head_request),
      limits_(limits) {}

template <class Stream>
std::optional<std::uint64_t> StreamExchange<Stream>::request_content_length() const {
    if (parser_.chunked()) return std::nullopt;
    return parser_.content_length().value_or(0);
}

template <class Stream>
asio::awaitable<boost::system::result<std::size_t>> StreamExchange<Stream>::read_request_body(std::span<char> into) {
    // Beast reads only capacity() - size() bytes (at least 512) per read: make room for a whole piece.
    buffer_.reserve(std::min(buffer_.size() + into.size(), buffer_.max_size()));
    while (!parser_.is_done()) {
        parser_.body_into(into);
        stream_.expires_after(limits_.read_timeout);
        // read_some: hand on what has arrived instead of waiting for a full buffer.
        auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser_, nothrow);
        bytes_in_ += n;
        if (ec == bhttp::error::need_buffer) ec = {};
        if (ec) {
            failed_ = true;
            request_body_error_ = ec;
            co_return ec;
        }
        const std::size_t got = parser_.body_filled();
        if (got > 0) co_return got;
    }
    co_return std::size_t{0};
}

template <class Stream>
void StreamExchange<Stream>::begin_response(ResponseHead& head) {
    started_ = true;
    status_ = head.status;
    log_note_ = std::move(head.log_note);
    request_id_ = std::move(head.request_id);
    upstream_time_ = head.upstream_time;
    no_body_ = head.no_body || head_request_;
}

template <class Stream>
void StreamExchange<Stream>::prepare_response(ResponseHead& head) {
    begin_response(head);
    response_.emplace(bhttp::status(head.status), 11);
    for (const auto& field : head.headers) response_->insert(field.name, field.value);
    // Intercom's own Date is relayed as it came; an answer without one gets ours.
    if (response_->find(bhttp::field::date) == response_->end())
        response_->set(bhttp::field::date, http::http_date_now());
    if (head.content_length)
        response_->content_length(*head.content_length);
    else if (!no_body_ && !http::status_has_no_content(head.status))
        response_->chunked(true);
    response_->keep_alive(keeps_alive());
}

// The common case, a complete small answer: its head is written out here, with no Beast message,
// fields or serializer, and goes with the body in one buffer (one TLS record, one send).
template <class Stream>
asio::awaitable<error_code> StreamExchange<Stream>::write_response(ResponseHead head, std::span<const char> body) {
    if (!head.no_body && !http::status_has_no_content(head.status)) head.content_length = body.size();
    begin_response(head);
    const std::span<const char> sent = no_body_ ? std::span<const char>() : body;

    std::string out;
    // Status line, Date, Content-Length and Connection in 160 bytes, the fields and the body beside them.
    out.reserve(160 + head.headers.block_size_at_most() + sent.size());
    out.append("HTTP/1.1 ").append(std::to_string(head.status)).append(" ");
    out.append(bhttp::obsolete_reason(bhttp::int_to_status(head.status))).append("\r\n");
    http::append_fields(out, head.headers);
    if (!head.headers.contains("Date")) out.append("Date: ").append(http::http_date_now()).append("\r\n");
    if (head.content_length) out.append("Content-Length: ").append(std::to_string(*head.content_length)).append("\r\n");
    if (!keeps_alive()) out.append("Connection: close\r\n");
    out.append("\r\n");
    out.append(sent.data(), sent.size());

    stream_.expires_after(limits_.write_timeout);
    const asio::const_buffer bytes = asio::buffer(out);  // not a temporary in the co_await (GCC 12)
    const auto ec = co_await stream_.write_all(bytes);
    if (ec) {
        failed_ = true;
        co_return ec;
    }
    finished_ = true;
    bytes_out_ += sent.size();
    co_return ec;
}

template <class Stream>
asio::awaitable<error_code> StreamExchange<Stream>::write_response_head(ResponseHead head) {
    prepare_response(head);
    response_->body().data = nullptr;
    response_->body().more = true;
    serializer_.emplace(*response_);
    stream_.expires_after(limits_.write_timeout);
    auto [ec, n] = co_await bhttp::async_write_header(stream_, *serializer_, nothrow);
    if (ec) failed_ = true;
    co_return ec;
}

template <class Stream>
asio::awaitable<error_code> StreamExchange<Stream>::write_response_body(std::span<const char> data) {
    if (no_body_ || data.empty()) co_return error_code{};
    auto& body = response_->body();
    body.data = const_cast<char*>(data.data());
    body.size = data.size();
    body.more = true;
    stream_.expires_after(limits_.write_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream_, *serializer_, nothrow);
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec)
        failed_ = true;
    else
        bytes_out_ += data.size();
    co_return ec;
}

template <class Stream>
asio::awaitable<error_code> StreamExchange<Stream>::finish_response() {
    if (no_body_) {
        finished_ = true;
        co_return error_code{};
    }
    auto& body = response_->body();
    body.data = nullptr;
    body.size = 0;
    body.more = false;
    stream_.expires_after(limits_.write_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream_, *serializer_, nothrow);
    if (ec)
        failed_ = true;
    else
        finished_ = true;
    co_return ec;
}

template <class Stream>
asio::awaitable<void> StreamExchange<Stream>::respond(http::Response response) {
    if (response_started()) {
        failed_ = true;  // too late for a new status line; the connection closes
        co_return;
    }
    ResponseHead head;
    head.status = response.status;
    head.headers = std::move(response.headers);
    head.no_body = response.status == 204 || response.status == 304;
    head.log_note = std::move(response.log_note);
    head.request_id = std::move(response.request_id);
    const std::string body = std::move(response.body);
    const std::span<const char> bytes(body);
    co_await write_response(std::move(head), bytes);
}

template class StreamExchange<net::TlsStream>;
template class StreamExchange<net::PlainStream>;

}  // namespace icg::server
