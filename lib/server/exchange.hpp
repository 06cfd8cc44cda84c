#pragma once
// One request/response seen from a handler that relays bodies instead of buffering them (the
// proxy): it pulls the request body in pieces and pushes the response out in pieces, so memory
// stays bounded whatever the body size.
#include "http/message.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

namespace icg::server {

struct ResponseHead {
    unsigned status = 200;
    http::Headers headers;
    std::optional<std::uint64_t> content_length;  // nullopt: chunked (or no body, see below)
    bool no_body = false;                         // 204, 304, answers to HEAD: header only
    std::string log_note;
    std::string request_id;                                  // for the access log
    std::optional<std::chrono::microseconds> upstream_time;  // for the access log
};

class Exchange {
public:
    virtual ~Exchange() = default;

    // Content-Length of the request body; nullopt when chunked. 0 when there is no body.
    virtual std::optional<std::uint64_t> request_content_length() const = 0;
    virtual bool request_body_done() const = 0;
    // Reads the next piece of the request body into `into`; 0 means the body is complete.
    virtual boost::asio::awaitable<boost::system::result<std::size_t>> read_request_body(std::span<char> into) = 0;

    // A head and its whole (small) body in one write: one TLS record, one system call.
    virtual boost::asio::awaitable<boost::system::error_code> write_response(ResponseHead head,
                                                                             std::span<const char> body) = 0;

    virtual boost::asio::awaitable<boost::system::error_code> write_response_head(ResponseHead head) = 0;
    virtual boost::asio::awaitable<boost::system::error_code> write_response_body(std::span<const char> data) = 0;
    virtual boost::asio::awaitable<boost::system::error_code> finish_response() = 0;

    // A whole response at once, for answers decided before the head went out (errors).
    virtual boost::asio::awaitable<void> respond(http::Response response) = 0;
    virtual bool response_started() const = 0;
};

}  // namespace icg::server
