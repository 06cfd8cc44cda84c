#pragma once
// Records kept in process memory, keyed by their Redis key, so the hot path needs no round trip.
// Correct only while Redis tells us about every change (client-side caching): the cache is off
// until its invalidation channel is up, and emptied whenever it might have missed a message.
// A load that an invalidation overtook is not cached, so a stale read never sticks.
// Sessions and workspace connections each keep one.
#include "cache/invalidation_target.hpp"
#include "observability/telemetry.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace icg::cache {

template <typename Record>
class TrackedCache final : public InvalidationTarget {
public:
    using Clock = std::chrono::steady_clock;

    // `fresh_for`: how long an entry is used before Redis is asked again. `max_entries` bounds
    // memory; past it, entries are dropped. Reads through it (load_through) report their hits
    // and misses to `telemetry`.
    TrackedCache(std::chrono::milliseconds fresh_for, std::size_t max_entries,
                 observability::CacheTelemetry& telemetry = observability::no_telemetry())
        : fresh_for_(fresh_for), max_entries_(max_entries), telemetry_(telemetry) {}

    observability::CacheTelemetry& telemetry() const noexcept { return telemetry_; }

    // A fresh entry for `key`, if the cache is on and has one.
    std::optional<Record> find(const std::string& key, Clock::time_point now) {
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

    // Around a load from Redis: begin_load() before sending the command, finish_load() with its
    // result. The record is cached only if nothing invalidated the key (or everything) meanwhile.
    struct LoadTicket {
        std::string key;
        std::uint64_t epoch = 0;
        bool cacheable = false;
    };

    LoadTicket begin_load(const std::string& key) {
        std::lock_guard lock(mutex_);
        LoadTicket ticket{key, epoch_, enabled_};
        if (ticket.cacheable) ++loading_[key].count;
        return ticket;
    }

    void finish_load(LoadTicket& ticket, const std::optional<Record>& record, Clock::time_point now) {
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

    void abandon_load(LoadTicket& ticket) {
        if (!ticket.cacheable) return;
        std::lock_guard lock(mutex_);
        ticket.cacheable = false;
        auto it = loading_.find(ticket.key);
        if (it != loading_.end() && --it->second.count == 0) loading_.erase(it);
    }

    void invalidate(const std::string& key) override {
        std::lock_guard lock(mutex_);
        entries_.erase(key);
        auto it = loading_.find(key);
        if (it != loading_.end()) it->second.invalidated = true;
    }

    std::uint64_t disable() override {
        std::lock_guard lock(mutex_);
        enabled_ = false;
        ++epoch_;
        entries_.clear();
        for (auto& [key, loading] : loading_) loading.invalidated = true;
        return epoch_;
    }

    bool enable(std::uint64_t epoch) override {
        std::lock_guard lock(mutex_);
        if (epoch != epoch_) return false;
        enabled_ = true;
        return true;
    }

    bool enabled() const {
        std::lock_guard lock(mutex_);
        return enabled_;
    }

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return entries_.size();
    }

private:
    struct Entry {
        Record record;
        Clock::time_point fresh_until;
    };
    struct Loading {
        int count = 0;
        bool invalidated = false;
    };

    // Full: drop expired entries, and if that frees nothing, an arbitrary eighth. A dropped entry
    // costs one Redis read later, never correctness.
    void evict_some() {
        const auto now = Clock::now();
        std::erase_if(entries_, [now](const auto& kv) { return kv.second.fresh_until <= now; });
        if (entries_.size() < max_entries_) return;
        std::size_t to_drop = std::max<std::size_t>(1, entries_.size() / 8);
        for (auto it = entries_.begin(); it != entries_.end() && to_drop > 0; --to_drop) it = entries_.erase(it);
    }

    const std::chrono::milliseconds fresh_for_;
    const std::size_t max_entries_;
    observability::CacheTelemetry& telemetry_;
    mutable std::mutex mutex_;
    bool enabled_ = false;
    std::uint64_t epoch_ = 0;  // bumped by disable(); a load or enable() from an older epoch is void
    std::unordered_map<std::string, Entry> entries_;
    std::unordered_map<std::string, Loading> loading_;
};

}  // namespace icg::cache
