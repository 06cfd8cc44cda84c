#pragma once
// Latency bounds that tests assert (an invalidation within 100 ms, a refusal within 3 s) hold for
// the normal build. Under ThreadSanitizer everything runs several times slower and those tests are
// there to find races, not to time the gateway: tests/run stretches the bounds there by setting
// ICG_TEST_TIME_SCALE (a whole number, default 1).
#include <chrono>
#include <cstdlib>
#include <string>

namespace icg::testing {

inline int time_scale() {
    static const int scale = [] {
        const char* text = std::getenv("ICG_TEST_TIME_SCALE");
        const int value = text ? std::atoi(text) : 1;
        return value >= 1 ? value : 1;
    }();
    return scale;
}

template <class Duration>
Duration scaled(Duration bound) {
    return bound * time_scale();
}

}  // namespace icg::testing
