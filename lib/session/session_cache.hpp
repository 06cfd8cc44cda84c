#pragma once
// Sessions kept in process memory, keyed by their Redis key, kept honest by client-side caching.
#include "cache/tracked_cache.hpp"
#include "session/session_record.hpp"

namespace icg::session {

using SessionCache = cache::TrackedCache<SessionRecord>;

}  // namespace icg::session
