#pragma once
// What the HTTPS server calls for each request it has read in full.
#include "http/message.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <string_view>

namespace icg::server {

class Handler {
public:
    virtual ~Handler() = default;

    // Largest request body accepted for this route; a larger one is answered 413 unread.
    virtual std::size_t body_limit(std::string_view method, std::string_view path) const = 0;

    // Runs on the connection's strand. Must not throw: failures become responses.
    virtual boost::asio::awaitable<http::Response> handle(http::Request& request) = 0;
};

}  // namespace icg::server
