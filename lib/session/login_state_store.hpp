#pragma once
// Pending logins: OAuth `state` values, recorded server-side, single use, short-lived.
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace icg::session {

struct PendingLogin {
    std::string browser_binding;  // SHA-256 hex of the login cookie this browser carried
    std::string return_to;
};

class LoginStateStore {
public:
    virtual ~LoginStateStore() = default;
    virtual boost::asio::awaitable<boost::system::result<void>> put(const std::string& state, const PendingLogin& login,
                                                                    std::chrono::seconds ttl) = 0;
    // Removes and returns the pending login, so a state works once; nullopt when unknown or used.
    virtual boost::asio::awaitable<boost::system::result<std::optional<PendingLogin>>> take(
        const std::string& state) = 0;
};

}  // namespace icg::session
