#include "session/redis_login_state_store.hpp"

#include "core/secret.hpp"
#include "crypto/digest.hpp"
#include "crypto/session_cipher.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_error.hpp"

namespace icg::session {
namespace asio = boost::asio;
using boost::system::result;

namespace {
// The sealed value is "<binding hash> <return_to>": the hash is fixed-length hex and return_to
// has no spaces (safe_return_to rejects them), so one space separates them.
constexpr std::size_t binding_hex_length = 64;
}  // namespace

RedisLoginStateStore::RedisLoginStateStore(redis::RedisClient& redis, const crypto::SessionCipher& cipher,
                                           core::Random& random, std::string key_prefix)
    : redis_(redis), cipher_(cipher), random_(random), key_prefix_(std::move(key_prefix)) {}

std::string RedisLoginStateStore::key_for(std::string_view state, std::string_view browser_binding) const {
    const core::Secret both(std::string(state) + " " + std::string(browser_binding));
    return key_prefix_ + "login:" + crypto::sha256_hex(both.expose());
}

asio::awaitable<result<void>> RedisLoginStateStore::put(const std::string& state, const PendingLogin& login,
                                                        std::chrono::seconds ttl) {
    std::string key = key_for(state, login.browser_binding);
    std::string sealed = cipher_.seal(login.browser_binding + " " + login.return_to, key, random_);
    auto set_command = redis::command("SET", std::move(key), std::move(sealed), "EX", std::to_string(ttl.count()));
    auto reply = co_await redis_.exec(std::move(set_command));
    if (!reply) co_return reply.error();
    if (!reply->is_status("OK")) co_return make_error_code(redis::RedisErrc::unexpected_reply);
    co_return result<void>{};
}

asio::awaitable<result<std::optional<PendingLogin>>> RedisLoginStateStore::take(const std::string& state,
                                                                               std::string_view browser_binding) {
    const std::string key = key_for(state, browser_binding);
    auto getdel_command = redis::command("GETDEL", key);
    auto reply = co_await redis_.exec(std::move(getdel_command));
    if (!reply) co_return reply.error();
    if (reply->is_nil() || !reply->is_string()) co_return std::optional<PendingLogin>{};
    // A value that does not open under this key was not written by a gateway: no login.
    const auto opened = cipher_.open(reply->text, key);
    if (!opened) co_return std::optional<PendingLogin>{};
    const std::string_view value = opened->expose();
    if (value.size() < binding_hex_length + 2 || value[binding_hex_length] != ' ')
        co_return std::optional<PendingLogin>{};
    PendingLogin login{std::string(value.substr(0, binding_hex_length)),
                       std::string(value.substr(binding_hex_length + 1))};
    if (!core::constant_time_equal(login.browser_binding, browser_binding)) co_return std::optional<PendingLogin>{};
    co_return login;
}

}  // namespace icg::session
