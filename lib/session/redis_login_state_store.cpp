#include "session/redis_login_state_store.hpp"

#include "core/secret.hpp"
#include "crypto/digest.hpp"
#include "crypto/session_cipher.hpp"
#include "redis/commands.hpp"
#include "redis/redis_error.hpp"

namespace icg::session {
namespace asio = boost::asio;
using boost::system::result;

namespace {
// The sealed value is "<binding hash> <return_to>": the hash is fixed-length hex and return_to
// has no spaces (safe_return_to rejects them), so one space separates them.
constexpr std::size_t binding_hex_length = 64;

// Lists a pending login under its browser, scored by when it lapses; the list lives as long as its
// newest entry. Redis's clock, so that replicas with skewed clocks agree.
constexpr const char* list_script =
    "local now = redis.call('TIME')[1] "
    "redis.call('ZADD', KEYS[1], now + ARGV[2], ARGV[1]) "
    "local ttl = redis.call('TTL', KEYS[1]) "
    "if ttl < tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end "
    "return 1";

// Unlists a login and counts the browser's others that have not lapsed.
constexpr const char* unlist_script =
    "redis.call('ZREM', KEYS[1], ARGV[1]) "
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', redis.call('TIME')[1]) "
    "return redis.call('ZCARD', KEYS[1])";
}  // namespace

RedisLoginStateStore::RedisLoginStateStore(redis::Commands& redis, const crypto::SessionCipher& cipher,
                                           core::Random& random, std::string key_prefix)
    : redis_(redis), cipher_(cipher), random_(random), key_prefix_(std::move(key_prefix)) {}

std::string RedisLoginStateStore::key_for(std::string_view state, std::string_view browser_binding) const {
    const core::Secret both(std::string(state) + " " + std::string(browser_binding));
    return key_prefix_ + "login:" + crypto::sha256_hex(both.expose());
}

std::string RedisLoginStateStore::pending_key_for(std::string_view browser_binding) const {
    return key_prefix_ + "login-pending:" + std::string(browser_binding);
}

asio::awaitable<result<void>> RedisLoginStateStore::put(const std::string& state, const PendingLogin& login,
                                                        std::chrono::seconds ttl) {
    std::string key = key_for(state, login.browser_binding);
    auto list_command = redis::command("EVAL", list_script, "1", pending_key_for(login.browser_binding),
                                       crypto::sha256_hex(key), std::to_string(ttl.count()));
    auto listed = co_await redis_.exec(std::move(list_command));
    if (!listed) co_return listed.error();
    if (listed->type != redis::Reply::Type::integer) co_return make_error_code(redis::RedisErrc::unexpected_reply);
    std::string sealed = cipher_.seal(login.browser_binding + " " + login.return_to, key, random_);
    auto set_command = redis::command("SET", std::move(key), std::move(sealed), "EX", std::to_string(ttl.count()));
    auto reply = co_await redis_.exec(std::move(set_command));
    if (!reply) co_return reply.error();
    if (!reply->is_status("OK")) co_return make_error_code(redis::RedisErrc::unexpected_reply);
    co_return result<void>{};
}

asio::awaitable<result<std::optional<TakenLogin>>> RedisLoginStateStore::take(const std::string& state,
                                                                              std::string_view browser_binding) {
    const std::string key = key_for(state, browser_binding);
    auto getdel_command = redis::command("GETDEL", key);
    auto reply = co_await redis_.exec(std::move(getdel_command));
    if (!reply) co_return reply.error();
    if (reply->is_nil() || !reply->is_string()) co_return std::optional<TakenLogin>{};
    // A value that does not open under this key was not written by a gateway: no login.
    const auto opened = cipher_.open(reply->text, key);
    if (!opened) co_return std::optional<TakenLogin>{};
    const std::string_view value = opened->expose();
    if (value.size() < binding_hex_length + 2 || value[binding_hex_length] != ' ')
        co_return std::optional<TakenLogin>{};
    TakenLogin taken{
        .login = {std::string(value.substr(0, binding_hex_length)), std::string(value.substr(binding_hex_length + 1))},
        .others_pending = false};
    if (!core::constant_time_equal(taken.login.browser_binding, browser_binding)) co_return std::optional<TakenLogin>{};
    auto unlist_command =
        redis::command("EVAL", unlist_script, "1", pending_key_for(browser_binding), crypto::sha256_hex(key));
    auto others = co_await redis_.exec(std::move(unlist_command));
    // The login itself is good: a count that fails keeps the cookie, which lapses by its Max-Age.
    taken.others_pending = !others || others->type != redis::Reply::Type::integer || others->integer > 0;
    co_return taken;
}

}  // namespace icg::session
