#pragma once
// What the HTTPS server calls for each request it has read in full.
#include "http/message.hpp"
#include "observability/telemetry.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <memory>
#include <string_view>

namespace icg::server {

class Exchange;

class Handler {
public:
    virtual ~Handler() = default;

    // Largest request body accepted for this route; a larger one is answered 413 unread.
    virtual std::size_t body_limit(std::string_view method, std::string_view path) const = 0;

    // Runs on the connection's executor (its strand when there are several threads). Must not throw: failures become
    // responses.
    virtual boost::asio::awaitable<http::Response> handle(http::Request& request) = 0;

    // Routes that relay bodies in pieces (the proxy) answer true here; they are then served by
    // handle_stream with the request head only, and body_limit does not apply.
    virtual bool streams(const http::Request& /*head*/) const { return false; }
    virtual boost::asio::awaitable<void> handle_stream(http::Request& head, Exchange& exchange);

    // Which part of the gateway serves `head`, for the request metrics.
    virtual observability::RouteGroup route_group(const http::Request& /*head*/) const {
        return observability::RouteGroup::other;
    }
};

// Where a server finds its handler: asked once per request, which keeps that handler (and what it
// was built from) for the whole request, so a reload never shows one request two configurations.
class HandlerSource {
public:
    virtual ~HandlerSource() = default;
    virtual std::shared_ptr<Handler> current() const = 0;
};

}  // namespace icg::server
