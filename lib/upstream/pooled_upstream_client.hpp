#pragma once
// UpstreamClient over a ConnectionPool: each call takes a pooled (or new) verified TLS connection,
// writes the head and body framing itself, parses the answer with http::ResponseParser, and gives
// the connection back when both messages ended cleanly.
#include "upstream/upstream_client.hpp"

namespace icg::upstream {

class ConnectionPool;

class PooledUpstreamClient final : public UpstreamClient {
public:
    explicit PooledUpstreamClient(ConnectionPool& pool) : pool_(pool) {}

    boost::asio::awaitable<boost::system::result<std::unique_ptr<UpstreamCall>>> start(
        const RequestHead& head, const CallTimeouts& timeouts) override;

private:
    ConnectionPool& pool_;
};

}  // namespace icg::upstream
