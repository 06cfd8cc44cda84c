#pragma once
// Why a Redis command failed, as std error codes so the request path needs no exceptions.
#include <boost/system/error_code.hpp>

namespace icg::redis {

enum class RedisErrc {
    not_connected = 1,  // the connection is down; the client is reconnecting
    timeout,            // no reply within redis.command_timeout
    connection_lost,    // the connection dropped before the reply came
    protocol_error,     // the server sent something that is not RESP
    error_reply,        // the server answered with an error (-ERR …)
    unexpected_reply,   // a reply of the wrong type for the command
    not_master,         // the server is a replica (or a sentinel): the gateway writes only to a master
    too_few_replicas,   // fewer replicas than redis.min_replicas_ack confirmed a write in time
};

const boost::system::error_category& redis_category() noexcept;

inline boost::system::error_code make_error_code(RedisErrc e) noexcept {
    return {static_cast<int>(e), redis_category()};
}

}  // namespace icg::redis

template <>
struct boost::system::is_error_code_enum<icg::redis::RedisErrc> : std::true_type {};
