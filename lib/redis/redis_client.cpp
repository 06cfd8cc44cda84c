#include "redis/redis_client.hpp"

#include "observability/access_log.hpp"
#include "observability/coroutine_exit.hpp"
#include "redis/codec.hpp"
#include "redis/reconnect_backoff.hpp"
#include "redis/redis_connector.hpp"
#include "redis/redis_error.hpp"
#include "redis/redis_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <set>

namespace icg::redis {
namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

struct RedisClient::Impl : std::enable_shared_from_this<RedisClient::Impl> {
    using Completion = std::function<void(error_code, Reply)>;
    struct Pending {
        Completion complete;
        std::chrono::milliseconds timeout;  // from when it is the next reply due
        int skip = 0;                       // replies before the one wanted (ASKING's OK)
    };

    Impl(asio::any_io_executor ex, std::shared_ptr<const RedisConnector> c)
        : strand(asio::make_strand(ex)),
          connector(std::move(c)),
          options(connector->options()),
          reconnect_timer(strand),
          watchdog_timer(strand) {}

    asio::strand<asio::any_io_executor> strand;
    std::shared_ptr<const RedisConnector> connector;
    const RedisOptions& options;
    std::shared_ptr<RedisStream> stream;  // the connection's; loops keep their own reference
    std::optional<ServerAddress> server;  // while connected
    Clock::time_point front_since;        // when pending.front() became the next reply due
    asio::steady_timer reconnect_timer;
    asio::steady_timer watchdog_timer;
    std::atomic<bool> is_connected{false};
    bool stopped = false;
    bool writing = false;
    std::uint64_t generation = 0;  // bumped on every disconnect, so stale loops stop
    std::string outbox;
    std::deque<Pending> pending;
    std::string last_logged;  // the last failure logged, so a long outage logs once
    std::set<std::string> refusals_logged;
    std::function<void(const std::optional<ServerAddress>&)> on_connection_change;

    std::string log_prefix() const {
        return "redis " + connector->redacted() + (server ? " at " + server->text() : std::string()) + ": ";
    }

    // Runs on the strand.
    void submit(std::string command, std::chrono::milliseconds allowance, int skip, Completion complete) {
        if (!is_connected) {
            complete(RedisErrc::not_connected, {});
            return;
        }
        outbox += command;
        if (pending.empty()) front_since = Clock::now();
        pending.push_back({std::move(complete), options.command_timeout + allowance, skip});
        if (!writing)
            asio::co_spawn(strand, write_loop(shared_from_this(), generation),
                           observability::StopProcessOnFailure("Redis write loop"));
    }

    static asio::awaitable<void> write_loop(std::shared_ptr<Impl> self, std::uint64_t gen) {
        self->writing = true;
        while (!self->outbox.empty() && gen == self->generation) {
            std::string batch;
            batch.swap(self->outbox);
            const auto stream = self->stream;
            const auto ec = co_await stream->write(asio::buffer(batch));
            if (ec) {
                self->writing = false;
                if (gen == self->generation)
                    self->disconnect(RedisErrc::connection_lost, "write failed: " + ec.message());
                co_return;
            }
        }
        self->writing = false;
    }

    void disconnect(RedisErrc why, const std::string& detail) {
        ++generation;
        const bool was_connected = is_connected.exchange(false);
        if (was_connected || last_logged != detail)  // a stop asked for is not a problem
            observability::log_event(stopped ? "info" : "warn", log_prefix() + detail);
        if (was_connected && on_connection_change) on_connection_change(std::nullopt);
        last_logged = detail;
        if (stream) stream->close();
        server.reset();
        outbox.clear();
        auto failed = std::move(pending);
        pending.clear();
        for (auto& p : failed) p.complete(why, {});
    }

    static asio::awaitable<void> run(std::shared_ptr<Impl> self) {
        ReconnectBackoff backoff(self->options);
        while (!self->stopped) {
            ReplyReader reader;
            std::string why;
            auto opened = co_await self->connector->open(reader, why);
            if (self->stopped) co_return;
            if (opened) {
                self->stream = std::move(opened->stream);
                self->server = std::move(opened->server);
                self->is_connected = true;
                self->last_logged.clear();
                observability::log_event("info", self->log_prefix() + "connected");
                if (self->on_connection_change) self->on_connection_change(self->server);
                backoff.reset();
                const auto generation = self->generation;
                co_await self->read_loop(self->stream, reader, generation);
            } else {
                self->disconnect(RedisErrc::not_connected, why.empty() ? opened.error().message() : why);
            }
            if (self->stopped) co_return;
            // A move of the master cuts the wait short (moved_to).
            self->reconnect_timer.expires_after(backoff.next());
            co_await self->reconnect_timer.async_wait(nothrow);
        }
    }

    // The source says the master is now `now`: a connection elsewhere ends, and a reconnect
    // waiting out its back-off goes at once.
    void moved_to(const ServerAddress& now) {
        if (stopped) return;
        if (server && *server != now) disconnect(RedisErrc::connection_lost, "the master moved to " + now.text());
        reconnect_timer.cancel();
    }

    asio::awaitable<void> read_loop(std::shared_ptr<RedisStream> connection, ReplyReader& reader, std::uint64_t gen) {
        std::array<char, 16 * 1024> buf;
        while (gen == generation) {
            auto [ec, n] = co_await connection->read_some(asio::buffer(buf));
            if (gen != generation) co_return;
            if (ec) {
                disconnect(RedisErrc::connection_lost, "connection lost: " + ec.message());
                co_return;
            }
            if (!reader.feed({buf.data(), n})) {
                disconnect(RedisErrc::protocol_error, "malformed reply");
                co_return;
            }
            Reply reply;
            for (auto st = reader.next(reply); st != ReplyReader::Status::incomplete; st = reader.next(reply)) {
                if (st == ReplyReader::Status::protocol_error || pending.empty()) {
                    disconnect(RedisErrc::protocol_error, "malformed or unsolicited reply");
                    co_return;
                }
                front_since = Clock::now();
                if (pending.front().skip > 0) {
                    --pending.front().skip;
                    reply = Reply{};
                    continue;
                }
                auto p = std::move(pending.front());
                pending.pop_front();
                if (reply.is_error()) report_refusal(reply.text);
                p.complete({}, std::move(reply));
                reply = Reply{};
            }
        }
    }

    // A command the server's ACL does not allow the gateway's user (NOPERM …, which names the
    // command, key or channel) is a configuration error to fix, not an outage: one warning per
    // distinct refusal, however often it recurs.
    void report_refusal(const std::string& text) {
        if (text.find("NOPERM") == std::string::npos) return;
        if (refusals_logged.size() >= 32 || !refusals_logged.insert(text).second) return;
        observability::log_event("warn", log_prefix() + "refused by the server's ACL: " + text);
    }

    // Replies come in order, so one late reply stalls all behind it: past the deadline the
    // connection is dropped and rebuilt rather than left to answer the wrong commands. A reply's
    // time counts from the one before it, so a WAIT ahead (allowed longer) does not fail the
    // commands queued behind it.
    static asio::awaitable<void> watchdog(std::shared_ptr<Impl> self) {
        const auto tick = std::max(std::chrono::milliseconds(10),
                                   std::min(std::chrono::milliseconds(100), self->options.command_timeout / 4));
        while (!self->stopped) {
            self->watchdog_timer.expires_after(tick);
            co_await self->watchdog_timer.async_wait(nothrow);
            if (!self->pending.empty() && self->front_since + self->pending.front().timeout < Clock::now())
                self->disconnect(RedisErrc::timeout, "a command timed out; reconnecting");
        }
    }
};

RedisClient::RedisClient(asio::any_io_executor executor, std::shared_ptr<const RedisConnector> connector,
                         observability::RedisTelemetry& telemetry)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(connector))), telemetry_(telemetry) {
    std::weak_ptr<Impl> weak = impl_;
    impl_->connector->source().on_move([weak](const ServerAddress& now) {
        if (auto impl = weak.lock()) asio::post(impl->strand, [impl, now] { impl->moved_to(now); });
    });
}

RedisClient::~RedisClient() {
    stop();
}

void RedisClient::on_connection_change(std::function<void(const std::optional<ServerAddress>&)> observer) {
    impl_->on_connection_change = std::move(observer);
}

void RedisClient::start() {
    asio::co_spawn(impl_->strand, Impl::run(impl_), observability::StopProcessOnFailure("Redis client"));
    asio::co_spawn(impl_->strand, Impl::watchdog(impl_), observability::StopProcessOnFailure("Redis watchdog"));
}

void RedisClient::stop() {
    asio::post(impl_->strand, [impl = impl_] {
        if (impl->stopped) return;
        impl->stopped = true;
        impl->reconnect_timer.cancel();
        impl->watchdog_timer.cancel();
        impl->disconnect(RedisErrc::not_connected, "client stopped");
    });
}

bool RedisClient::connected() const noexcept {
    return impl_->is_connected;
}

namespace {

// Hands a command to the client's strand and resumes the caller on its own executor. A named
// type rather than a lambda inside the coroutine: GCC 12 mis-destroys init-captures there.
struct ExecInitiation {
    std::shared_ptr<RedisClient::Impl> impl;
    std::string command;
    std::chrono::milliseconds allowance;
    int skip;

    template <typename Handler>
    void operator()(Handler handler) {
        auto shared = std::make_shared<Handler>(std::move(handler));
        asio::post(impl->strand, [impl = impl, command = std::move(command), allowance = allowance, skip = skip,
                                  shared]() mutable {
            impl->submit(std::move(command), allowance, skip, [shared](error_code e, Reply r) {
                auto ex = asio::get_associated_executor(*shared);
                asio::post(ex, [shared, e, r = std::move(r)]() mutable { std::move (*shared)(e, std::move(r)); });
            });
        });
    }
};

}  // namespace

asio::awaitable<boost::system::result<Reply>> RedisClient::exec(std::vector<std::string> args,
                                                                std::chrono::milliseconds allowance) {
    auto reply = co_await exec_raw(std::move(args), allowance);
    if (reply && reply->is_error()) co_return make_error_code(RedisErrc::error_reply);
    co_return reply;
}

asio::awaitable<boost::system::result<Reply>> RedisClient::exec_raw(std::vector<std::string> args,
                                                                    std::chrono::milliseconds allowance, bool asking) {
    static const std::string asking_command = format_command(command("ASKING"));
    // Built as a named local: GCC 12 mishandles class temporaries inside co_await expressions.
    ExecInitiation initiation{impl_, (asking ? asking_command : std::string()) + format_command(args), allowance,
                              asking ? 1 : 0};
    const auto sent = std::chrono::steady_clock::now();
    auto [ec, reply] =
        co_await asio::async_initiate<decltype(nothrow), void(error_code, Reply)>(std::move(initiation), nothrow);
    telemetry_.redis_command(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - sent),
        bool(ec) || reply.is_error());
    if (ec) co_return ec;
    co_return std::move(reply);
}

}  // namespace icg::redis
