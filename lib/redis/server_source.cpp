#include "redis/server_source.hpp"

namespace icg::redis {

std::string ServerAddress::text() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

void ServerSource::on_move(Observer observer) {
    const std::lock_guard lock(mutex_);
    observers_.push_back(std::move(observer));
}

void ServerSource::announce_move(const ServerAddress& now) {
    std::vector<Observer> observers;
    {
        const std::lock_guard lock(mutex_);
        observers = observers_;
    }
    for (const auto& observer : observers) observer(now);
}

boost::asio::awaitable<boost::system::result<ServerAddress>> FixedServer::locate(std::string&) {
    co_return address_;
}

}  // namespace icg::redis
