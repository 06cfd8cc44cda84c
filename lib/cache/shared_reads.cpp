#include "cache/shared_reads.hpp"

#include "core/wakeup.hpp"

#include <boost/asio/this_coro.hpp>

namespace icg::cache {
namespace asio = boost::asio;

SharedReads::Lead::~Lead() {
    if (!reads_) return;
    std::vector<std::shared_ptr<core::Wakeup>> followers;
    {
        std::lock_guard lock(reads_->mutex_);
        auto it = reads_->flights_.find(key_);
        if (it == reads_->flights_.end()) return;
        followers = std::move(it->second);
        reads_->flights_.erase(it);
    }
    for (auto& follower : followers) core::Wakeup::wake(std::move(follower));
}

asio::awaitable<std::optional<SharedReads::Lead>> SharedReads::lead_or_follow(const std::string& key,
                                                                              std::chrono::milliseconds patience) {
    const auto executor = co_await asio::this_coro::executor;
    std::shared_ptr<core::Wakeup> follower;
    std::optional<Lead> lead;
    {
        std::lock_guard lock(mutex_);
        auto [it, leading] = flights_.try_emplace(key);
        if (leading) {
            lead.emplace(*this, key);
        } else {
            follower = std::make_shared<core::Wakeup>(executor);
            it->second.push_back(follower);
        }
    }
    if (lead) co_return lead;
    // The bound only matters if the leader never ends; its Redis command has its own deadline.
    co_await follower->wait(patience);
    co_return std::nullopt;
}

}  // namespace icg::cache
