#pragma once
// One request/response with the upstream, stated by the caller and carried out by upstream/: the
// caller gives the request head and body pieces and takes the answer's head and body pieces;
// upstream/ owns the connection, the HTTP/1.1 framing both ways, parsing, reuse, and the one
// retry rule (a kept-alive connection the server closed while idle). The proxy and the login's
// OAuth calls both go through it.
#include "http/message.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace icg::upstream {

struct RequestHead {
    std::string_view method;
    std::string_view target;      // origin-form, as sent upstream
    const http::Headers& fields;  // end-to-end fields and Host; the framing fields are added here
    // Length of the body the caller will write; nullopt: it is sent chunked; 0: none.
    std::optional<std::uint64_t> content_length = 0;
    // A body held whole by the caller, sent with the head (content_length is then its size).
    std::string_view whole_body = {};
    // May be sent a second time on a new connection when a kept-alive one turns out to have been
    // closed by the server before any answer came (it never reached the server then). Only a
    // request without a streamed body can be: the pieces are not kept.
    bool resend_if_stale = false;
};

struct CallTimeouts {
    std::chrono::milliseconds response{30'000};   // head written → answer's head read
    std::chrono::milliseconds idle_body{30'000};  // longest wait for one body piece, either way
    // Nothing of the call outlives this (the login's calls have one deadline for everything).
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

class UpstreamCall {
public:
    virtual ~UpstreamCall() = default;

    // The request body, piece by piece (in chunks when it is sent chunked); then finish_body.
    virtual boost::asio::awaitable<boost::system::error_code> write_body(std::span<const char> piece) = 0;
    virtual boost::asio::awaitable<boost::system::error_code> finish_body() = 0;

    // Waits for the answer's head (no body is expected for an answer to HEAD).
    virtual boost::asio::awaitable<boost::system::error_code> read_head() = 0;
    virtual unsigned status() const = 0;
    virtual const http::Headers& headers() const = 0;
    // Of the answer: its Content-Length, nullopt when chunked; no_body() when it has none at all.
    virtual std::optional<std::uint64_t> content_length() const = 0;
    virtual bool no_body() const = 0;
    virtual bool body_done() const = 0;
    // The next piece of the answer's body into `into`; 0 once it is complete.
    virtual boost::asio::awaitable<boost::system::result<std::size_t>> read_body(std::span<char> into) = 0;

    // A 16 KiB buffer that belongs to the connection, for relaying bodies through.
    virtual std::span<char> relay_buffer() = 0;

    // Ends the call: the connection is kept for another call when both messages ended cleanly and
    // the upstream keeps it alive; otherwise (also when the call is destroyed without this) closed.
    virtual void finish() = 0;
};

class UpstreamClient {
public:
    virtual ~UpstreamClient() = default;
    // A connection (waiting within the client's bounds and the deadline) with the head written.
    // Errors are UpstreamErrc values.
    virtual boost::asio::awaitable<boost::system::result<std::unique_ptr<UpstreamCall>>> start(
        const RequestHead& head, const CallTimeouts& timeouts) = 0;
};

}  // namespace icg::upstream
