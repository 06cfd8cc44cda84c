#include "session_pool.hpp"

#include <algorithm>

namespace icg::soak {

void SessionPool::add(PooledSession session) {
    std::lock_guard lock(mutex_);
    if (session.number % kSampleEvery == 0) {
        sampled_.push_back(session);
        if (sampled_.size() > kSampled) sampled_.pop_front();
    }
    recent_.push_back(std::move(session));
    if (recent_.size() > kRecent) recent_.pop_front();
    added_.notify_all();
}

bool SessionPool::wait_for_first(std::stop_token stop, std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(mutex_);
    return added_.wait_until(lock, stop, until, [&] { return !recent_.empty(); });
}

std::optional<PooledSession> SessionPool::pick(std::mt19937& random) const {
    std::lock_guard lock(mutex_);
    if (recent_.empty()) return std::nullopt;
    std::uniform_int_distribution<std::size_t> index(0, recent_.size() - 1);
    return recent_[index(random)];
}

std::vector<PooledSession> SessionPool::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<PooledSession> out(sampled_.begin(), sampled_.end());
    for (const auto& s : recent_)
        if (std::none_of(out.begin(), out.end(), [&](const auto& o) { return o.number == s.number; })) out.push_back(s);
    return out;
}

std::size_t SessionPool::size() const {
    std::lock_guard lock(mutex_);
    return recent_.size();
}

}  // namespace icg::soak
