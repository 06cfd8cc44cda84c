#include "upstream/https_client.hpp"

#include "net/tls_stream.hpp"
#include "upstream/tls_client_context.hpp"
#include "upstream/tls_session_cache.hpp"
#include "upstream/upstream_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace icg::upstream {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using boost::system::result;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

HttpsClient::HttpsClient(std::shared_ptr<asio::ssl::context> tls, std::chrono::milliseconds timeout,
                         std::size_t max_response_bytes)
    : tls_(std::move(tls)),
      sessions_(std::make_shared<TlsSessionCache>()),
      timeout_(timeout),
      max_response_bytes_(max_response_bytes) {}

asio::awaitable<result<HttpsResponse>> HttpsClient::send(HttpsRequest request) const {
    auto url = boost::urls::parse_absolute_uri(request.url);
    if (!url || url->scheme() != "https" || url->host().empty()) co_return UpstreamErrc::bad_url;
    const std::string host = url->host_address();
    const std::string port = url->has_port() ? std::string(url->port()) : "443";
    std::string target(url->encoded_target());
    if (target.empty()) target = "/";

    auto executor = co_await asio::this_coro::executor;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;

    // The resolver has no deadline of its own: a timer cancels it.
    asio::ip::tcp::resolver resolver(executor);
    asio::steady_timer resolve_timer(executor, deadline);
    resolve_timer.async_wait([&resolver](error_code ec) {
        if (!ec) resolver.cancel();
    });
    auto [resolve_ec, endpoints] = co_await resolver.async_resolve(host, port, nothrow);
    resolve_timer.cancel();
    if (resolve_ec) co_return classify_io_error(resolve_ec, UpstreamErrc::resolve_failed);

    net::TlsStream stream(executor, tls_->native_handle(), net::TlsRole::client);
    if (!set_tls_peer_name(stream.native_handle(), host)) co_return UpstreamErrc::tls_failed;
    const std::string origin = host + ":" + port;
    sessions_->offer(stream.native_handle(), origin);
    stream.expires_at(deadline);

    const auto connect_ec = co_await stream.connect(endpoints);
    if (connect_ec) co_return classify_io_error(connect_ec, UpstreamErrc::connect_failed);
    const auto handshake_ec = co_await stream.handshake();
    if (handshake_ec) co_return classify_io_error(handshake_ec, UpstreamErrc::tls_failed);

    bhttp::request<bhttp::string_body> out;
    out.version(11);
    const auto verb = bhttp::string_to_verb(request.method);
    if (verb == bhttp::verb::unknown)
        out.method_string(request.method);
    else
        out.method(verb);
    out.target(target);
    out.set(bhttp::field::host, std::string(url->has_port() ? url->encoded_host_and_port() : url->encoded_host()));
    out.set(bhttp::field::user_agent, "intercom-gateway");
    for (const auto& field : request.headers) out.set(field.name, field.value);
    out.body() = std::move(request.body);
    out.prepare_payload();
    out.keep_alive(false);

    auto [write_ec, written] = co_await bhttp::async_write(stream, out, nothrow);
    if (write_ec) co_return classify_io_error(write_ec, UpstreamErrc::io_failed);

    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_response_bytes_);
    auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, nothrow);
    if (read_ec == bhttp::error::body_limit) co_return UpstreamErrc::response_too_large;
    if (read_ec) co_return classify_io_error(read_ec, UpstreamErrc::io_failed);

    sessions_->remember(stream.native_handle(), origin);
    auto message = parser.release();
    HttpsResponse response;
    response.status = message.result_int();
    for (const auto& field : message)
        response.headers.add(std::string(field.name_string()), std::string(field.value()));
    response.body = std::move(message.body());
    // We asked for Connection: close and have the whole answer; no need to wait for close_notify.
    error_code ignored;
    stream.socket().close(ignored);
    co_return response;
}

}  // namespace icg::upstream
