#pragma once
#include <cstdint>

namespace icg::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, closed).
std::uint16_t free_port();

// Whether `port` on 127.0.0.1 can be bound now.
bool port_is_free(std::uint16_t port);

}  // namespace icg::testing
