#pragma once
// What keeps a cache honest with Redis: CacheTracking turns a cache off (and empties it) whenever
// it may have missed an invalidation, on again once tracking is confirmed, and drops single keys
// that Redis says changed.
#include <cstdint>
#include <string>

namespace icg::cache {

class InvalidationTarget {
public:
    virtual ~InvalidationTarget() = default;
    // Off and empty; stays off until enable() with the epoch returned.
    virtual std::uint64_t disable() = 0;
    // On again, if nothing disabled it since `epoch`.
    virtual bool enable(std::uint64_t epoch) = 0;
    // Thread-safe; may run on any thread.
    virtual void invalidate(const std::string& key) = 0;
};

}  // namespace icg::cache
