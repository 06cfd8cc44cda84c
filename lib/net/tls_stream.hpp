#pragma once
// A TLS connection straight over a non-blocking socket: OpenSSL reads and writes the socket
// itself, as in nginx. Asio's ssl::stream stages every byte through a BIO pair and two fixed
// 17 KiB buffers (about 70 KiB a connection); here a connection holds only its SSL object, and
// a server-side connection gives OpenSSL's record buffers back between records.
//
// It models Beast's AsyncReadStream and AsyncWriteStream, so Beast's HTTP reads and writes run
// on it unchanged. One deadline covers whatever waits next (expires_after); an operation that
// completes without waiting never touches the timer.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

struct ssl_st;
struct ssl_ctx_st;

namespace icg::net {

enum class TlsRole { client, server };

class TlsStream {
public:
    using executor_type = boost::asio::any_io_executor;
    using Socket = boost::asio::ip::tcp::socket;
    using Clock = std::chrono::steady_clock;

    // An accepted connection (server) or one made by connect() (client). The SSL object exists
    // from the start, so a client can set its peer name and session before connecting.
    TlsStream(Socket socket, ssl_ctx_st* context, TlsRole role);
    TlsStream(executor_type executor, ssl_ctx_st* context, TlsRole role);
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;
    ~TlsStream();

    executor_type get_executor() { return socket_.get_executor(); }
    Socket& socket() noexcept { return socket_; }
    ssl_st* native_handle() const noexcept { return ssl_.get(); }

    // The deadline for the next operations that have to wait; they fail with beast::error::timeout.
    void expires_after(Clock::duration timeout);
    void expires_at(Clock::time_point deadline);
    void expires_never();

    boost::asio::awaitable<boost::system::error_code> connect(
        const boost::asio::ip::tcp::resolver::results_type& endpoints);
    // Until the peer has sent something (or closed), under the deadline.
    boost::asio::awaitable<boost::system::error_code> wait_readable();
    boost::asio::awaitable<boost::system::error_code> handshake();
    // Writes all of `data`: at once when the socket takes it, the usual case, with no trip through
    // the event loop (an async_write's completion is posted, so the writer would go behind every
    // handler already queued); what the socket does not take goes when it can, under the deadline.
    boost::asio::awaitable<boost::system::error_code> write_all(boost::asio::const_buffer data);
    // Sends close_notify if the connection is still sound; does not wait for the peer's.
    boost::asio::awaitable<void> shutdown();

    // Shared with the socket BIO (tls_stream.cpp): the descriptor, whether the last recv left
    // the socket empty, and the received bytes not yet handed to OpenSSL (see inbox_).
    struct SocketBioState {
        int fd = -1;
        bool drained = false;
        const char* inbox = nullptr;
        std::size_t inbox_size = 0;
        bool inbox_drained_socket = false;
    };

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        boost::asio::mutable_buffer into;
        for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
             ++it) {
            into = *it;
            if (into.size() > 0) break;
        }
        // A socket that was drained at the last read is waited on first: a recv now would almost
        // always fail (a client sends its next request only after our answer).
        const Want first = into.size() > 0 && read_would_block() ? Want::readable : Want::nothing;
        return start<Token>([this, into] { return read_into(into.data(), into.size()); }, token, first);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        // Gathered on the first attempt, in the same call as the first SSL_write (see one_record_of).
        auto attempt = [this, buffers, from = boost::asio::const_buffer(), gathered = false]() mutable {
            if (!gathered) {
                from = one_record_of(buffers);
                gathered = true;
            }
            return write_from(from);
        };
        return start<Token>(std::move(attempt), token, Want::nothing);
    }

private:
    enum class Want { nothing, readable, writable };
    struct Attempt {
        std::size_t bytes = 0;
        boost::system::error_code ec;
        Want want = Want::nothing;
    };
    struct Watchdog;
    struct SslFree {
        void operator()(ssl_st* ssl) const noexcept;
    };

    // Tries the SSL call, then waits for the socket as OpenSSL asks, and tries again. A result
    // ready at once is posted, never delivered inside the initiating call.
    template <class Try>
    struct Operation {
        TlsStream& stream;
        Try attempt;
        Want wait_first;
        enum class Phase { starting, waiting, deferred } phase = Phase::starting;
        Attempt outcome{};

        template <class Self>
        void operator()(Self& self, boost::system::error_code wait_ec = {}) {
            if (phase == Phase::deferred) return self.complete(outcome.ec, outcome.bytes);
            if (phase == Phase::starting && wait_first != Want::nothing) return wait(self, wait_first);
            if (phase == Phase::waiting && wait_ec) return self.complete(stream.waited(wait_ec), std::size_t{0});
            outcome = attempt();
            if (outcome.want == Want::nothing) {
                if (phase == Phase::waiting) return self.complete(outcome.ec, outcome.bytes);
                phase = Phase::deferred;
                return boost::asio::post(std::move(self));
            }
            wait(self, outcome.want);
        }

        // The end of a wait that received into the inbox.
        template <class Self>
        void operator()(Self& self, boost::system::error_code ec, std::size_t received) {
            stream.received(received);
            if (ec == boost::asio::error::eof) ec = {};  // the next SSL call finds the end itself
            if (ec && ec != boost::asio::error::operation_aborted) stream.broken_ = true;
            (*this)(self, ec);
        }

        template <class Self>
        void wait(Self& self, Want want) {
            phase = Phase::waiting;
            stream.watch();
            if (want == Want::readable && stream.inbox_capacity_ > 0)
                stream.socket_.async_receive(stream.inbox(), std::move(self));
            else
                stream.socket_.async_wait(want == Want::readable ? Socket::wait_read : Socket::wait_write,
                                          std::move(self));
        }
    };

    template <class Token, class Try>
    auto start(Try attempt, Token& token, Want wait_first) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            Operation<Try>{*this, std::move(attempt), wait_first}, token, socket_);
    }

    // One TLS record's worth: the first buffer alone if it is big or alone, else the leading
    // buffers gathered (an HTTP head and a small body go out as one record and one send). They
    // are gathered into the thread's scratch buffer just before the first SSL_write reads them;
    // a write that must wait keeps a copy of its own (write_from).
    template <class ConstBufferSequence>
    boost::asio::const_buffer one_record_of(const ConstBufferSequence& buffers) {
        const auto begin = boost::asio::buffer_sequence_begin(buffers);
        const auto end = boost::asio::buffer_sequence_end(buffers);
        boost::asio::const_buffer first;
        auto it = begin;
        for (; it != end; ++it) {
            first = *it;
            if (first.size() > 0) break;
        }
        if (it == end || first.size() >= max_record) return first;
        auto next = it;
        ++next;
        while (next != end && boost::asio::const_buffer(*next).size() == 0) ++next;
        if (next == end) return first;
        char* const scratch = gather_scratch();
        std::size_t gathered = 0;
        for (; it != end && gathered < max_record; ++it) {
            const boost::asio::const_buffer piece = *it;
            const std::size_t take = std::min(piece.size(), max_record - gathered);
            std::memcpy(scratch + gathered, piece.data(), take);
            gathered += take;
        }
        return {scratch, gathered};
    }

    void attach_socket();
    boost::asio::mutable_buffer inbox();
    void received(std::size_t bytes) noexcept;
    bool read_would_block() const noexcept;
    Attempt read_into(void* data, std::size_t size);
    Attempt write_from(boost::asio::const_buffer& from);
    static char* gather_scratch() noexcept;  // max_record bytes, one per thread
    Attempt outcome_of(int ret, std::size_t bytes, int saved_errno);
    void watch();
    boost::system::error_code waited(const boost::system::error_code& wait_ec) const;

    static constexpr std::size_t max_record = 16 * 1024;

    Socket socket_;
    std::unique_ptr<ssl_st, SslFree> ssl_;
    std::shared_ptr<Watchdog> watchdog_;
    std::vector<char> waiting_write_;  // a gathered write that had to wait, until it is sent
    // Where a wait for data receives it (upstream connections only). Asio then does the recv
    // itself, which costs one system call per wait; a wait for readiness costs an epoll_ctl
    // and then our recv. Clients of the gateway are too many to give each one a buffer.
    std::unique_ptr<char[]> inbox_;
    std::size_t inbox_capacity_ = 0;
    SocketBioState bio_state_;
    bool attached_ = false;
    bool broken_ = false;  // a fatal TLS or socket error: no close_notify may follow
};

}  // namespace icg::net
