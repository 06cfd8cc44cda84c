#pragma once
// Pending logins: OAuth `state` values, recorded server-side, single use, short-lived.
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace icg::session {

struct PendingLogin {
    std::string browser_binding;  // SHA-256 hex of the login cookie this browser carried
    std::string return_to;
};

// A pending login taken for its callback, and whether the same browser has other logins still
// pending: its binding cookie is cleared only once none is (two tabs may log in at once).
struct TakenLogin {
    PendingLogin login;
    bool others_pending = false;
};

// A pending login is found only with its state and the binding of the browser that started it:
// a callback from another browser finds nothing and leaves the login usable by its owner.

class LoginStateStore {
public:
    virtual ~LoginStateStore() = default;
    virtual boost::asio::awaitable<boost::system::result<void>> put(const std::string& state, const PendingLogin& login,
                                                                    std::chrono::seconds ttl) = 0;
    // Removes and returns the pending login this browser started, so a state works once; nullopt
    // when unknown, used, or started by another browser (whose login is then left alone).
    virtual boost::asio::awaitable<boost::system::result<std::optional<TakenLogin>>> take(
        const std::string& state, std::string_view browser_binding) = 0;
};

}  // namespace icg::session
