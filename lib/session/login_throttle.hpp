#pragma once
// Bounds how many logins one browser, and one client address, may start within a login's
// lifetime: each started login writes a pending state to Redis, so an unauthenticated client
// could otherwise grow Redis without bound. The counts live in Redis, so they hold across replicas.
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <string_view>

namespace icg::session {

struct LoginAdmission {
    bool admitted = true;
    std::chrono::seconds retry_after{0};  // when refused: until the oldest count lapses
};

class LoginThrottle {
public:
    virtual ~LoginThrottle() = default;
    // Counts one login start for this browser binding (its hash) and client address.
    virtual boost::asio::awaitable<boost::system::result<LoginAdmission>> admit(std::string_view binding_hash,
                                                                                std::string_view address) = 0;
};

}  // namespace icg::session
