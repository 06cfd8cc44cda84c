#include "upstream/connection_pool.hpp"

#include "upstream/upstream_connection.hpp"
#include "upstream/tls_client_context.hpp"
#include "upstream/upstream_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <deque>
#include <mutex>

namespace icg::upstream {
namespace asio = boost::asio;
using boost::system::error_code;
using boost::system::result;

void UpstreamConnectionDeleter::operator()(UpstreamConnection* c) const noexcept { delete c; }

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

struct SessionDeleter {
    void operator()(SSL_SESSION* s) const noexcept { SSL_SESSION_free(s); }
};
using SessionPtr = std::unique_ptr<SSL_SESSION, SessionDeleter>;



}  // namespace

struct ConnectionPool::Impl {
    asio::any_io_executor executor;
    std::shared_ptr<asio::ssl::context> tls;

    mutable std::mutex mutex;
    std::deque<ConnectionPtr> idle;  // most recently used at the back
    SessionPtr session;              // the last resumable TLS session
    PoolStats stats;
};

ConnectionPool::ConnectionPool(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
                               PoolSettings settings)
    : impl_(std::make_unique<Impl>()), settings_(std::move(settings)) {
    impl_->executor = std::move(executor);
    impl_->tls = std::move(tls);
}

ConnectionPool::~ConnectionPool() = default;

asio::awaitable<result<ConnectionPtr>> ConnectionPool::acquire() {
    {
        std::lock_guard lock(impl_->mutex);
        const auto now = std::chrono::steady_clock::now();
        while (!impl_->idle.empty()) {
            ConnectionPtr candidate = std::move(impl_->idle.back());
            impl_->idle.pop_back();
            if (now - candidate->idle_since < settings_.idle_timeout) {
                candidate->reused = true;
                ++impl_->stats.connections_reused;
                co_return std::move(candidate);
            }
            // Too old: the upstream has likely closed it; drop it (and older ones on the next loop).
        }
    }
    co_return co_await connect_new();
}

asio::awaitable<result<ConnectionPtr>> ConnectionPool::connect_new() {
    ConnectionPtr connection(new UpstreamConnection(impl_->executor, *impl_->tls));
    SSL* ssl = connection->stream.native_handle();
    if (!set_tls_peer_name(ssl, settings_.host)) co_return UpstreamErrc::tls_failed;
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->session) SSL_set_session(ssl, impl_->session.get());
    }

    asio::ip::tcp::resolver resolver(impl_->executor);
    asio::steady_timer resolve_timer(impl_->executor, settings_.connect_timeout);
    resolve_timer.async_wait([&resolver](error_code ec) {
        if (!ec) resolver.cancel();
    });
    auto [resolve_ec, endpoints] = co_await resolver.async_resolve(settings_.host, settings_.port, nothrow);
    resolve_timer.cancel();
    if (resolve_ec) co_return classify_io_error(resolve_ec, UpstreamErrc::resolve_failed);

    auto& tcp = connection->stream.next_layer();
    tcp.expires_after(settings_.connect_timeout);
    auto [connect_ec, endpoint] = co_await tcp.async_connect(endpoints, nothrow);
    if (connect_ec) co_return classify_io_error(connect_ec, UpstreamErrc::connect_failed);
    tcp.socket().set_option(asio::ip::tcp::no_delay(true));

    tcp.expires_after(settings_.handshake_timeout);
    auto [handshake_ec] = co_await connection->stream.async_handshake(asio::ssl::stream_base::client, nothrow);
    if (handshake_ec) co_return classify_io_error(handshake_ec, UpstreamErrc::tls_failed);
    tcp.expires_never();

    std::lock_guard lock(impl_->mutex);
    ++impl_->stats.connections_opened;
    if (SSL_session_reused(ssl)) ++impl_->stats.sessions_resumed;
    co_return std::move(connection);
}

void ConnectionPool::release(ConnectionPtr connection) {
    if (!connection) return;
    connection->idle_since = std::chrono::steady_clock::now();
    connection->reused = false;
    connection->stream.next_layer().expires_never();
    // After a full exchange TLS 1.3 tickets have arrived, so the session is worth keeping.
    SessionPtr session(SSL_get1_session(connection->stream.native_handle()));
    std::lock_guard lock(impl_->mutex);
    if (session && SSL_SESSION_is_resumable(session.get())) impl_->session = std::move(session);
    if (impl_->idle.size() >= settings_.max_idle) impl_->idle.pop_front();  // drop the stalest
    impl_->idle.push_back(std::move(connection));
}

PoolStats ConnectionPool::stats() const {
    std::lock_guard lock(impl_->mutex);
    PoolStats s = impl_->stats;
    s.idle = impl_->idle.size();
    return s;
}

}  // namespace icg::upstream
