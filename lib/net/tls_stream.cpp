#include "net/tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace icg::net {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// The socket BIO, but sending with MSG_NOSIGNAL: a peer that went away is an error to report,
// not a SIGPIPE that ends the process (OpenSSL's own socket BIO uses write()).

bool would_block(int error) {
    return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

int socket_bio_write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    const auto* state = static_cast<const TlsStream::SocketBioState*>(BIO_get_data(bio));
    const ssize_t n = ::send(state->fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (would_block(errno)) BIO_set_retry_write(bio);
    return -1;
}

int socket_bio_read(BIO* bio, char* data, int size) {
    BIO_clear_retry_flags(bio);
    auto* state = static_cast<TlsStream::SocketBioState*>(BIO_get_data(bio));
    if (state->inbox_size > 0) {
        const std::size_t n = std::min(state->inbox_size, static_cast<std::size_t>(size));
        std::memcpy(data, state->inbox, n);
        state->inbox += n;
        state->inbox_size -= n;
        state->drained = state->inbox_size == 0 && state->inbox_drained_socket;
        return static_cast<int>(n);
    }
    const ssize_t n = ::recv(state->fd, data, static_cast<std::size_t>(size), 0);
    // OpenSSL reads ahead, asking for more than a record: less than asked means nothing is left.
    state->drained = n < size;
    if (n >= 0) return static_cast<int>(n);  // 0: the peer closed its side
    if (would_block(errno)) BIO_set_retry_read(bio);
    return -1;
}

long socket_bio_ctrl(BIO*, int command, long, void*) {
    return command == BIO_CTRL_FLUSH ? 1 : 0;  // nothing is buffered here
}

const BIO_METHOD* socket_bio_method() {
    static const BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "icg socket");
        if (!m || BIO_meth_set_write(m, socket_bio_write) != 1 || BIO_meth_set_read(m, socket_bio_read) != 1 ||
            BIO_meth_set_ctrl(m, socket_bio_ctrl) != 1)
            throw std::runtime_error("cannot create the OpenSSL socket BIO method");
        return m;
    }();
    return method;
}

// SSL_get_error needs an empty error queue, and errors are cleared where they are read; but other
// OpenSSL users on this thread may leave some. Peeking is much cheaper than OpenSSL 3's clear.
void clear_errors() {
    if (ERR_peek_error() != 0) ERR_clear_error();
}

}  // namespace

// Wakes at the deadline and cancels the socket's waits. Shared with its own pending wait, so a
// stream can go while the timer is still armed. Pushing the deadline later costs nothing: the
// timer wakes at the old one and sleeps on; only an earlier deadline re-arms it.
struct TlsStream::Watchdog {
    explicit Watchdog(const executor_type& executor) : timer(executor) {}

    static constexpr Clock::time_point never = Clock::time_point::max();
    asio::steady_timer timer;
    Clock::time_point deadline = never;
    Clock::time_point armed_until = never;  // never: no wait pending
    std::uint64_t generation = 0;           // a wait superseded by a later arm() does nothing
    Socket* socket = nullptr;               // null once the stream is gone
    bool fired = false;

    static void arm(const std::shared_ptr<Watchdog>& self) {
        const std::uint64_t current = ++self->generation;
        self->armed_until = self->deadline;
        self->timer.expires_at(self->deadline);
        self->timer.async_wait([self, current](const error_code&) {
            if (current == self->generation) on_wake(self);
        });
    }

    static void on_wake(const std::shared_ptr<Watchdog>& self) {
        self->armed_until = never;
        if (!self->socket || self->deadline == never) return;
        if (Clock::now() < self->deadline) return arm(self);  // the deadline moved on meanwhile
        self->fired = true;
        error_code ignored;
        self->socket->cancel(ignored);
    }
};

void TlsStream::SslFree::operator()(ssl_st* ssl) const noexcept {
    SSL_free(ssl);
}

TlsStream::TlsStream(Socket socket, ssl_ctx_st* context, TlsRole role)
    : TlsStream(socket.get_executor(), context, role) {
    socket_ = std::move(socket);
    attach_socket();
}

TlsStream::TlsStream(executor_type executor, ssl_ctx_st* context, TlsRole role)
    : socket_(executor), ssl_(SSL_new(context)), watchdog_(std::make_shared<Watchdog>(executor)) {
    if (!ssl_) throw std::runtime_error("SSL_new failed");
    watchdog_->socket = &socket_;
    // Partial writes let a write report each record sent; the moving buffer lets a retried write
    // come from a gathered copy.
    SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Clients of the gateway are many and mostly idle: their record buffers (some 34 KiB) are
    // given back between records. Upstream connections are few and busy: they keep theirs rather
    // than allocate and free 17 KiB twice a request.
    if (role == TlsRole::server)
        SSL_set_mode(ssl_.get(), SSL_MODE_RELEASE_BUFFERS);
    else
        SSL_clear_mode(ssl_.get(), SSL_MODE_RELEASE_BUFFERS);
    if (role == TlsRole::client) inbox_capacity_ = 4 * 1024;  // an API answer's head and small body
    // Read whole records in one recv rather than header and body apart.
    SSL_set_read_ahead(ssl_.get(), 1);
    if (role == TlsRole::server)
        SSL_set_accept_state(ssl_.get());
    else
        SSL_set_connect_state(ssl_.get());
}

TlsStream::~TlsStream() {
    watchdog_->socket = nullptr;
    if (watchdog_->armed_until != Watchdog::never) watchdog_->timer.cancel();
}

void TlsStream::attach_socket() {
    if (attached_) return;
    socket_.non_blocking(true);
    BIO* bio = BIO_new(socket_bio_method());
    if (!bio) throw std::runtime_error("BIO_new failed");
    bio_state_.fd = socket_.native_handle();
    BIO_set_data(bio, &bio_state_);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl_.get(), bio, bio);  // one reference, taken by the SSL object
    attached_ = true;
}

asio::mutable_buffer TlsStream::inbox() {
    if (!inbox_) inbox_ = std::make_unique<char[]>(inbox_capacity_);
    return {inbox_.get(), inbox_capacity_};
}

void TlsStream::received(std::size_t bytes) noexcept {
    bio_state_.inbox = inbox_.get();
    bio_state_.inbox_size = bytes;
    bio_state_.inbox_drained_socket = bytes < inbox_capacity_;
    bio_state_.drained = false;
}

bool TlsStream::read_would_block() const noexcept {
    return bio_state_.drained && SSL_has_pending(ssl_.get()) == 0;
}

void TlsStream::expires_after(Clock::duration timeout) {
    expires_at(Clock::now() + timeout);
}

void TlsStream::expires_at(Clock::time_point deadline) {
    watchdog_->deadline = deadline;
    watchdog_->fired = false;
}

void TlsStream::expires_never() {
    expires_at(Clock::time_point::max());
}

void TlsStream::watch() {
    if (watchdog_->deadline == Watchdog::never || watchdog_->armed_until <= watchdog_->deadline) return;
    Watchdog::arm(watchdog_);
}

error_code TlsStream::waited(const error_code& wait_ec) const {
    if (wait_ec == asio::error::operation_aborted && watchdog_->fired) return boost::beast::error::timeout;
    return wait_ec;
}

TlsStream::Attempt TlsStream::outcome_of(int ret, std::size_t bytes, int saved_errno) {
    switch (SSL_get_error(ssl_.get(), ret)) {
        case SSL_ERROR_NONE:
            return {bytes, {}, Want::nothing};
        case SSL_ERROR_WANT_READ:
            return {0, {}, Want::readable};
        case SSL_ERROR_WANT_WRITE:
            return {0, {}, Want::writable};
        case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify: a clean end
            return {0, asio::error::eof, Want::nothing};
        case SSL_ERROR_SYSCALL:
            broken_ = true;
            ERR_clear_error();
            if (saved_errno == 0) return {0, asio::ssl::error::stream_truncated, Want::nothing};
            return {0, error_code(saved_errno, boost::system::system_category()), Want::nothing};
        default: {
            broken_ = true;
            const unsigned long error = ERR_peek_last_error();
            ERR_clear_error();
            if (ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                return {0, asio::ssl::error::stream_truncated, Want::nothing};
            return {0, error_code(static_cast<int>(error), asio::error::get_ssl_category()), Want::nothing};
        }
    }
}

TlsStream::Attempt TlsStream::read_into(void* data, std::size_t size) {
    if (size == 0) return {};
    if (broken_) return {0, asio::error::broken_pipe, Want::nothing};
    clear_errors();
    errno = 0;
    std::size_t got = 0;
    const int ret = SSL_read_ex(ssl_.get(), data, std::min<std::size_t>(size, INT_MAX), &got);
    return outcome_of(ret, got, errno);
}

char* TlsStream::gather_scratch() noexcept {
    thread_local std::array<char, max_record> scratch;
    return scratch.data();
}

TlsStream::Attempt TlsStream::write_from(asio::const_buffer& from) {
    if (from.size() == 0) return {};
    if (broken_) return {0, asio::error::broken_pipe, Want::nothing};
    clear_errors();
    errno = 0;
    std::size_t sent = 0;
    const int ret = SSL_write_ex(ssl_.get(), from.data(), std::min<std::size_t>(from.size(), INT_MAX), &sent);
    const Attempt attempt = outcome_of(ret, sent, errno);
    if (attempt.want != Want::nothing && from.data() == gather_scratch()) {
        // To be retried with the same bytes after a wait, when this thread's scratch may hold
        // another connection's: keep a copy (OpenSSL accepts a moved buffer with equal contents).
        const char* data = static_cast<const char*>(from.data());
        waiting_write_.assign(data, data + from.size());
        from = asio::buffer(waiting_write_);
    } else if (attempt.want == Want::nothing && !waiting_write_.empty()) {
        waiting_write_ = {};
    }
    return attempt;
}

asio::awaitable<error_code> TlsStream::write_all(asio::const_buffer data) {
    while (data.size() > 0) {
        asio::const_buffer from = data;
        const Attempt attempt = write_from(from);
        if (attempt.ec) co_return attempt.ec;
        if (attempt.want != Want::nothing) break;  // the rest waits; OpenSSL wants the same bytes again
        data += attempt.bytes;
    }
    if (data.size() == 0) co_return error_code{};
    auto [ec, n] = co_await asio::async_write(*this, data, nothrow);
    co_return ec;
}

asio::awaitable<error_code> TlsStream::connect(const asio::ip::tcp::resolver::results_type& endpoints) {
    watch();
    auto [ec, endpoint] = co_await asio::async_connect(socket_, endpoints, nothrow);
    if (ec) co_return waited(ec);
    error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    attach_socket();
    co_return error_code{};
}

asio::awaitable<error_code> TlsStream::wait_readable() {
    watch();
    auto [ec] = co_await socket_.async_wait(Socket::wait_read, nothrow);
    co_return ec ? waited(ec) : error_code{};
}

asio::awaitable<error_code> TlsStream::handshake() {
    for (;;) {
        clear_errors();
        errno = 0;
        const int ret = SSL_do_handshake(ssl_.get());
        const Attempt attempt = outcome_of(ret, 0, errno);
        if (attempt.want == Want::nothing) co_return attempt.ec;
        watch();
        auto [wait_ec] = co_await socket_.async_wait(
            attempt.want == Want::readable ? Socket::wait_read : Socket::wait_write, nothrow);
        if (wait_ec) co_return waited(wait_ec);
    }
}

asio::awaitable<void> TlsStream::shutdown() {
    if (broken_ || !attached_ || !SSL_is_init_finished(ssl_.get())) co_return;
    for (int tries = 0; tries < 2; ++tries) {
        clear_errors();
        errno = 0;
        const int ret = SSL_shutdown(ssl_.get());
        if (ret >= 0) co_return;  // close_notify sent; the peer's answer is not awaited
        const Attempt attempt = outcome_of(ret, 0, errno);
        if (attempt.want != Want::writable) co_return;
        watch();
        auto [wait_ec] = co_await socket_.async_wait(Socket::wait_write, nothrow);
        if (wait_ec) co_return;
    }
}

}  // namespace icg::net
