#pragma once
// Opening a Redis connection: connect with a deadline, then AUTH and SELECT from the URL and a
// PING, all answered before the connection is used. Shared by the command client and the
// invalidation listener; internal to redis/ (it exposes Beast's stream type).
#include "net/resolve_within.hpp"
#include "redis/codec.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_url.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <string>

namespace icg::redis {

// On a refused AUTH or SELECT, `refusal` gets the server's error text (which names no secret).
// The host name is looked up with `lookup` (see net/resolve_within.hpp); the lookup and the
// connect each keep to `connect_timeout`.
boost::asio::awaitable<boost::system::error_code> open_connection(boost::beast::tcp_stream& stream,
                                                                  const RedisEndpoint& endpoint,
                                                                  std::chrono::milliseconds connect_timeout,
                                                                  const net::Lookup& lookup, ReplyReader& reader,
                                                                  std::string& refusal);

// `options` with its lookup set: the system's resolver on `executor` unless a test gave its own.
RedisOptions with_lookup(RedisOptions options, const boost::asio::any_io_executor& executor);

}  // namespace icg::redis
