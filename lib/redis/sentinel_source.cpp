#include "redis/sentinel_source.hpp"

#include "redis/redis_connector.hpp"
#include "redis/redis_error.hpp"
#include "redis/redis_stream.hpp"
#include "redis/subscription.hpp"

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <charconv>
#include <mutex>
#include <sstream>

namespace icg::redis {
namespace asio = boost::asio;

namespace {

std::optional<std::uint16_t> port_of(std::string_view text) {
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc{} || end != text.data() + text.size() || port == 0 || port > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(port);
}

// SENTINEL get-master-addr-by-name answers [ip, port], or nil for a name it does not watch.
std::optional<ServerAddress> master_address(const Reply& reply) {
    if (reply.type != Reply::Type::array || reply.elements.size() != 2) return std::nullopt;
    const auto port = port_of(reply.elements[1].text);
    if (reply.elements[0].text.empty() || !port) return std::nullopt;
    return ServerAddress{reply.elements[0].text, *port};
}

// A +switch-master message: "<master name> <old ip> <old port> <new ip> <new port>".
std::optional<ServerAddress> switched_to(const std::string& payload, const std::string& master_name) {
    std::istringstream words(payload);
    std::string name, old_ip, old_port, new_ip, new_port;
    if (!(words >> name >> old_ip >> old_port >> new_ip >> new_port) || name != master_name) return std::nullopt;
    const auto port = port_of(new_port);
    if (!port) return std::nullopt;
    return ServerAddress{new_ip, *port};
}

// The sentinels in turn, one per connection attempt: the watcher moves on when one goes away.
class RotatingServers final : public ServerSource {
public:
    explicit RotatingServers(std::vector<ServerAddress> servers) : servers_(std::move(servers)) {}
    asio::awaitable<boost::system::result<ServerAddress>> locate(std::string&) override {
        co_return servers_[next_++ % servers_.size()];
    }

private:
    const std::vector<ServerAddress> servers_;
    std::atomic<std::size_t> next_{0};
};

RedisEndpoint sentinel_endpoint(const SentinelSettings& settings, const ServerAddress& at) {
    RedisEndpoint endpoint;
    endpoint.host = at.host;
    endpoint.port = at.port;
    endpoint.password = settings.password;
    return endpoint;
}

}  // namespace

struct SentinelSource::Impl {
    SentinelSettings settings;
    RedisOptions options;
    std::vector<std::shared_ptr<RedisConnector>> sentinels;  // one each, in the order configured
    std::atomic<std::size_t> preferred{0};                   // the last that answered
    std::unique_ptr<Subscription> watcher;

    // The watcher's messages arrive on its own strand and may come while the source is being
    // destroyed: they reach it only through here.
    std::mutex owner_mutex;
    SentinelSource* owner = nullptr;
    void announce(const ServerAddress& master) {
        const std::lock_guard lock(owner_mutex);
        if (owner) owner->announce_move(master);
    }
};

SentinelSource::SentinelSource(asio::any_io_executor executor, SentinelSettings settings, RedisOptions options,
                               std::shared_ptr<asio::ssl::context> tls)
    : impl_(std::make_shared<Impl>()) {
    impl_->owner = this;
    impl_->settings = std::move(settings);
    impl_->options = options;
    for (const auto& at : impl_->settings.sentinels)
        impl_->sentinels.push_back(std::make_shared<RedisConnector>(executor, sentinel_endpoint(impl_->settings, at),
                                                                    options, tls, std::make_shared<FixedServer>(at),
                                                                    ServerRole::sentinel));

    auto rotating = std::make_shared<RotatingServers>(impl_->settings.sentinels);
    auto watcher_connector = std::make_shared<RedisConnector>(
        executor, sentinel_endpoint(impl_->settings, impl_->settings.sentinels.front()), options, tls,
        std::move(rotating), ServerRole::sentinel);
    SubscriptionEvents events;
    const std::string master_name = impl_->settings.master_name;
    // The master as the sentinel sees it on each (re)subscription: a switch missed while the
    // watcher was away is caught up on here.
    std::weak_ptr<Impl> weak = impl_;
    events.subscribed = [weak](std::vector<Reply>& setup, const ServerAddress&) {
        if (setup.size() != 1) return false;
        if (const auto master = master_address(setup[0]))
            if (auto impl = weak.lock()) impl->announce(*master);
        return true;
    };
    events.message = [weak, master_name](Reply& payload) {
        if (payload.type != Reply::Type::string) return false;
        if (const auto master = switched_to(payload.text, master_name))
            if (auto impl = weak.lock()) impl->announce(*master);
        return true;
    };
    impl_->watcher =
        std::make_unique<Subscription>(executor, std::move(watcher_connector),
                                       SubscriptionSpec{.name = "sentinel watcher",
                                                        .setup = {{"SENTINEL", "get-master-addr-by-name", master_name}},
                                                        .channel = "+switch-master"},
                                       std::move(events));
}

SentinelSource::~SentinelSource() {
    stop();
    const std::lock_guard lock(impl_->owner_mutex);
    impl_->owner = nullptr;
}

void SentinelSource::start() {
    impl_->watcher->start();
}

void SentinelSource::stop() {
    impl_->watcher->stop();
}

asio::awaitable<boost::system::result<ServerAddress>> SentinelSource::locate(std::string& why) {
    // Held for the whole search: the source may be stopped and destroyed meanwhile.
    const auto impl = impl_;
    const auto count = impl->sentinels.size();
    const auto first = impl->preferred.load();
    std::string tried;
    for (std::size_t i = 0; i < count; ++i) {
        const auto index = (first + i) % count;
        const auto& at = impl->settings.sentinels[index];
        ReplyReader reader;
        std::string failure;
        auto connection = co_await impl->sentinels[index]->open(reader, failure);
        if (connection) {
            connection->stream->expires_after(impl->options.connect_timeout);
            std::vector<std::vector<std::string>> ask{
                {"SENTINEL", "get-master-addr-by-name", impl->settings.master_name}};
            auto replies = co_await exchange(*connection->stream, reader, std::move(ask), failure);
            connection->stream->close();
            if (replies) {
                if (const auto master = master_address(replies->front())) {
                    impl->preferred = index;
                    co_return *master;
                }
                failure = replies->front().is_error() ? replies->front().text
                                                      : "watches no master named '" + impl->settings.master_name + "'";
            }
        }
        tried += (tried.empty() ? "" : "; ") + at.text() + ": " + failure;
    }
    why = "no sentinel named the master '" + impl->settings.master_name + "' (" + tried + ")";
    co_return make_error_code(RedisErrc::not_connected);
}

}  // namespace icg::redis
