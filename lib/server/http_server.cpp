#include "server/http_server.hpp"

#include "observability/access_log.hpp"
#include "observability/coroutine_exit.hpp"
#include "server/http_server_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>
#include <stdexcept>

namespace icg::server {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

HttpServer::State::State(asio::io_context& io_, std::shared_ptr<asio::ssl::context> tls_,
                         std::shared_ptr<const HandlerSource> fixed_handler_, const HandlerSource& handlers_,
                         ServerLimits limits_, observability::RequestTelemetry& telemetry_)
    : io(io_),
      plain(!tls_),
      fixed_handler(std::move(fixed_handler_)),
      handlers(handlers_),
      telemetry(telemetry_),
      limits(limits_),
      settings(std::make_shared<const ConnectionSettings>(ConnectionSettings{std::move(tls_), limits_})),
      acceptor(asio::make_strand(io_)),
      handshakes(limits_.max_handshakes_in_progress),
      reserve_descriptor(::open("/dev/null", O_RDONLY | O_CLOEXEC)) {}

HttpServer::State::~State() {
    if (reserve_descriptor >= 0) ::close(reserve_descriptor);
}

void HttpServer::State::request_finished() {
    if (--in_flight == 0 && draining) fire_drained_if_idle();
}

void HttpServer::State::fire_drained_if_idle() {
    std::function<void()> callback;
    {
        std::lock_guard lock(drained_mutex);
        if (in_flight != 0 || !on_drained || !acceptor_closed) return;
        callback = std::move(on_drained);
        on_drained = nullptr;
    }
    callback();
}

namespace {

bool out_of_descriptors(const boost::system::error_code& ec) {
    return ec == asio::error::no_descriptors || ec.value() == ENFILE;
}

// Out of descriptors, the pending connection would wait in the backlog until its client gives
// up, and the acceptor would report the same error at once, again and again. Giving back the
// reserve lets one pending connection be accepted and closed, so clients hear "no" at once.
void shed_one_pending_connection(HttpServer::State& state) {
    if (state.reserve_descriptor < 0) return;
    ::close(state.reserve_descriptor);
    state.reserve_descriptor = -1;
    const int fd = ::accept4(state.acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) ::close(fd);
    state.reserve_descriptor = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

asio::awaitable<void> accept_loop(std::shared_ptr<HttpServer::State> state) {
    std::uint64_t failures_logged = 0;
    for (;;) {
        // Each connection gets its own strand, so its handlers never run concurrently; on a single
        // thread they cannot anyway, and the strand would only add a queue and a lock per step.
        const asio::any_io_executor executor = state->limits.one_thread
                                                   ? asio::any_io_executor(state->io.get_executor())
                                                   : asio::any_io_executor(asio::make_strand(state->io));
        auto [ec, socket] = co_await state->acceptor.async_accept(executor, asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) co_return;
        if (ec) {
            // One line per burst of failures is enough: the log must not become the next problem.
            if (failures_logged++ % 1000 == 0)
                observability::log_event(
                    "warn", "accept failed: " + ec.message() + " (" + std::to_string(failures_logged) + " so far)");
            if (out_of_descriptors(ec)) shed_one_pending_connection(*state);
            // Out of descriptors stays true for a while: pause rather than spin on the error.
            asio::steady_timer pause(state->io, std::chrono::milliseconds(10));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        // Over the cap: closed at once (the client sees the connection end), never left waiting.
        if (state->open_connections.load(std::memory_order_relaxed) >= state->limits.max_connections) {
            state->refused_connections.fetch_add(1, std::memory_order_relaxed);
            boost::system::error_code ignored;
            socket.set_option(asio::socket_base::linger(true, 0), ignored);  // RST: no TIME_WAIT kept
            socket.close(ignored);
            continue;
        }
        state->open_connections.fetch_add(1, std::memory_order_relaxed);
        // Responses are written in a few pieces (head, body chunks): without this, Nagle holds the
        // last small piece back until the client's delayed ACK, some 40 ms per response.
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto socket_executor = socket.get_executor();
        asio::co_spawn(socket_executor, serve_connection(std::move(socket), state),
                       observability::LogCoroutineFailure("client connection"));
    }
}

}  // namespace

namespace {

// The same handler for every request; it outlives the server.
class FixedHandler final : public HandlerSource {
public:
    explicit FixedHandler(Handler& handler) : handler_(std::shared_ptr<Handler>(), &handler) {}
    std::shared_ptr<Handler> current() const override { return handler_; }

private:
    std::shared_ptr<Handler> handler_;  // aliasing, owning nothing
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls, const HandlerSource& handlers,
                       ServerLimits limits, observability::RequestTelemetry& telemetry)
    : state_(std::make_shared<State>(io, std::move(tls), nullptr, handlers, limits, telemetry)) {}

HttpServer::HttpServer(asio::io_context& io, std::shared_ptr<asio::ssl::context> tls, Handler& handler,
                       ServerLimits limits, observability::RequestTelemetry& telemetry) {
    auto fixed = std::make_shared<const FixedHandler>(handler);
    const HandlerSource& source = *fixed;
    state_ = std::make_shared<State>(io, std::move(tls), std::move(fixed), source, limits, telemetry);
}

void HttpServer::reconfigure(std::shared_ptr<asio::ssl::context> tls, ServerLimits limits) {
    auto next = std::make_shared<const ConnectionSettings>(
        ConnectionSettings{state_->plain ? nullptr : std::move(tls), limits});
    const std::lock_guard lock(state_->settings_mutex);
    state_->settings = std::move(next);
}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::listen(const std::string& host, std::uint16_t port) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) throw std::runtime_error("server.listen: '" + host + "' is not an IP address");
    tcp::endpoint endpoint(address, port);
    auto& acceptor = state_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("server.listen: cannot listen on " + host + ":" + std::to_string(port) + ": " +
                                 ec.message());
    return acceptor.local_endpoint().port();
}

void HttpServer::start() {
    asio::co_spawn(state_->acceptor.get_executor(), accept_loop(state_),
                   observability::StopProcessOnFailure("accept loop"));
}

void HttpServer::announce_drain() {
    state_->draining = true;
}

std::size_t HttpServer::requests_in_flight() const noexcept {
    return state_->in_flight.load();
}

ServerStats HttpServer::stats() const noexcept {
    return {.open_connections = state_->open_connections.load(std::memory_order_relaxed),
            .refused_connections = state_->refused_connections.load(std::memory_order_relaxed),
            .handshakes_in_progress = state_->handshakes.in_progress(),
            .handshakes_waiting = state_->handshakes.waiting(),
            .requests_in_flight = state_->in_flight.load(std::memory_order_relaxed)};
}

void HttpServer::drain(std::function<void()> on_closed, std::function<void()> on_drained) {
    {
        std::lock_guard lock(state_->drained_mutex);
        state_->on_drained = std::move(on_drained);
    }
    state_->draining = true;
    // The acceptor is closed on its own executor (it must not be touched beside a pending
    // accept); only then is "no new connection" true, and only after that may on_drained run.
    asio::post(state_->acceptor.get_executor(), [state = state_, on_closed = std::move(on_closed)] {
        boost::system::error_code ignored;
        state->acceptor.close(ignored);
        {
            std::lock_guard lock(state->drained_mutex);
            state->acceptor_closed = true;
        }
        if (on_closed) on_closed();
        state->fire_drained_if_idle();
    });
}

}  // namespace icg::server
