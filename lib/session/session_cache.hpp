#pragma once
// Sessions kept in process memory, keyed by their Redis key, so the hot path needs no round trip.
// Correct only while Redis tells us about every change (client-side caching): the cache is off
// until its invalidation channel is up, and emptied whenever it might have missed a message.
// A load that an invalidation overtook is not cached, so a stale read never sticks.
#include "session/session_record.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace icg::session {

class SessionCache {
public:
    using Clock = std::chrono::steady_clock;

    // `fresh_for`: how long an entry is used before Redis is asked again (which also slides the
    // idle timeout there). `max_entries` bounds memory; past it, entries are dropped.
    SessionCache(std::chrono::milliseconds fresh_for, std::size_t max_entries);

    // A fresh entry for `key`, if the cache is on and has one.
    std::optional<SessionRecord> find(const std::string& key, Clock::time_point now);

    // Around a load from Redis: begin_load() before sending the command, finish_load() with its
    // result. The record is cached only if nothing invalidated the key (or everything) meanwhile.
    struct LoadTicket {
        std::string key;
        std::uint64_t epoch = 0;
        bool cacheable = false;
    };
    LoadTicket begin_load(const std::string& key);
    void finish_load(LoadTicket& ticket, const std::optional<SessionRecord>& record, Clock::time_point now);
    void abandon_load(LoadTicket& ticket);

    void invalidate(const std::string& key);
    // Turns the cache off and empties it; it stays off until enable(epoch) with the epoch returned.
    std::uint64_t disable();
    // Turns the cache on if nothing disabled it again since `epoch`.
    bool enable(std::uint64_t epoch);

    bool enabled() const;
    std::size_t size() const;

private:
    struct Entry {
        SessionRecord record;
        Clock::time_point fresh_until;
    };
    struct Loading {
        int count = 0;
        bool invalidated = false;
    };
    void evict_some();

    const std::chrono::milliseconds fresh_for_;
    const std::size_t max_entries_;
    mutable std::mutex mutex_;
    bool enabled_ = false;
    std::uint64_t epoch_ = 0;  // bumped by disable(); a load or enable() from an older epoch is void
    std::unordered_map<std::string, Entry> entries_;
    std::unordered_map<std::string, Loading> loading_;
};

}  // namespace icg::session
