#pragma once
// An HTTPS client for tests of large bodies: the request body is generated while it is sent and
// the response body is hashed while it is read, so neither is ever held whole. Verifies the server
// against the test CA (SNI and host name "localhost"), like HttpsConnection.
#include "support/test_client.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace icg::testing {

// The bytes of a generated body: byte i is (i * 31 + 7) mod 251, the pattern of mock-intercom's
// GET /stream, produced piece by piece.
class PatternSource {
public:
    // Fills `into` with the next bytes of the pattern.
    void fill(char* into, std::size_t size);
    std::uint64_t position() const noexcept { return position_; }

private:
    std::uint64_t position_ = 0;
};

// Lower-case hex SHA-256 of the first `length` bytes of the pattern, computed piece by piece.
std::string pattern_sha256(std::uint64_t length);

// An incremental SHA-256 (OpenSSL EVP), lower-case hex.
class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, std::size_t size);
    std::string finish();  // once

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

enum class Framing { content_length, chunked };

struct StreamingRequest {
    std::string method = "GET";
    std::string target;
    HeaderList headers;                 // Host is added
    std::optional<std::uint64_t> body;  // length of a generated body; nullopt: no body
    Framing framing = Framing::content_length;
    std::size_t piece_size = std::size_t{64} * 1024;  // bytes per write (per chunk when chunked)
    // Stop after this many body bytes (the head announcing the whole body is sent all the same).
    std::optional<std::uint64_t> stop_body_after;
};

// What went out: the body bytes written and their SHA-256.
struct SentBody {
    std::uint64_t length = 0;
    std::string sha256;
    bool complete = false;  // false when stopped early
};

// A response whose body was counted and hashed, not kept (except for the first `keep` bytes).
struct StreamedResponse {
    unsigned status = 0;
    HeaderList headers;
    bool chunked = false;
    std::optional<std::uint64_t> content_length;
    std::uint64_t body_length = 0;
    std::string body_sha256;  // of the bytes read
    std::string body;         // the first bytes, up to ReadOptions::keep
    bool complete = false;    // the whole message was read (false when stopped early)
    bool keep_alive = false;

    std::string header(std::string_view name) const;  // first value, case-insensitive; "" when absent
};

struct ReadOptions {
    std::size_t keep = std::size_t{64} * 1024;        // body bytes kept in StreamedResponse::body
    std::optional<std::uint64_t> stop_after;          // stop reading once this many body bytes arrived
    std::size_t piece_size = std::size_t{64} * 1024;  // bytes per read
    // Called before each read with the body bytes so far: a test that blocks in it holds the
    // sender back (TCP flow control) for as long as it needs, mid-body.
    std::function<void(std::uint64_t received)> progress;
};

// One TLS connection. Every call throws std::runtime_error on a network or TLS error, or when its
// deadline passes (the deadline applies to each read or write, not to a whole body).
class StreamingConnection {
public:
    StreamingConnection(std::uint16_t port, const std::filesystem::path& ca_file,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));
    ~StreamingConnection();
    StreamingConnection(const StreamingConnection&) = delete;
    StreamingConnection& operator=(const StreamingConnection&) = delete;
    StreamingConnection(StreamingConnection&&) noexcept;
    StreamingConnection& operator=(StreamingConnection&&) noexcept;

    SentBody write_request(const StreamingRequest& request);
    StreamedResponse read_response(const ReadOptions& options = {});

    // Both in one call.
    StreamedResponse exchange(const StreamingRequest& request, const ReadOptions& options = {},
                              SentBody* sent = nullptr);

    // Ends the connection the rudest way: no TLS close_notify, and a TCP reset (SO_LINGER 0).
    void abort();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace icg::testing
