#pragma once
// Where sessions live. Errors mean "could not tell" (Redis down, timeout): callers fail closed
// and never treat them as "no session", so a blip never logs anybody out.
#include "core/secret.hpp"
#include "session/session_record.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace icg::session {

template <typename T>
using Result = boost::system::result<T>;

class SessionStore {
public:
    virtual ~SessionStore() = default;

    // Stores a new session under a fresh random id and returns the id (the cookie value).
    virtual boost::asio::awaitable<Result<core::Secret>> create(const SessionRecord& record) = 0;

    // The live session for `id`, sliding its idle timeout; nullopt when unknown or expired.
    virtual boost::asio::awaitable<Result<std::optional<SessionRecord>>> load(const core::Secret& id) = 0;

    virtual boost::asio::awaitable<Result<void>> erase(const core::Secret& id) = 0;

    // Ends the sessions of a workspace on every replica: all of them, or with `token` only those
    // holding that token. Returns how many ended.
    virtual boost::asio::awaitable<Result<std::size_t>> end_workspace(std::string_view workspace_id,
                                                                      const core::Secret* token) = 0;
};

// True when `cookie_value` has the shape of an id we issue, so junk never reaches Redis.
bool looks_like_session_id(std::string_view cookie_value) noexcept;

}  // namespace icg::session
