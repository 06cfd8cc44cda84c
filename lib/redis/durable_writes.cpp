#include "redis/durable_writes.hpp"

#include "redis/redis_error.hpp"

#include <string>

namespace icg::redis {

boost::asio::awaitable<boost::system::error_code> DurableWrites::confirm(std::string_view key) {
    if (replicas_ == 0) co_return boost::system::error_code{};
    auto wait_command = command("WAIT", std::to_string(replicas_), std::to_string(timeout_.count()));
    // WAIT answers when enough replicas confirmed or at its timeout: the reply may be that late.
    auto reply = co_await client_.exec_beside(key, std::move(wait_command), timeout_);
    if (!reply) co_return reply.error();
    if (reply->type != Reply::Type::integer) co_return make_error_code(RedisErrc::unexpected_reply);
    if (reply->integer < replicas_) co_return make_error_code(RedisErrc::too_few_replicas);
    co_return boost::system::error_code{};
}

}  // namespace icg::redis
