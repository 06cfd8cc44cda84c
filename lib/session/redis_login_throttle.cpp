#include "session/redis_login_throttle.hpp"

#include "crypto/digest.hpp"
#include "redis/commands.hpp"
#include "redis/redis_error.hpp"

#include <algorithm>

namespace icg::session {
namespace asio = boost::asio;
using boost::system::result;

namespace {

// Counts and starts the window on the first count, atomically: a counter can never be left
// without an expiry. One key per script, so the keys may live on different cluster nodes.
constexpr const char* count_script =
    "local n = redis.call('INCR', KEYS[1]) "
    "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
    "return {n, redis.call('TTL', KEYS[1])}";

}  // namespace

RedisLoginThrottle::RedisLoginThrottle(redis::Commands& redis, std::string key_prefix, LoginThrottleLimits limits)
    : redis_(redis), key_prefix_(std::move(key_prefix)), limits_(limits) {}

void RedisLoginThrottle::set_limits(LoginThrottleLimits limits) {
    const std::lock_guard lock(mutex_);
    limits_ = limits;
}

LoginThrottleLimits RedisLoginThrottle::limits() const {
    const std::lock_guard lock(mutex_);
    return limits_;
}

asio::awaitable<result<RedisLoginThrottle::Count>> RedisLoginThrottle::count_one(std::string key) {
    auto eval = redis::command("EVAL", count_script, "1", std::move(key), std::to_string(limits().window.count()));
    auto reply = co_await redis_.exec(std::move(eval));
    if (!reply) co_return reply.error();
    if (reply->type != redis::Reply::Type::array || reply->elements.size() != 2 ||
        reply->elements[0].type != redis::Reply::Type::integer ||
        reply->elements[1].type != redis::Reply::Type::integer)
        co_return make_error_code(redis::RedisErrc::unexpected_reply);
    co_return Count{reply->elements[0].integer, reply->elements[1].integer};
}

asio::awaitable<result<LoginAdmission>> RedisLoginThrottle::admit(std::string_view binding_hash,
                                                                  std::string_view address) {
    // Addresses are hashed too: keys then have one shape, and a dump of Redis lists no client IPs.
    auto browser = co_await count_one(key_prefix_ + "login-count:browser:" + std::string(binding_hash));
    if (!browser) co_return browser.error();
    auto by_address = co_await count_one(key_prefix_ + "login-count:address:" + crypto::sha256_hex(address));
    if (!by_address) co_return by_address.error();

    LoginAdmission admission;
    auto refuse = [&](const Count& c) {
        admission.admitted = false;
        admission.retry_after = std::max(admission.retry_after, std::chrono::seconds(std::max(1LL, c.ttl)));
    };
    const auto bounds = limits();
    if (browser->count > static_cast<long long>(bounds.per_browser)) refuse(*browser);
    if (by_address->count > static_cast<long long>(bounds.per_address)) refuse(*by_address);
    co_return admission;
}

}  // namespace icg::session
