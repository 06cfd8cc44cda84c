#pragma once
// A read through a tracked cache: a fresh usable entry when there is one; otherwise one request
// reads Redis for the key while the others wait for it and look again, and what it read is
// cached unless an invalidation overtook the read.
#include "cache/shared_reads.hpp"
#include "cache/tracked_cache.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace icg::cache {

// `read()` returns awaitable<result<optional<Record>>> from Redis; `usable(record)` rejects a
// cached record that is no longer good (a session past its absolute end).
template <typename Record, typename Read, typename Usable>
boost::asio::awaitable<boost::system::result<std::optional<Record>>> load_through(TrackedCache<Record>& cache,
                                                                                  SharedReads& shared_reads,
                                                                                  const std::string& key, Read read,
                                                                                  Usable usable) {
    using Clock = typename TrackedCache<Record>::Clock;
    auto cached = cache.find(key, Clock::now());
    const bool hit = cached && usable(*cached);
    cache.telemetry().cache_lookup(hit);
    if (hit) co_return std::move(cached);

    // Lead the read of this key, or follow the one already under way.
    auto lead = co_await shared_reads.lead_or_follow(key, std::chrono::seconds(10));
    if (!lead) {
        auto shared = cache.find(key, Clock::now());
        if (shared && usable(*shared)) co_return std::move(shared);
        // Not cached after all (unknown, a Redis failure, an invalidation overtook the read, or
        // the cache is off): read Redis for ourselves.
    }
    auto ticket = cache.begin_load(key);
    auto loaded = co_await read();
    if (!loaded) {
        cache.abandon_load(ticket);
        co_return loaded.error();
    }
    cache.finish_load(ticket, *loaded, Clock::now());
    co_return loaded;
}

}  // namespace icg::cache
