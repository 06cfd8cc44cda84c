#include "upstream/pooled_upstream_client.hpp"

#include "http/message_parser.hpp"
#include "upstream/connection_pool.hpp"
#include "upstream/upstream_connection.hpp"
#include "upstream/upstream_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

namespace icg::upstream {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using boost::system::result;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// The request head written out directly (no Beast message, fields or serializer), with the body
// too when the caller holds it whole: one buffer, one write.
std::string serialize(const RequestHead& head) {
    std::string out;
    // The request line and framing fields in 128 bytes, the fields and the body beside them.
    out.reserve(128 + head.target.size() + head.fields.block_size_at_most() + head.whole_body.size());
    out.append(head.method).append(" ").append(head.target).append(" HTTP/1.1\r\n");
    http::append_fields(out, head.fields);
    if (!head.whole_body.empty())
        out.append("Content-Length: ").append(std::to_string(head.whole_body.size())).append("\r\n");
    else if (!head.content_length)
        out.append("Transfer-Encoding: chunked\r\n");
    else if (*head.content_length > 0)
        out.append("Content-Length: ").append(std::to_string(*head.content_length)).append("\r\n");
    out.append("\r\n");
    out.append(head.whole_body);
    return out;
}

class PooledCall final : public UpstreamCall {
public:
    PooledCall(ConnectionPool& pool, const RequestHead& head, const CallTimeouts& timeouts)
        : pool_(pool),
          timeouts_(timeouts),
          head_(&head),
          chunked_(head.whole_body.empty() && !head.content_length),
          head_request_(head.method == "HEAD"),
          // A streamed body is not kept, so only a call without one can be sent again.
          may_resend_(head.resend_if_stale && (!head.whole_body.empty() || head.content_length == 0)) {}

    // Takes a connection and writes the head: a kept-alive one that fails here is replaced once.
    // The head is written out only once a connection is in hand, so a call waiting for one holds
    // no more than this object; it is kept afterwards only if it may have to be sent again.
    asio::awaitable<error_code> begin() {
        auto ec = co_await connect_and_write(false);
        if (ec && may_resend_now(ec, 0)) {
            resent_ = true;
            ec = co_await connect_and_write(true);
        }
        if (!may_resend_) {
            head_bytes_.clear();
            head_bytes_.shrink_to_fit();
        }
        head_ = nullptr;  // the caller's head is valid only during start()
        co_return ec;
    }

    asio::awaitable<error_code> write_body(std::span<const char> piece) override {
        if (piece.empty()) co_return error_code{};
        char size_line[24];
        const int size_length = std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
        const std::array<asio::const_buffer, 3> buffers{
            asio::buffer(size_line, chunked_ ? static_cast<std::size_t>(size_length) : 0), asio::buffer(piece),
            asio::buffer("\r\n", chunked_ ? 2 : 0)};
        expire_after(timeouts_.idle_body);
        auto [ec, n] = co_await asio::async_write(connection_->stream, buffers, nothrow);
        if (ec) failed_ = true;
        co_return ec ? classify_io_error(ec, UpstreamErrc::io_failed) : ec;
    }

    asio::awaitable<error_code> finish_body() override {
        if (!chunked_) co_return error_code{};
        expire_after(timeouts_.idle_body);
        const asio::const_buffer last_chunk = asio::buffer("0\r\n\r\n", 5);
        auto [ec, n] = co_await asio::async_write(connection_->stream, last_chunk, nothrow);
        if (ec) failed_ = true;
        co_return ec ? classify_io_error(ec, UpstreamErrc::io_failed) : ec;
    }

    asio::awaitable<error_code> read_head() override {
        for (;;) {
            parser_ = std::make_unique<http::ResponseParser>();
            parser_->header_limit(static_cast<std::uint32_t>(UpstreamConnection::max_head_bytes));
            parser_->body_limit(boost::none);
            if (head_request_) parser_->skip(true);
            expire_after(timeouts_.response);
            auto [ec, n] =
                co_await bhttp::async_read_header(connection_->stream, connection_->buffer, *parser_, nothrow);
            if (!ec) {
                forget_request();
                co_return ec;
            }
            if (!may_resend_now(ec, n)) {
                failed_ = true;
                co_return classify_io_error(ec, UpstreamErrc::io_failed);
            }
            resent_ = true;
            if (auto again = co_await connect_and_write(true)) co_return again;
        }
    }

    // Once the answer has begun, the request will not be sent again.
    void forget_request() {
        head_bytes_.clear();
        head_bytes_.shrink_to_fit();
    }

    unsigned status() const override { return parser_->status(); }
    const http::Headers& headers() const override { return parser_->headers(); }
    std::optional<std::uint64_t> content_length() const override {
        if (parser_->chunked() || !parser_->content_length()) return std::nullopt;
        return *parser_->content_length();
    }
    bool no_body() const override {
        const unsigned s = parser_->status();
        return head_request_ || s == 204 || s == 304 || (s >= 100 && s < 200);
    }
    bool body_done() const override { return parser_->is_done(); }

    asio::awaitable<result<std::size_t>> read_body(std::span<char> into) override {
        auto& buffer = connection_->buffer;
        // Beast reads only capacity() - size() bytes (at least 512) at a time: room for a whole piece.
        buffer.reserve(std::min(buffer.size() + into.size(), buffer.max_size()));
        while (!parser_->is_done()) {
            parser_->body_into(into);
            expire_after(timeouts_.idle_body);
            auto [ec, n] = co_await bhttp::async_read_some(connection_->stream, buffer, *parser_, nothrow);
            if (ec == bhttp::error::need_buffer) ec = {};
            if (ec) {
                failed_ = true;
                co_return classify_io_error(ec, UpstreamErrc::io_failed);
            }
            if (const std::size_t got = parser_->body_filled(); got > 0) co_return got;
            if (into.empty()) break;  // no room given: the caller sees that the body is not done
        }
        co_return std::size_t{0};
    }

    std::span<char> relay_buffer() override { return connection_->relay_buffer(); }

    void finish() override {
        if (connection_ && !failed_ && parser_ && parser_->is_done() && parser_->keep_alive())
            pool_.release(std::move(connection_));
        connection_.reset();
    }

private:
    // Whether a failure is the one case that may go again: a kept-alive connection that gave
    // nothing back (closed by the server while idle, so the request never reached it), once.
    bool may_resend_now(const error_code& ec, std::size_t bytes_read) const {
        return may_resend_ && !resent_ && connection_reused_ && bytes_read == 0 && ec != beast::error::timeout &&
               ec != UpstreamErrc::timeout;
    }

    asio::awaitable<error_code> connect_and_write(bool fresh) {
        connection_.reset();
        const auto deadline = timeouts_.deadline;
        result<ConnectionPtr> acquired = UpstreamErrc::connect_failed;
        if (fresh)
            acquired = co_await pool_.acquire_fresh(deadline);
        else
            acquired = co_await pool_.acquire(deadline);
        if (!acquired) {
            failed_ = true;
            connection_reused_ = false;
            co_return acquired.error();
        }
        connection_ = std::move(*acquired);
        connection_reused_ = connection_->reused;
        if (head_bytes_.empty()) head_bytes_ = serialize(*head_);
        expire_after(timeouts_.response);
        const asio::const_buffer bytes = asio::buffer(head_bytes_);  // not a temporary in the co_await
        const auto ec = co_await connection_->stream.write_all(bytes);
        if (ec) {
            failed_ = true;
            co_return classify_io_error(ec, UpstreamErrc::io_failed);
        }
        failed_ = false;
        co_return ec;
    }

    void expire_after(std::chrono::milliseconds timeout) {
        const auto now = Clock::now();
        const auto limit = timeouts_.deadline - now < timeout ? timeouts_.deadline : now + timeout;
        connection_->stream.expires_at(limit);
    }

    ConnectionPool& pool_;
    CallTimeouts timeouts_;
    const RequestHead* head_;  // during start() only
    std::string head_bytes_;
    const bool chunked_;
    const bool head_request_;
    const bool may_resend_;
    bool resent_ = false;
    bool connection_reused_ = false;
    bool failed_ = false;
    ConnectionPtr connection_;
    std::unique_ptr<http::ResponseParser> parser_;  // made when the answer is awaited
};

}  // namespace

asio::awaitable<result<std::unique_ptr<UpstreamCall>>> PooledUpstreamClient::start(const RequestHead& head,
                                                                                   const CallTimeouts& timeouts) {
    auto call = std::make_unique<PooledCall>(pool_, head, timeouts);
    if (const auto ec = co_await call->begin()) co_return ec;
    co_return std::unique_ptr<UpstreamCall>(std::move(call));
}

}  // namespace icg::upstream
