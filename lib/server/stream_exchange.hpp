#pragma once
// The server's Exchange over one connection (TLS or plain): the request body is parsed into the caller's
// buffers, a streamed answer goes through Beast's buffer_body serializer, and a complete answer
// is written out directly.
// Private to server/.
#include "http/message_parser.hpp"
#include "net/plain_stream.hpp"
#include "net/tls_stream.hpp"
#include "server/exchange.hpp"
#include "server/server_limits.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>

#include <optional>

namespace icg::server {

// Defined for net::TlsStream and net::PlainStream (stream_exchange.cpp).
template <class Stream>
class StreamExchange final : public Exchange {
public:
    using RequestParser = http::RequestParser;

    StreamExchange(Stream& stream, boost::beast::flat_buffer& buffer, RequestParser& parser, bool keep_alive,
                   bool head_request, const ServerLimits& limits);

    std::optional<std::uint64_t> request_content_length() const override;
    bool request_body_done() const override { return parser_.is_done(); }
    boost::asio::awaitable<boost::system::result<std::size_t>> read_request_body(std::span<char> into) override;

    boost::asio::awaitable<boost::system::error_code> write_response(ResponseHead head,
                                                                     std::span<const char> body) override;
    boost::asio::awaitable<boost::system::error_code> write_response_head(ResponseHead head) override;
    boost::asio::awaitable<boost::system::error_code> write_response_body(std::span<const char> data) override;
    boost::asio::awaitable<boost::system::error_code> finish_response() override;
    boost::asio::awaitable<void> respond(http::Response response) override;
    bool response_started() const override { return started_; }

    // For the access log and the keep-alive decision.
    unsigned status() const noexcept { return status_; }
    std::uint64_t bytes_in() const noexcept { return bytes_in_; }
    std::uint64_t bytes_out() const noexcept { return bytes_out_; }
    const std::string& log_note() const noexcept { return log_note_; }
    const std::string& request_id() const noexcept { return request_id_; }
    std::optional<std::chrono::microseconds> upstream_time() const noexcept { return upstream_time_; }
    // Why the request body could not be read to its end, if it could not.
    const boost::system::error_code& request_body_error() const noexcept { return request_body_error_; }
    // The connection can carry another request only if both messages ended cleanly.
    bool reusable() const noexcept { return finished_ && !failed_ && parser_.is_done(); }

private:
    // An answer given before the request body was read to its end (a refusal, an early error)
    // ends the connection, and says so: the unread rest cannot be told from a next request.
    bool keeps_alive() const noexcept { return keep_alive_ && parser_.is_done(); }
    void begin_response(ResponseHead& head);    // the facts for the access log
    void prepare_response(ResponseHead& head);  // and Beast's message, for a streamed answer

    using Response = boost::beast::http::response<boost::beast::http::buffer_body>;
    using Serializer = boost::beast::http::response_serializer<boost::beast::http::buffer_body>;

    Stream& stream_;
    boost::beast::flat_buffer& buffer_;
    RequestParser& parser_;
    bool keep_alive_;
    bool head_request_;
    const ServerLimits& limits_;

    std::optional<Response> response_;
    std::optional<Serializer> serializer_;
    bool started_ = false;
    bool no_body_ = false;
    bool finished_ = false;
    bool failed_ = false;
    unsigned status_ = 0;
    std::uint64_t bytes_in_ = 0;
    std::uint64_t bytes_out_ = 0;
    std::string log_note_;
    std::string request_id_;
    std::optional<std::chrono::microseconds> upstream_time_;
    boost::system::error_code request_body_error_;
};

}  // namespace icg::server
