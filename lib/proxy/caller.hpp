#pragma once
// Who is calling the API through the gateway, as the relay needs to know it: the token to call
// Intercom with, and what to end when Intercom refuses that token. A browser (session cookie,
// CSRF rules, session store) and an internal service (its key, its policy, a workspace's
// connection) each resolve a request to a Caller; the relay sees nothing else.
#include "http/message.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <string_view>
#include <variant>

namespace icg::proxy {

class Caller {
public:
    virtual ~Caller() = default;
    // The token Intercom gets as "Authorization: Bearer …"; valid while this Caller lives.
    virtual std::string_view bearer_token() const noexcept = 0;
    // Calls in flight are bounded per key (a session, a service's workspace): a digest, no secret.
    virtual std::uint64_t concurrency_key() const noexcept = 0;
    // The workspace the token belongs to: Intercom's rate limits are counted per workspace.
    virtual std::string_view workspace_id() const noexcept = 0;
    // Intercom answered 401: the token no longer works. Ends whatever holds it (everywhere) and
    // returns the answer for the client.
    virtual boost::asio::awaitable<http::Response> token_refused() = 0;
};

// Either the caller, or the answer that refuses the request (401, 403, 503, …) before Intercom.
using Resolution = std::variant<std::unique_ptr<Caller>, http::Response>;

// A Caller it hands out may refer to the resolver: it must not outlive it.
class CallerResolver {
public:
    virtual ~CallerResolver() = default;
    // `api_path` is the path Intercom would see, without the query (for allow lists). It notes
    // who is calling in the request's log fields once it knows.
    virtual boost::asio::awaitable<Resolution> resolve(http::Request& head, std::string_view api_path) = 0;
};

}  // namespace icg::proxy
