#include "upstream/https_client.hpp"

#include "upstream/connection_pool.hpp"
#include "upstream/pooled_upstream_client.hpp"
#include "upstream/upstream_error.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/url/parse.hpp>

namespace icg::upstream {
namespace asio = boost::asio;
using boost::system::result;

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
    // Built in one go: assigning "/" afterwards trips GCC 12's -Wrestrict false positive at -O3.
    const std::string target = url->encoded_target().empty() ? std::string(1, '/') : std::string(url->encoded_target());
    PooledUpstreamClient upstream(pool_for(host, port));

    http::Headers fields;
    fields.add("Host", url->has_port() ? url->encoded_host_and_port() : url->encoded_host());
    fields.add("User-Agent", "intercom-gateway");
    for (const auto& field : request.headers) fields.add(field.name, field.value);
    // The body is held whole, so a call that meets a kept-alive connection the server had closed
    // (nothing comes back) can go again on a new one: the server never saw it.
    const RequestHead head{.method = request.method,
                           .target = target,
                           .fields = fields,
                           .content_length = request.body.size(),
                           .whole_body = request.body,
                           .resend_if_stale = true};
    const CallTimeouts timeouts{.response = timeout_,
                                .idle_body = timeout_,
                                .deadline = std::chrono::steady_clock::now() + timeout_};

    auto started = co_await upstream.start(head, timeouts);
    if (!started) co_return started.error();
    UpstreamCall& call = **started;
    if (const auto ec = co_await call.read_head()) co_return ec;
    HttpsResponse response;
    response.status = call.status();
    response.headers = call.headers();
    const std::span<char> piece = call.relay_buffer();
    for (;;) {
        auto got = co_await call.read_body(piece);
        if (!got) co_return got.error();
        if (*got == 0) break;
        if (response.body.size() + *got > max_response_bytes_) co_return UpstreamErrc::response_too_large;
        response.body.append(piece.data(), *got);
    }
    call.finish();
    co_return response;
}

}  // namespace icg::upstream
