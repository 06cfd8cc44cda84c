// One client connection: the TLS handshake (when the listener speaks TLS), then keep-alive
// requests read, handled and answered in turn. Written once for both streams, as Beast's
// server-flex does: Connection<net::TlsStream> and Connection<net::PlainStream>.
#include "http/http_date.hpp"
#include "http/message_parser.hpp"
#include "net/peer_names.hpp"
#include "net/plain_stream.hpp"
#include "net/tls_stream.hpp"
#include "observability/access_log.hpp"
#include "server/handler.hpp"
#include "server/http_server_state.hpp"
#include "server/plain_http_refusal.hpp"
#include "server/stream_exchange.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <optional>
#include <type_traits>

namespace icg::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

std::string remote_of(const asio::ip::tcp::socket& socket) {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : ep.address().to_string();
}

// A client that went away gets no answer; one that stalled or sent a broken body is told so.
bool client_gone(const boost::system::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == asio::error::eof ||
           ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::operation_aborted;
}

// The answer for a request body that could not be read to its end: 408 when it stalled past the
// read deadline, 400 when it was malformed or overflowed the read buffer, none when the client left.
unsigned body_failure_status(const boost::system::error_code& ec) {
    if (client_gone(ec)) return 0;
    if (ec == beast::error::timeout) return 408;
    return 400;
}

http::Response plain_error(unsigned status, std::string_view text) {
    http::Response r;
    r.status = status;
    r.headers.add("Content-Type", "text/plain; charset=utf-8");
    r.body = std::string(text) + "\n";
    return r;
}

template <class Stream>
Stream make_stream(asio::ip::tcp::socket socket, const ConnectionSettings& settings) {
    if constexpr (std::is_same_v<Stream, net::TlsStream>)
        return Stream(std::move(socket), settings.tls->native_handle(), net::TlsRole::server);
    else
        return Stream(std::move(socket));
}

template <class Stream>
class Connection {
public:
    using RequestParser = http::RequestParser;
    static constexpr bool tls = std::is_same_v<Stream, net::TlsStream>;

    Connection(asio::ip::tcp::socket socket, std::shared_ptr<HttpServer::State> state)
        : remote_(remote_of(socket)),
          state_(std::move(state)),
          settings_(state_->connection_settings()),
          stream_(make_stream<Stream>(std::move(socket), *settings_)),
          buffer_(settings_->limits.max_read_buffer_bytes()) {}

    asio::awaitable<void> run() {
        const auto& limits = settings_->limits;
        if constexpr (tls) {
            // Only a client that has spoken queues for a place, so connections that stay silent
            // (scanners, slowloris) never hold one; and a place is waited for a second at most,
            // so clients that stall mid-handshake delay others by no more than that.
            // A connection that sends nothing is dropped sooner than one that has begun.
            stream_.expires_after(limits.first_byte_timeout());
            if (co_await stream_.wait_readable()) co_return;
            if (plain_http_waiting(stream_)) {
                started_ = std::chrono::steady_clock::now();
                stream_.expires_after(limits.first_byte_timeout());
                co_await refuse_plain_http(stream_);
                log_request(http::Request{}, 400, 0, 0, "plain_http_on_tls_port");
                co_return;
            }
            stream_.expires_after(limits.handshake_timeout);
            auto place = co_await state_->handshakes.enter(std::chrono::seconds(1));
            const auto handshake_ec = co_await stream_.handshake();
            if (handshake_ec) co_return;  // scanners, timeouts: nothing to say
            peer_names_ = net::verified_peer_names(stream_.native_handle());
        }

        bool first = true;
        while (co_await serve_one(first)) first = false;

        stream_.expires_after(std::chrono::seconds(2));
        co_await stream_.shutdown();
    }

private:
    // Returns whether the connection stays open for another request.
    asio::awaitable<bool> serve_one(bool first) {
        const auto& limits = settings_->limits;
        route_ = observability::RouteGroup::other;  // until a handler names it
        RequestParser parser;
        parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
        parser.eager(false);
        parser.body_limit(boost::none);  // route limits are checked against Content-Length below

        stream_.expires_after(first ? limits.read_timeout : limits.idle_timeout);
        auto [ec, header_bytes] = co_await bhttp::async_read_header(stream_, buffer_, parser, nothrow);
        if (ec == bhttp::error::header_limit) {
            co_await reply_error(431, "Request header fields too large", nullptr);
            co_return false;
        }
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
            ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset ||
            ec == asio::error::operation_aborted)
            co_return false;
        if (ec) {  // malformed or faulty framing (http/framing_error.hpp)
            const std::string text = "Bad request: " + ec.message();
            co_await reply_error(400, text, nullptr);
            co_return false;
        }

        state_->in_flight++;
        struct Finished {
            HttpServer::State& s;
            ~Finished() { s.request_finished(); }
        } finished{*state_};
        started_ = std::chrono::steady_clock::now();

        http::Request& request = parser.request();
        request.remote_address = remote_;
        request.peer_names = peer_names_;
        bytes_in_ = header_bytes;

        if (request.target.empty() || request.target.front() != '/') {
            co_await reply_error(400, "Only origin-form request targets are served", &request);
            co_return false;
        }

        const bool wants_keep_alive = parser.keep_alive();
        // Taken once: the whole request is served by it, whatever a reload does meanwhile.
        const std::shared_ptr<Handler> handler = state_->handlers.current();
        route_ = handler->route_group(request);
        // Each kind of request has its own coroutine, so its parser, exchange and response exist
        // only while it runs: a connection waiting for its next request holds just this frame.
        if (handler->streams(request)) co_return co_await serve_streamed(*handler, request, parser, wants_keep_alive);
        co_return co_await serve_buffered(*handler, request, parser, wants_keep_alive);
    }

    // A route that relays bodies in pieces (the proxy). Returns whether the connection stays open.
    asio::awaitable<bool> serve_streamed(Handler& handler, http::Request& request, RequestParser& parser,
                                         bool wants_keep_alive) {
        const bool keep_alive = wants_keep_alive && !state_->draining;
        StreamExchange<Stream> exchange(stream_, buffer_, parser, keep_alive, request.method == "HEAD",
                                        settings_->limits);
        co_await handler.handle_stream(request, exchange);
        if (!exchange.response_started()) {
            // A request body that broke mid-relay is the client's doing, not the gateway's.
            const auto body_ec = exchange.request_body_error();
            const unsigned status = body_ec ? body_failure_status(body_ec) : 500;
            if (status != 0) {
                const std::string text = body_ec ? "Bad request body: " + body_ec.message() : "No response";
                http::Response fallback = plain_error(status, text);
                fallback.log_note = body_ec ? "request_body_failed" : "no_response";
                co_await exchange.respond(std::move(fallback));
            }
        }
        log_request(request, exchange.status(), bytes_in_ + exchange.bytes_in(), exchange.bytes_out(),
                    exchange.log_note(), exchange.request_id(), exchange.upstream_time());
        bytes_in_ = 0;
        co_return keep_alive&& exchange.reusable();
    }

    // A route that takes its whole (bounded) body and answers at once. Returns whether the
    // connection stays open.
    asio::awaitable<bool> serve_buffered(Handler& handler, http::Request& request, RequestParser& parser,
                                         bool wants_keep_alive) {
        const auto& limits = settings_->limits;
        const std::size_t limit = handler.body_limit(request.method, request.path());
        if (auto length = parser.content_length(); length && *length > limit) {
            co_await reply_error(413, "Request body too large", &request);
            co_return false;
        }
        if (!parser.is_done()) {
            parser.body_limit(limit);
            parser.body_into_string(request.body);
            // Beast reads at most the buffer's spare capacity (at least 512 bytes) at a time.
            buffer_.reserve(std::min(buffer_.size() + ServerLimits::body_read_room, buffer_.max_size()));
            stream_.expires_after(limits.read_timeout);
            auto [body_ec, body_bytes] = co_await bhttp::async_read(stream_, buffer_, parser, nothrow);
            bytes_in_ += body_bytes;
            if (body_ec == bhttp::error::body_limit) {
                co_await reply_error(413, "Request body too large", &request);
                co_return false;
            }
            if (body_ec) {
                co_await reply_body_failure(body_ec, request);
                co_return false;
            }
        }

        const bool keep_alive = wants_keep_alive && !state_->draining;
        http::Response response = co_await handler.handle(request);
        const bool written = co_await reply_and_log(std::move(response), &request, keep_alive);
        co_return written&& keep_alive;
    }

    asio::awaitable<void> reply_body_failure(const boost::system::error_code& ec, const http::Request& request) {
        const unsigned status = body_failure_status(ec);
        if (status == 0) co_return;
        const std::string text = "Bad request body: " + ec.message();
        co_await reply_error(status, text, &request);
    }

    // Answers an error and closes; the Response is built here, not as a temporary in the
    // caller's co_await expression (GCC 12 mishandles those).
    asio::awaitable<void> reply_error(unsigned status, std::string_view text, const http::Request* request) {
        http::Response response = plain_error(status, text);
        co_await reply_and_log(std::move(response), request, false);
    }

    asio::awaitable<bool> reply_and_log(http::Response response, const http::Request* request, bool keep_alive) {
        if (!request) started_ = std::chrono::steady_clock::now();
        const bool head = request && request->method == "HEAD";
        std::uint64_t bytes_out = 0;
        std::optional<bool> ok;  // set once a response went out (or failed to)
        if (!response.file_path.empty()) {
            bhttp::file_body::value_type file;
            beast::error_code open_ec;
            file.open(response.file_path.c_str(), beast::file_mode::scan, open_ec);
            if (open_ec) {
                response = plain_error(404, "Not found");
            } else {
                bhttp::response<bhttp::file_body> out{bhttp::status(response.status), 11};
                fill_headers(out, response, keep_alive);
                out.content_length(file.size());
                bytes_out = head ? 0 : file.size();
                out.body() = std::move(file);
                ok = co_await send(out, head);
            }
        }
        if (!ok) {
            bhttp::response<bhttp::string_body> out{bhttp::status(response.status), 11};
            fill_headers(out, response, keep_alive);
            bytes_out = head ? 0 : response.body.size();
            out.body() = std::move(response.body);
            if (response.chunked)
                out.chunked(true);
            else if (!http::status_has_no_content(response.status))
                out.prepare_payload();  // a 204 gets no Content-Length: 0 either
            ok = co_await send(out, head);
        }
        log_request(request ? *request : http::Request{}, response.status, bytes_in_, bytes_out, response.log_note);
        bytes_in_ = 0;
        co_return *ok;
    }

    void log_request(const http::Request& request, unsigned status, std::uint64_t bytes_in, std::uint64_t bytes_out,
                     std::string_view note, std::string_view request_id = {},
                     std::optional<std::chrono::microseconds> upstream_time = std::nullopt) {
        const auto duration =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
        state_->telemetry.request_finished(route_, status, duration);
        if (!settings_->limits.access_log) return;
        observability::write_access_log({
            .remote = remote_,
            .method = request.method.empty() ? std::string_view("-") : std::string_view(request.method),
            .path = request.target.empty() ? std::string_view("-") : request.path(),
            .status = status,
            .bytes_in = bytes_in,
            .bytes_out = bytes_out,
            .duration = duration,
            .note = note,
            .request_id = request_id,
            .upstream_time = upstream_time,
            .caller = request.log_caller,
            .workspace = request.log_workspace,
        });
    }

    template <class Message>
    static void fill_headers(Message& out, const http::Response& response, bool keep_alive) {
        for (const auto& field : response.headers) out.insert(field.name, field.value);
        if (out.find(bhttp::field::date) == out.end()) out.set(bhttp::field::date, http::http_date_now());
        out.keep_alive(keep_alive);
    }

    template <class Message>
    asio::awaitable<bool> send(Message& message, bool head_only) {
        stream_.expires_after(settings_->limits.write_timeout);
        if (head_only) {
            bhttp::serializer<false, typename Message::body_type> serializer(message);
            auto [ec, n] = co_await bhttp::async_write_header(stream_, serializer, nothrow);
            co_return !ec;
        }
        auto [ec, n] = co_await bhttp::async_write(stream_, message, nothrow);
        co_return !ec;
    }

    std::string remote_;
    std::shared_ptr<const std::vector<std::string>> peer_names_;  // a verified client certificate's names
    std::shared_ptr<HttpServer::State> state_;
    std::shared_ptr<const ConnectionSettings> settings_;  // this connection's, whatever reloads come
    Stream stream_;
    beast::flat_buffer buffer_;
    std::chrono::steady_clock::time_point started_;
    observability::RouteGroup route_ = observability::RouteGroup::other;  // the request being served
    std::uint64_t bytes_in_ = 0;
};

}  // namespace

asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, std::shared_ptr<HttpServer::State> state) {
    // Counted from accept to the end, whatever the end: the connection cap depends on it.
    // It keeps the state alive itself: it outlives the connection, which lets go of its own share.
    struct Open {
        std::shared_ptr<HttpServer::State> s;
        ~Open() { s->open_connections.fetch_sub(1, std::memory_order_relaxed); }
    } open{state};
    if (!state->plain) {
        Connection<net::TlsStream> connection(std::move(socket), std::move(state));
        co_await connection.run();
    } else {
        Connection<net::PlainStream> connection(std::move(socket), std::move(state));
        co_await connection.run();
    }
}

}  // namespace icg::server
