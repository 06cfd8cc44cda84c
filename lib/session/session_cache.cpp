#include "session/session_cache.hpp"

namespace icg::session {

SessionCache::SessionCache(std::chrono::milliseconds fresh_for, std::size_t max_entries)
    : fresh_for_(fresh_for), max_entries_(max_entries) {}

std::optional<SessionRecord> SessionCache::find(const std::string& key, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (!enabled_) return std::nullopt;
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (it->second.fresh_until <= now) {
        entries_.erase(it);
        return std::nullopt;
    }
    return it->second.record;
}

SessionCache::LoadTicket SessionCache::begin_load(const std::string& key) {
    std::lock_guard lock(mutex_);
    LoadTicket ticket{key, epoch_, enabled_};
    if (ticket.cacheable) ++loading_[key].count;
    return ticket;
}

void SessionCache::finish_load(LoadTicket& ticket, const std::optional<SessionRecord>& record, Clock::time_point now) {
    if (!ticket.cacheable) return;
    std::lock_guard lock(mutex_);
    ticket.cacheable = false;
    auto it = loading_.find(ticket.key);
    bool overtaken = true;
    if (it != loading_.end()) {
        overtaken = it->second.invalidated;
        if (--it->second.count == 0) loading_.erase(it);
    }
    if (overtaken || !enabled_ || ticket.epoch != epoch_) return;
    if (!record) {
        entries_.erase(ticket.key);
        return;
    }
    if (entries_.size() >= max_entries_ && !entries_.contains(ticket.key)) evict_some();
    entries_.insert_or_assign(ticket.key, Entry{*record, now + fresh_for_});
}

void SessionCache::abandon_load(LoadTicket& ticket) {
    if (!ticket.cacheable) return;
    std::lock_guard lock(mutex_);
    ticket.cacheable = false;
    auto it = loading_.find(ticket.key);
    if (it != loading_.end() && --it->second.count == 0) loading_.erase(it);
}

void SessionCache::invalidate(const std::string& key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
    auto it = loading_.find(key);
    if (it != loading_.end()) it->second.invalidated = true;
}

std::uint64_t SessionCache::disable() {
    std::lock_guard lock(mutex_);
    enabled_ = false;
    ++epoch_;
    entries_.clear();
    for (auto& [key, loading] : loading_) loading.invalidated = true;
    return epoch_;
}

bool SessionCache::enable(std::uint64_t epoch) {
    std::lock_guard lock(mutex_);
    if (epoch != epoch_) return false;
    enabled_ = true;
    return true;
}

bool SessionCache::enabled() const {
    std::lock_guard lock(mutex_);
    return enabled_;
}

std::size_t SessionCache::size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

// Full: drop expired entries, and if that frees nothing, an arbitrary eighth. A dropped entry
// costs one Redis read later, never correctness.
void SessionCache::evict_some() {
    const auto now = Clock::now();
    std::erase_if(entries_, [now](const auto& kv) { return kv.second.fresh_until <= now; });
    if (entries_.size() < max_entries_) return;
    std::size_t to_drop = std::max<std::size_t>(1, entries_.size() / 8);
    for (auto it = entries_.begin(); it != entries_.end() && to_drop > 0; --to_drop) it = entries_.erase(it);
}

}  // namespace icg::session
