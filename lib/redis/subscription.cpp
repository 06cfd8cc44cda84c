#include "redis/subscription.hpp"

#include "observability/access_log.hpp"
#include "observability/coroutine_exit.hpp"
#include "redis/codec.hpp"
#include "redis/reconnect_backoff.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_connector.hpp"
#include "redis/redis_error.hpp"
#include "redis/redis_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>

namespace icg::redis {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// A silent connection (a partition without a reset) would leave caches unaware of changes; a
// PING that goes unanswered for this long drops the connection and so empties the caches.
constexpr std::chrono::milliseconds ping_interval{1'000};

bool is_text(const Reply& r, std::string_view expected) {
    return (r.type == Reply::Type::string || r.type == Reply::Type::status) && r.text == expected;
}
}  // namespace

struct Subscription::Impl : std::enable_shared_from_this<Subscription::Impl> {
    Impl(asio::any_io_executor ex, std::shared_ptr<const RedisConnector> c, SubscriptionSpec sp, SubscriptionEvents ev)
        : strand(asio::make_strand(ex)),
          connector(std::move(c)),
          options(connector->options()),
          spec(std::move(sp)),
          events(std::move(ev)),
          reconnect_timer(strand),
          ping_timer(strand) {}

    asio::strand<asio::any_io_executor> strand;
    std::shared_ptr<const RedisConnector> connector;
    const RedisOptions& options;
    const SubscriptionSpec spec;
    SubscriptionEvents events;
    std::shared_ptr<RedisStream> stream;  // the connection's; loops keep their own reference
    std::optional<ServerAddress> server;  // while connected
    asio::steady_timer reconnect_timer;
    asio::steady_timer ping_timer;
    bool stopped = false;
    bool subscribed = false;
    bool ping_unanswered = false;
    std::uint64_t generation = 0;
    std::string last_logged;

    void log_once(const std::string& detail, const char* level) {
        if (detail == last_logged) return;
        last_logged = detail;
        observability::log_event(level, "redis " + connector->redacted() +
                                            (server ? " at " + server->text() : std::string()) + " " + spec.name +
                                            ": " + detail);
    }

    void drop_connection() {
        ++generation;
        if (stream) stream->close();
        server.reset();
        ping_timer.cancel();
        if (subscribed) {
            subscribed = false;
            if (events.lost) events.lost();
        }
    }

    static asio::awaitable<void> run(std::shared_ptr<Impl> self) {
        ReconnectBackoff backoff(self->options);
        while (!self->stopped) {
            ReplyReader reader;
            std::string why;
            auto opened = co_await self->connector->open(reader, why);
            if (self->stopped) co_return;
            if (!opened) {
                if (why.empty()) why = opened.error().message();
            } else {
                self->stream = std::move(opened->stream);
                self->server = std::move(opened->server);
                why = co_await self->listen(self->stream, reader);
                backoff.reset();
            }
            self->drop_connection();
            if (self->stopped) co_return;
            self->log_once(why, "warn");
            self->reconnect_timer.expires_after(backoff.next());
            co_await self->reconnect_timer.async_wait(nothrow);
        }
    }

    // The source says the master is now `now`: see RedisClient's moved_to.
    void moved_to(const ServerAddress& now) {
        if (stopped) return;
        if (server && *server != now) {
            log_once("the master moved to " + now.text(), "info");
            drop_connection();
        }
        reconnect_timer.cancel();
    }

    // Sends the set-up commands and subscribes, then reads until the connection fails; returns
    // why it ended.
    asio::awaitable<std::string> listen(std::shared_ptr<RedisStream> connection, ReplyReader& reader) {
        std::string batch;
        for (const auto& command : spec.setup) batch += format_command(command);
        const std::vector<std::string> subscribe_command = command("SUBSCRIBE", spec.channel);
        batch += format_command(subscribe_command);
        if (auto wec = co_await connection->write(asio::buffer(batch))) co_return "write failed: " + wec.message();

        const auto gen = generation;
        std::vector<Reply> setup_replies;
        std::array<char, 16 * 1024> buf;
        while (!stopped && gen == generation) {
            auto [ec, n] = co_await connection->read_some(asio::buffer(buf));
            if (stopped || gen != generation) co_return "connection closed";
            if (ec) co_return "connection lost: " + ec.message();
            if (!reader.feed({buf.data(), n})) co_return "malformed reply";
            Reply reply;
            for (auto st = reader.next(reply); st != ReplyReader::Status::incomplete; st = reader.next(reply)) {
                if (st == ReplyReader::Status::protocol_error) co_return "malformed reply";
                if (reply.is_error()) co_return "refused: " + reply.text;
                if (setup_replies.size() < spec.setup.size()) {
                    setup_replies.push_back(std::move(reply));
                } else if (!subscribed) {
                    if (reply.type != Reply::Type::array || reply.elements.empty() ||
                        !is_text(reply.elements[0], "subscribe"))
                        co_return "unexpected reply to SUBSCRIBE";
                    if (events.subscribed && !events.subscribed(setup_replies, *server))
                        co_return "unexpected reply to " + spec.setup.front().front();
                    subscribed = true;
                    // A PING the last connection never saw answered says nothing about this one.
                    ping_unanswered = false;
                    last_logged.clear();
                    log_once("subscribed", "info");
                    asio::co_spawn(strand, ping_loop(shared_from_this(), gen),
                                   observability::StopProcessOnFailure("subscription ping loop"));
                } else if (!deliver(reply)) {
                    co_return "unexpected message";
                }
                reply = Reply{};
            }
        }
        co_return "connection closed";
    }

    // A PING's answer, or a message on the channel: its payload goes to the events.
    bool deliver(Reply& reply) {
        if (reply.type != Reply::Type::array || reply.elements.empty()) return false;
        if (is_text(reply.elements[0], "pong")) {
            ping_unanswered = false;
            return true;
        }
        if (!is_text(reply.elements[0], "message") || reply.elements.size() != 3) return false;
        return !events.message || events.message(reply.elements[2]);
    }

    static asio::awaitable<void> ping_loop(std::shared_ptr<Impl> self, std::uint64_t gen) {
        const std::vector<std::string> ping_command = command("PING");
        const std::string ping = format_command(ping_command);
        while (!self->stopped && gen == self->generation) {
            if (self->ping_unanswered) {
                self->log_once("no answer to PING; reconnecting", "warn");
                self->drop_connection();
                co_return;
            }
            self->ping_unanswered = true;
            const auto connection = self->stream;
            const auto wec = co_await connection->write(asio::buffer(ping));
            if (wec || self->stopped || gen != self->generation) co_return;
            self->ping_timer.expires_after(ping_interval);
            co_await self->ping_timer.async_wait(nothrow);
        }
    }
};

Subscription::Subscription(asio::any_io_executor executor, std::shared_ptr<const RedisConnector> connector,
                           SubscriptionSpec spec, SubscriptionEvents events)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(connector), std::move(spec), std::move(events))) {
    std::weak_ptr<Impl> weak = impl_;
    impl_->connector->source().on_move([weak](const ServerAddress& now) {
        if (auto impl = weak.lock()) asio::post(impl->strand, [impl, now] { impl->moved_to(now); });
    });
}

Subscription::~Subscription() {
    stop();
}

void Subscription::start() {
    asio::co_spawn(impl_->strand, Impl::run(impl_), observability::StopProcessOnFailure("Redis subscription"));
}

void Subscription::stop() {
    asio::post(impl_->strand, [impl = impl_] {
        if (impl->stopped) return;
        impl->stopped = true;
        impl->reconnect_timer.cancel();
        impl->drop_connection();
    });
}

}  // namespace icg::redis
