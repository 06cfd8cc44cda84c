#pragma once
// Opening a Redis connection: connect with a deadline, then AUTH and SELECT from the URL and a
// PING, all answered before the connection is used. Shared by the command client and the
// invalidation listener; internal to redis/ (it exposes Beast's stream type).
#include "redis/codec.hpp"
#include "redis/redis_url.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <string>

namespace icg::redis {

// On a refused AUTH or SELECT, `refusal` gets the server's error text (which names no secret).
boost::asio::awaitable<boost::system::error_code> open_connection(boost::beast::tcp_stream& stream,
                                                                  const RedisEndpoint& endpoint,
                                                                  std::chrono::milliseconds connect_timeout,
                                                                  ReplyReader& reader, std::string& refusal);

}  // namespace icg::redis
