#include "session/redis_login_state_store.hpp"

#include "crypto/digest.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_error.hpp"

namespace icg::session {
namespace asio = boost::asio;
using boost::system::result;

namespace {
// The stored value is "<binding hash> <return_to>": the hash is fixed-length hex and
// return_to has no spaces (safe_return_to rejects them), so one space separates them.
constexpr std::size_t binding_hex_length = 64;
}  // namespace

RedisLoginStateStore::RedisLoginStateStore(redis::RedisClient& redis, std::string key_prefix)
    : redis_(redis), key_prefix_(std::move(key_prefix)) {}

std::string RedisLoginStateStore::key_for(const std::string& state) const {
    return key_prefix_ + "login:" + crypto::sha256_hex(state);
}

asio::awaitable<result<void>> RedisLoginStateStore::put(const std::string& state, const PendingLogin& login,
                                                        std::chrono::seconds ttl) {
    auto set_command = redis::command("SET", key_for(state), login.browser_binding + " " + login.return_to, "EX",
                                      std::to_string(ttl.count()));
    auto reply = co_await redis_.exec(std::move(set_command));
    if (!reply) co_return reply.error();
    if (!reply->is_status("OK")) co_return make_error_code(redis::RedisErrc::unexpected_reply);
    co_return result<void>{};
}

asio::awaitable<result<std::optional<PendingLogin>>> RedisLoginStateStore::take(const std::string& state) {
    auto getdel_command = redis::command("GETDEL", key_for(state));
    auto reply = co_await redis_.exec(std::move(getdel_command));
    if (!reply) co_return reply.error();
    if (reply->is_nil()) co_return std::optional<PendingLogin>{};
    const std::string& value = reply->text;
    if (!reply->is_string() || value.size() < binding_hex_length + 2 || value[binding_hex_length] != ' ')
        co_return std::optional<PendingLogin>{};
    co_return PendingLogin{value.substr(0, binding_hex_length), value.substr(binding_hex_length + 1)};
}

}  // namespace icg::session
