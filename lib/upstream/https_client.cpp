#include "upstream/https_client.hpp"

#include "http/message_parser.hpp"
#include "net/tls_stream.hpp"
#include "upstream/connection_pool.hpp"
#include "upstream/upstream_connection.hpp"
#include "upstream/upstream_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace icg::upstream {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using boost::system::result;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

HttpsClient::HttpsClient(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
                         std::chrono::milliseconds timeout, std::size_t max_response_bytes)
    : executor_(std::move(executor)), tls_(std::move(tls)), timeout_(timeout), max_response_bytes_(max_response_bytes) {}

HttpsClient::~HttpsClient() = default;

ConnectionPool& HttpsClient::pool_for(const std::string& host, const std::string& port) const {
    std::lock_guard lock(pools_mutex_);
    auto& pool = pools_[host + ":" + port];  // a handful of origins, all from the configuration
    if (!pool)
        pool = std::make_unique<ConnectionPool>(executor_, tls_,
                                                PoolSettings{.host = host,
                                                             .port = port,
                                                             .max_idle = max_idle,
                                                             .max_connections = max_connections,
                                                             .idle_timeout = idle_timeout,
                                                             .connect_timeout = timeout_,
                                                             .handshake_timeout = timeout_});
    return *pool;
}

asio::awaitable<result<HttpsResponse>> HttpsClient::send(HttpsRequest request) const {
    auto url = boost::urls::parse_absolute_uri(request.url);
    if (!url || url->scheme() != "https" || url->host().empty()) co_return UpstreamErrc::bad_url;
    const std::string host = url->host_address();
    const std::string port = url->has_port() ? std::string(url->port()) : "443";
    std::string target(url->encoded_target());
    if (target.empty()) target = "/";
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    ConnectionPool& pool = pool_for(host, port);

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

    for (int attempt = 0; attempt < 2; ++attempt) {
        result<ConnectionPtr> acquired = UpstreamErrc::connect_failed;
        if (attempt == 0)
            acquired = co_await pool.acquire(deadline);
        else
            acquired = co_await pool.acquire_fresh(deadline);
        if (!acquired) co_return acquired.error();
        ConnectionPtr connection = std::move(*acquired);
        // Only a kept-alive connection that fails before any answer may have been closed by the
        // server while idle, in which case the server never saw the request.
        const bool may_retry = attempt == 0 && connection->reused;
        auto& stream = connection->stream;
        stream.expires_at(deadline);

        auto [write_ec, written] = co_await bhttp::async_write(stream, out, nothrow);
        if (write_ec) {
            if (may_retry && write_ec != beast::error::timeout) continue;
            co_return classify_io_error(write_ec, UpstreamErrc::io_failed);
        }
        HttpsResponse response;
        http::ResponseParser parser;
        parser.body_limit(max_response_bytes_);
        parser.body_into_string(response.body);
        auto [read_ec, read] = co_await bhttp::async_read(stream, connection->buffer, parser, nothrow);
        if (read_ec == bhttp::error::body_limit) co_return UpstreamErrc::response_too_large;
        if (read_ec) {
            if (may_retry && read == 0 && read_ec != beast::error::timeout) continue;
            co_return classify_io_error(read_ec, UpstreamErrc::io_failed);
        }

        response.status = parser.status();
        response.headers = std::move(parser.headers());
        if (parser.keep_alive()) pool.release(std::move(connection));
        co_return response;
    }
    co_return UpstreamErrc::io_failed;
}

}  // namespace icg::upstream
