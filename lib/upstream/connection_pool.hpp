#pragma once
// Keep-alive TLS connections to one upstream origin (the Intercom API): verified (SNI, host name,
// system CAs plus intercom.ca_file), reused while healthy, bounded in number and idle time, with
// TLS session resumption for new ones.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>
#include "net/resolve_within.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace icg::upstream {

struct PoolSettings {
    std::string host;  // as in the URL; an IP literal is checked against IP SANs
    std::string port = "443";
    std::size_t max_idle = 64;
    // Open connections (in use and idle) at most; requests beyond wait for one to come free, at
    // most connect_timeout. Keeps a burst of clients from becoming a burst of TLS handshakes.
    std::size_t max_connections = 256;
    std::chrono::milliseconds idle_timeout{30'000};
    std::chrono::milliseconds connect_timeout{5'000};
    std::chrono::milliseconds handshake_timeout{5'000};
    // How the host name is looked up; empty: the system's resolver. Tests give one that never answers.
    net::Lookup lookup{};
};

struct PoolStats {
    std::uint64_t connections_opened = 0;
    std::uint64_t connections_reused = 0;
    std::uint64_t sessions_resumed = 0;
    std::uint64_t waited = 0;  // requests that had to wait for a connection
    std::uint64_t wait_timeouts = 0;
    std::size_t idle = 0;
    std::size_t open = 0;
    std::size_t waiting = 0;  // requests waiting for a connection now
};

// One upstream connection, owned by one request at a time. Defined in upstream_connection.hpp.
class UpstreamConnection;

struct UpstreamConnectionDeleter {
    void operator()(UpstreamConnection* c) const noexcept;
};
using ConnectionPtr = std::unique_ptr<UpstreamConnection, UpstreamConnectionDeleter>;

class ConnectionPool {
public:
    ConnectionPool(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
                   PoolSettings settings);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    using Deadline = std::chrono::steady_clock::time_point;

    // An idle pooled connection when there is one (`reused` is then set on it), else a new one,
    // else (at max_connections) the next one given back. Waiting, resolving, connecting and the
    // handshake each keep to their timeouts in the settings, and all of them to `deadline`.
    boost::asio::awaitable<boost::system::result<ConnectionPtr>> acquire(Deadline deadline = Deadline::max());
    // The same, but never an idle pooled one: for retrying after a pooled one turned out dead.
    boost::asio::awaitable<boost::system::result<ConnectionPtr>> acquire_fresh(Deadline deadline = Deadline::max());

    // Gives back a connection whose last exchange ended cleanly and may carry another.
    void release(ConnectionPtr connection);

    // Closes idle connections once they have been idle for idle_timeout, checking every half of
    // it, until stop_idle_sweep() (or the pool's end). Without it a stale connection is found only
    // by the next acquire(), and while no call comes, every idle one keeps its descriptor.
    void start_idle_sweep();
    void stop_idle_sweep();
    // One sweep now; returns how many connections it closed.
    std::size_t close_stale_idle();

    PoolStats stats() const;
    const PoolSettings& settings() const noexcept { return settings_; }

    struct Impl;

private:
    boost::asio::awaitable<boost::system::result<ConnectionPtr>> acquire(bool allow_idle, Deadline deadline);
    boost::asio::awaitable<boost::system::result<ConnectionPtr>> connect_new(Deadline deadline);

    std::shared_ptr<Impl> impl_;
    PoolSettings settings_;
};

}  // namespace icg::upstream
