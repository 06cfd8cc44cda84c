#include "upstream/connection_pool.hpp"

#include "net/resolve_within.hpp"

#include "core/wakeup.hpp"
#include "net/tls_client_context.hpp"
#include "observability/coroutine_exit.hpp"
#include "upstream/tls_session_cache.hpp"
#include "upstream/upstream_connection.hpp"
#include "upstream/upstream_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace icg::upstream {
namespace asio = boost::asio;
using boost::system::error_code;
using boost::system::result;

void UpstreamConnectionDeleter::operator()(UpstreamConnection* c) const noexcept {
    delete c;
}

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

// A request waiting for a connection at max_connections: woken by a connection given back
// (handed over whole) or by one that ended (its slot handed over), or by its deadline.
struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : wakeup(ex) {}
    core::Wakeup wakeup;
    ConnectionPtr connection;
    bool may_connect = false;
};

enum class Grant { idle_connection, new_connection, wait };

struct ConnectionPool::Impl {
    asio::any_io_executor executor;
    std::shared_ptr<asio::ssl::context> tls;
    net::Lookup lookup;
    std::size_t max_idle = 0;
    std::size_t max_connections = 0;

    mutable std::mutex mutex;
    std::deque<ConnectionPtr> idle;  // most recently used at the back
    std::deque<std::shared_ptr<Waiter>> waiters;
    std::size_t open = 0;      // connections that exist, idle or in use
    TlsSessionCache sessions;  // so new connections resume rather than handshake in full
    PoolStats stats;
    std::shared_ptr<asio::steady_timer> sweep_timer;  // on its own strand; null while not sweeping

    // Under the lock: the idle connections idle for `idle_timeout` or longer. The oldest are at
    // the front (release() appends), so the sweep stops at the first fresh one.
    void take_stale(std::chrono::milliseconds idle_timeout, std::vector<ConnectionPtr>& stale) {
        std::lock_guard lock(mutex);
        const auto now = std::chrono::steady_clock::now();
        while (!idle.empty() && now - idle.front()->idle_since >= idle_timeout) {
            stale.push_back(std::move(idle.front()));
            idle.pop_front();
        }
    }

    static void wake(const std::shared_ptr<Waiter>& waiter) {
        core::Wakeup::wake(std::shared_ptr<core::Wakeup>(waiter, &waiter->wakeup));
    }

    // Under the lock: an idle connection, permission to open one, or a place in the queue.
    // Stale idle connections go to `stale`, to be destroyed after the lock is released (their
    // slots come back through slot_freed(), which takes the lock).
    Grant claim(bool allow_idle, std::chrono::milliseconds idle_timeout, const asio::any_io_executor& waiter_executor,
                ConnectionPtr& out, std::vector<ConnectionPtr>& stale, std::shared_ptr<Waiter>& waiter) {
        std::lock_guard lock(mutex);
        const auto now = std::chrono::steady_clock::now();
        while (allow_idle && !idle.empty()) {
            ConnectionPtr candidate = std::move(idle.back());
            idle.pop_back();
            if (now - candidate->idle_since < idle_timeout) {
                candidate->reused = true;
                ++stats.connections_reused;
                out = std::move(candidate);
                return Grant::idle_connection;
            }
            stale.push_back(std::move(candidate));  // too old: the upstream has likely closed it
        }
        if (open < max_connections) {
            ++open;
            return Grant::new_connection;
        }
        waiter = std::make_shared<Waiter>(waiter_executor);
        waiters.push_back(waiter);
        ++stats.waited;
        return Grant::wait;
    }

    // A connection ended: its slot goes to the first waiter, or back to the count.
    void slot_freed() {
        std::shared_ptr<Waiter> waiter;
        {
            std::lock_guard lock(mutex);
            if (waiters.empty()) {
                --open;
                return;
            }
            waiter = std::move(waiters.front());
            waiters.pop_front();
            waiter->may_connect = true;
        }
        wake(waiter);
    }
};

ConnectionPool::ConnectionPool(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
                               PoolSettings settings)
    : impl_(std::make_shared<Impl>()), settings_(std::move(settings)) {
    impl_->executor = std::move(executor);
    impl_->tls = std::move(tls);
    impl_->lookup = settings_.lookup ? settings_.lookup : net::system_lookup(impl_->executor);
    impl_->max_idle = settings_.max_idle;
    impl_->max_connections = std::max<std::size_t>(1, settings_.max_connections);
}

ConnectionPool::~ConnectionPool() {
    stop_idle_sweep();
}

std::size_t ConnectionPool::close_stale_idle() {
    std::vector<ConnectionPtr> stale;  // destroyed after the lock: their slots come back through it
    impl_->take_stale(settings_.idle_timeout, stale);
    return stale.size();
}

void ConnectionPool::start_idle_sweep() {
    auto timer = std::make_shared<asio::steady_timer>(asio::make_strand(impl_->executor));
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->sweep_timer) return;
        impl_->sweep_timer = timer;
    }
    const auto interval =
        std::max<std::chrono::milliseconds>(settings_.idle_timeout / 2, std::chrono::milliseconds(50));
    asio::co_spawn(
        timer->get_executor(),
        [pool = std::weak_ptr(impl_), timer, interval,
         idle_timeout = settings_.idle_timeout]() -> asio::awaitable<void> {
            for (;;) {
                timer->expires_after(interval);
                auto [ec] = co_await timer->async_wait(nothrow);
                if (ec) co_return;  // stopped
                auto impl = pool.lock();
                if (!impl) co_return;
                std::vector<ConnectionPtr> stale;
                impl->take_stale(idle_timeout, stale);
            }
        },
        observability::LogCoroutineFailure("upstream pool idle sweep"));
}

void ConnectionPool::stop_idle_sweep() {
    std::shared_ptr<asio::steady_timer> timer;
    {
        std::lock_guard lock(impl_->mutex);
        timer = std::move(impl_->sweep_timer);
    }
    // The timer is used on its strand only; a cancel from here would race its wait.
    if (timer) asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}

namespace {

// The earlier of `deadline` and `timeout` from now.
std::chrono::steady_clock::time_point within(std::chrono::milliseconds timeout,
                                             std::chrono::steady_clock::time_point deadline) {
    return std::min(std::chrono::steady_clock::now() + timeout, deadline);
}

}  // namespace

asio::awaitable<result<ConnectionPtr>> ConnectionPool::acquire(Deadline deadline) {
    return acquire(true, deadline);
}

asio::awaitable<result<ConnectionPtr>> ConnectionPool::acquire_fresh(Deadline deadline) {
    return acquire(false, deadline);
}

asio::awaitable<result<ConnectionPtr>> ConnectionPool::acquire(bool allow_idle, Deadline deadline) {
    const auto executor = co_await asio::this_coro::executor;
    ConnectionPtr connection;
    std::shared_ptr<Waiter> waiter;
    Grant grant;
    {
        std::vector<ConnectionPtr> stale;
        grant = impl_->claim(allow_idle, settings_.idle_timeout, executor, connection, stale, waiter);
    }
    if (grant == Grant::idle_connection) co_return std::move(connection);
    if (grant == Grant::wait) {
        co_await waiter->wakeup.wait(within(settings_.connect_timeout, deadline) - std::chrono::steady_clock::now());
        std::lock_guard lock(impl_->mutex);
        if (waiter->connection) {
            waiter->connection->reused = true;
            ++impl_->stats.connections_reused;
            co_return std::move(waiter->connection);
        }
        if (!waiter->may_connect) {
            std::erase(impl_->waiters, waiter);
            ++impl_->stats.wait_timeouts;
            co_return UpstreamErrc::timeout;
        }
    }
    co_return co_await connect_new(deadline);
}

asio::awaitable<result<ConnectionPtr>> ConnectionPool::connect_new(Deadline deadline) {
    // The slot was counted by claim(); it comes back when this connection ends, however it ends.
    std::weak_ptr<Impl> pool = impl_;
    auto give_back = [pool] {
        if (auto impl = pool.lock()) impl->slot_freed();
    };
    ConnectionPtr connection(
        new UpstreamConnection(impl_->executor, impl_->tls->native_handle(), std::move(give_back)));
    SSL* ssl = connection->stream.native_handle();
    if (!net::set_tls_peer_name(ssl, settings_.host)) co_return UpstreamErrc::tls_failed;
    impl_->sessions.offer(ssl, settings_.host);
    // Requests to Intercom are small, and a pooled connection keeps its write buffer: 4 KiB
    // records keep that buffer at 4 KiB instead of 17 (uploads just take more records).
    SSL_set_max_send_fragment(ssl, 4096);

    // A lookup that never answers is abandoned at the deadline (net/resolve_within.hpp).
    const auto lookup_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        within(settings_.connect_timeout, deadline) - std::chrono::steady_clock::now());
    auto resolved = co_await net::resolve_within(impl_->lookup, settings_.host, settings_.port,
                                                 std::max(lookup_timeout, std::chrono::milliseconds(0)));
    if (!resolved) co_return classify_io_error(resolved.error(), UpstreamErrc::resolve_failed);
    const net::ResolveResults endpoints = std::move(*resolved);

    auto& stream = connection->stream;
    stream.expires_at(within(settings_.connect_timeout, deadline));
    const auto connect_ec = co_await stream.connect(endpoints);
    if (connect_ec) co_return classify_io_error(connect_ec, UpstreamErrc::connect_failed);

    stream.expires_at(within(settings_.handshake_timeout, deadline));
    const auto handshake_ec = co_await stream.handshake();
    if (handshake_ec) co_return classify_io_error(handshake_ec, UpstreamErrc::tls_failed);
    stream.expires_never();

    std::lock_guard lock(impl_->mutex);
    ++impl_->stats.connections_opened;
    if (SSL_session_reused(ssl)) ++impl_->stats.sessions_resumed;
    co_return std::move(connection);
}

void ConnectionPool::release(ConnectionPtr connection) {
    if (!connection) return;
    connection->idle_since = std::chrono::steady_clock::now();
    connection->reused = false;
    connection->stream.expires_never();
    // Once a connection: its tickets have come with the first answer, and copying a session on
    // every release would cost more than the resumptions it buys.
    if (!connection->session_remembered) {
        impl_->sessions.remember(connection->stream.native_handle(), settings_.host);
        connection->session_remembered = true;
    }
    ConnectionPtr evicted;  // destroyed after the lock: its slot comes back through the lock
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(impl_->mutex);
        if (!impl_->waiters.empty()) {
            waiter = std::move(impl_->waiters.front());
            impl_->waiters.pop_front();
            waiter->connection = std::move(connection);
        } else {
            if (impl_->idle.size() >= impl_->max_idle && !impl_->idle.empty()) {
                evicted = std::move(impl_->idle.front());  // drop the stalest
                impl_->idle.pop_front();
            }
            if (impl_->max_idle > 0) impl_->idle.push_back(std::move(connection));
        }
    }
    if (waiter) Impl::wake(waiter);
}

PoolStats ConnectionPool::stats() const {
    std::lock_guard lock(impl_->mutex);
    PoolStats s = impl_->stats;
    s.idle = impl_->idle.size();
    s.open = impl_->open;
    s.waiting = impl_->waiters.size();
    return s;
}

}  // namespace icg::upstream
