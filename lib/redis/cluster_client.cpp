#include "redis/cluster_client.hpp"

#include "observability/access_log.hpp"
#include "observability/coroutine_exit.hpp"
#include "redis/key_slot.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_connector.hpp"
#include "redis/redis_error.hpp"
#include "redis/redis_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <mutex>

namespace icg::redis {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// The slot map is read again this often while it is whole and every primary answers…
constexpr std::chrono::milliseconds steady_refresh{5'000};
// …and this often while it is not: a failover is followed within moments of the cluster's decision.
constexpr std::chrono::milliseconds degraded_refresh{250};

struct Topology {
    std::vector<ClusterNode> nodes;                 // the primaries
    std::vector<ServerAddress> known;               // every node the map named, replicas too
    std::array<std::int16_t, cluster_slots> owner;  // index into nodes; -1: no primary
    std::size_t covered = 0;                        // slots with a primary, counted once per map
    Topology() { owner.fill(-1); }
    bool whole() const noexcept { return covered == cluster_slots; }
};

struct SlotRange {
    int first = 0;
    int last = 0;
    ServerAddress primary;
    std::vector<ServerAddress> replicas;
};

std::optional<ServerAddress> address_of(const Reply& node) {
    if (node.type != Reply::Type::array || node.elements.size() < 2) return std::nullopt;
    const auto& host = node.elements[0].text;
    const auto port = node.elements[1].integer;
    if (host.empty() || host == "?" || port <= 0 || port > 65535) return std::nullopt;
    return ServerAddress{host, static_cast<std::uint16_t>(port)};
}

// CLUSTER SLOTS: [[first, last, [host, port, id, …], replica…], …].
std::optional<std::vector<SlotRange>> parse_slots(const Reply& reply) {
    if (reply.type != Reply::Type::array) return std::nullopt;
    std::vector<SlotRange> ranges;
    for (const auto& entry : reply.elements) {
        if (entry.type != Reply::Type::array || entry.elements.size() < 3) return std::nullopt;
        SlotRange range;
        range.first = static_cast<int>(entry.elements[0].integer);
        range.last = static_cast<int>(entry.elements[1].integer);
        if (range.first < 0 || range.last >= cluster_slots || range.first > range.last) return std::nullopt;
        const auto primary = address_of(entry.elements[2]);
        if (!primary) continue;  // a range whose primary has no endpoint yet: left unserved
        range.primary = *primary;
        for (std::size_t i = 3; i < entry.elements.size(); ++i)
            if (const auto replica = address_of(entry.elements[i])) range.replicas.push_back(*replica);
        ranges.push_back(std::move(range));
    }
    return ranges;
}

// "MOVED 3999 127.0.0.1:6381" and "ASK 3999 127.0.0.1:6381": the node named.
std::optional<ServerAddress> redirect_target(std::string_view text) {
    const auto last_space = text.rfind(' ');
    if (last_space == std::string_view::npos) return std::nullopt;
    const auto endpoint = text.substr(last_space + 1);
    const auto colon = endpoint.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    unsigned port = 0;
    const auto digits = endpoint.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535) return std::nullopt;
    return ServerAddress{std::string(endpoint.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

// Whether the command's name is `upper` (given in upper case), in any case.
bool is_command(const std::vector<std::string>& args, std::string_view upper) noexcept {
    return !args.empty() && std::equal(args[0].begin(), args[0].end(), upper.begin(), upper.end(),
                                       [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; });
}

bool is_ping(const std::vector<std::string>& args) noexcept {
    return args.size() == 1 && is_command(args, "PING");
}

}  // namespace

std::string_view routing_key(const std::vector<std::string>& args) noexcept {
    if (args.size() < 2) return {};
    if (is_command(args, "EVAL") || is_command(args, "EVALSHA")) {
        if (args.size() < 4 || args[2] == "0") return {};
        return args[3];
    }
    for (const std::string_view keyless : {"PING", "WAIT", "CLIENT", "CLUSTER", "ROLE", "SUBSCRIBE", "SELECT", "AUTH"})
        if (is_command(args, keyless)) return {};
    return args[1];
}

struct ClusterClient::Impl : std::enable_shared_from_this<ClusterClient::Impl> {
    Impl(asio::any_io_executor ex, RedisEndpoint ep, RedisOptions opt, std::shared_ptr<asio::ssl::context> t,
         std::vector<ServerAddress> s, observability::RedisTelemetry& tel)
        : executor(ex),
          strand(asio::make_strand(ex)),
          endpoint(std::move(ep)),
          options(std::move(opt)),
          tls(std::move(t)),
          seeds(std::move(s)),
          telemetry(tel),
          refresh_timer(strand),
          topology(std::make_shared<const Topology>()) {}

    asio::any_io_executor executor;
    asio::strand<asio::any_io_executor> strand;
    const RedisEndpoint endpoint;
    const RedisOptions options;
    const std::shared_ptr<asio::ssl::context> tls;
    const std::vector<ServerAddress> seeds;
    observability::RedisTelemetry& telemetry;
    ClusterNodeEvents events;
    asio::steady_timer refresh_timer;
    bool stopped = false;
    std::string last_logged;

    mutable std::mutex mutex;  // guards `topology`, read by commands on any thread
    std::shared_ptr<const Topology> topology;

    std::shared_ptr<const Topology> snapshot() const {
        const std::lock_guard lock(mutex);
        return topology;
    }

    std::shared_ptr<RedisConnector> connector_for(const ServerAddress& at, ServerRole role) const {
        RedisEndpoint node = endpoint;
        node.host = at.host;
        node.port = at.port;
        node.database = 0;
        return std::make_shared<RedisConnector>(executor, std::move(node), options, tls,
                                                std::make_shared<FixedServer>(at), role);
    }

    void log_once(const std::string& text, const char* level) {
        if (text == last_logged) return;
        last_logged = text;
        observability::log_event(level, "redis cluster: " + text);
    }

    // The slot map from a primary whose connection is up, else from any node it named, else from
    // the seeds.
    asio::awaitable<std::optional<std::vector<SlotRange>>> read_slots(std::string& why) {
        const auto current = snapshot();
        for (const auto& node : current->nodes) {
            if (!node.client->connected()) continue;
            auto slots_command = command("CLUSTER", "SLOTS");
            auto reply = co_await node.client->exec(std::move(slots_command));
            if (reply)
                if (auto ranges = parse_slots(*reply)) co_return ranges;
        }
        std::vector<ServerAddress> candidates = current->known;
        for (const auto& seed : seeds)
            if (std::find(candidates.begin(), candidates.end(), seed) == candidates.end()) candidates.push_back(seed);
        for (const auto& at : candidates) {
            ReplyReader reader;
            std::string failure;
            auto connection = co_await connector_for(at, ServerRole::any)->open(reader, failure);
            if (connection) {
                connection->stream->expires_after(options.connect_timeout);
                std::vector<std::vector<std::string>> ask{{"CLUSTER", "SLOTS"}};
                auto replies = co_await exchange(*connection->stream, reader, std::move(ask), failure);
                connection->stream->close();
                if (replies) {
                    if (auto ranges = parse_slots(replies->front())) co_return ranges;
                    failure = replies->front().is_error() ? replies->front().text : "no slot map in its answer";
                }
            }
            why += (why.empty() ? "" : "; ") + at.text() + ": " + failure;
        }
        co_return std::nullopt;
    }

    // Runs on the strand: the new map replaces the old one; primaries that joined get a client
    // (started after `added` has seen it), those that left are stopped.
    void apply(const std::vector<SlotRange>& ranges) {
        const auto old = snapshot();
        auto next = std::make_shared<Topology>();
        std::vector<ClusterNode> joined;
        for (const auto& range : ranges) {
            auto at = std::find_if(next->nodes.begin(), next->nodes.end(),
                                   [&](const ClusterNode& n) { return n.address == range.primary; });
            if (at == next->nodes.end()) {
                auto kept = std::find_if(old->nodes.begin(), old->nodes.end(),
                                         [&](const ClusterNode& n) { return n.address == range.primary; });
                if (kept != old->nodes.end()) {
                    next->nodes.push_back(*kept);
                } else {
                    auto connector = connector_for(range.primary, ServerRole::master);
                    ClusterNode node{range.primary, std::make_shared<RedisClient>(executor, connector, telemetry),
                                     connector};
                    next->nodes.push_back(node);
                    joined.push_back(node);
                }
                at = next->nodes.end() - 1;
            }
            const auto index = static_cast<std::int16_t>(at - next->nodes.begin());
            for (int slot = range.first; slot <= range.last; ++slot) next->owner[std::size_t(slot)] = index;
            for (const auto& known : {std::vector<ServerAddress>{range.primary}, range.replicas})
                for (const auto& address : known)
                    if (std::find(next->known.begin(), next->known.end(), address) == next->known.end())
                        next->known.push_back(address);
        }
        next->covered =
            std::size_t(std::count_if(next->owner.begin(), next->owner.end(), [](auto i) { return i >= 0; }));
        std::vector<ClusterNode> left;
        for (const auto& node : old->nodes)
            if (std::none_of(next->nodes.begin(), next->nodes.end(),
                             [&](const ClusterNode& n) { return n.address == node.address; }))
                left.push_back(node);
        const bool same_owners = old->owner == next->owner && joined.empty() && left.empty();
        {
            const std::lock_guard lock(mutex);
            topology = next;
        }
        for (const auto& node : joined) {
            if (events.added) events.added(node);
            node.client->start();
        }
        for (const auto& node : left) {
            if (events.removed) events.removed(node.address);
            node.client->stop();
        }
        if (!same_owners) {
            std::string primaries;
            for (const auto& node : next->nodes) primaries += (primaries.empty() ? "" : ", ") + node.address.text();
            log_once("slot map: " + std::to_string(next->covered) + " of 16384 slots on " + primaries, "info");
        }
    }

    bool healthy() const {
        const auto current = snapshot();
        if (!current->whole()) return false;
        return std::all_of(current->nodes.begin(), current->nodes.end(),
                           [](const ClusterNode& n) { return n.client->connected(); });
    }

    static asio::awaitable<void> refresh_loop(std::shared_ptr<Impl> self) {
        while (!self->stopped) {
            std::string why;
            auto ranges = co_await self->read_slots(why);
            if (self->stopped) co_return;
            if (ranges)
                self->apply(*ranges);
            else
                self->log_once("no node gave the slot map (" + why + ")", "warn");
            self->refresh_timer.expires_after(self->healthy() ? steady_refresh : degraded_refresh);
            co_await self->refresh_timer.async_wait(nothrow);
        }
    }

    // A redirection or a lost primary: read the map again now.
    void refresh_soon() {
        asio::post(strand, [self = shared_from_this()] { self->refresh_timer.cancel(); });
    }
};

ClusterClient::ClusterClient(asio::any_io_executor executor, RedisEndpoint endpoint, RedisOptions options,
                             std::shared_ptr<asio::ssl::context> tls, std::vector<ServerAddress> seeds,
                             observability::RedisTelemetry& telemetry)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(endpoint), std::move(options), std::move(tls),
                                   std::move(seeds), telemetry)) {}

ClusterClient::~ClusterClient() {
    stop();
}

void ClusterClient::on_nodes(ClusterNodeEvents events) {
    impl_->events = std::move(events);
}

void ClusterClient::start() {
    asio::co_spawn(impl_->strand, Impl::refresh_loop(impl_), observability::StopProcessOnFailure("Redis cluster map"));
}

void ClusterClient::stop() {
    asio::post(impl_->strand, [impl = impl_] {
        if (impl->stopped) return;
        impl->stopped = true;
        impl->refresh_timer.cancel();
        for (const auto& node : impl->snapshot()->nodes) node.client->stop();
    });
}

bool ClusterClient::connected() const noexcept {
    return impl_->healthy();
}

asio::awaitable<boost::system::result<Reply>> ClusterClient::exec(std::vector<std::string> args,
                                                                  std::chrono::milliseconds allowance) {
    if (is_ping(args)) {
        // Ready only when every slot has a primary that answers.
        const auto current = impl_->snapshot();
        if (current->nodes.empty() || !current->whole()) co_return make_error_code(RedisErrc::not_connected);
        boost::system::result<Reply> last = make_error_code(RedisErrc::not_connected);
        for (const auto& node : current->nodes) {
            last = co_await node.client->exec(args, allowance);
            if (!last) co_return last;
        }
        co_return last;
    }
    const auto key = routing_key(args);
    if (key.empty()) co_return make_error_code(RedisErrc::unexpected_reply);  // no keyless command but PING is routed
    const auto slot = key_slot(key);
    bool asking = false;
    std::optional<ServerAddress> redirected;
    // The first try, then one after a MOVED or an ASK: a second redirection means the map is in
    // motion, and the caller is better served by a fast failure than by a chase.
    for (int attempt = 0; attempt < 2; ++attempt) {
        const auto current = impl_->snapshot();
        const ClusterNode* node = nullptr;
        if (redirected) {
            for (const auto& n : current->nodes)
                if (n.address == *redirected) node = &n;
        } else if (const auto owner = current->owner[slot]; owner >= 0) {
            node = &current->nodes[std::size_t(owner)];
        }
        if (!node) {
            impl_->refresh_soon();
            co_return make_error_code(RedisErrc::not_connected);
        }
        const auto client = node->client;
        auto reply = co_await client->exec_raw(args, allowance, asking);
        if (!reply) {
            impl_->refresh_soon();
            co_return reply.error();
        }
        if (!reply->is_error()) co_return reply;
        const std::string_view text = reply->text;
        const bool moved = text.starts_with("MOVED ");
        if (!moved && !text.starts_with("ASK ")) co_return make_error_code(RedisErrc::error_reply);
        if (moved) impl_->refresh_soon();
        redirected = redirect_target(text);
        asking = !moved;
        if (!redirected) co_return make_error_code(RedisErrc::protocol_error);
    }
    co_return make_error_code(RedisErrc::not_connected);
}

asio::awaitable<boost::system::result<Reply>> ClusterClient::exec_beside(std::string_view key,
                                                                         std::vector<std::string> args,
                                                                         std::chrono::milliseconds allowance) {
    const auto current = impl_->snapshot();
    const auto owner = current->owner[key_slot(key)];
    if (owner < 0) co_return make_error_code(RedisErrc::not_connected);
    const auto client = current->nodes[std::size_t(owner)].client;
    co_return co_await client->exec(std::move(args), allowance);
}

}  // namespace icg::redis
