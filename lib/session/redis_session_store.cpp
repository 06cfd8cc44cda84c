#include "session/redis_session_store.hpp"

#include "core/clock.hpp"
#include "core/random.hpp"
#include "crypto/digest.hpp"
#include "crypto/session_cipher.hpp"
#include "redis/redis_client.hpp"
#include "redis/redis_error.hpp"

#include <algorithm>

namespace icg::session {
namespace asio = boost::asio;

namespace {
constexpr std::size_t session_id_bytes = 32;  // 256 bits from the CSPRNG
constexpr std::size_t session_id_chars = 43;  // base64url without padding

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
}  // namespace

bool looks_like_session_id(std::string_view v) noexcept {
    return v.size() == session_id_chars && std::all_of(v.begin(), v.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_';
           });
}

RedisSessionStore::RedisSessionStore(redis::RedisClient& redis, const crypto::SessionCipher& cipher,
                                     core::Random& random, const core::Clock& clock, std::string key_prefix,
                                     std::chrono::seconds idle_timeout)
    : redis_(redis),
      cipher_(cipher),
      random_(random),
      clock_(clock),
      key_prefix_(std::move(key_prefix)),
      idle_timeout_(idle_timeout) {}

std::string RedisSessionStore::key_for(const core::Secret& id) const {
    return key_space() + crypto::sha256_hex(id.expose());
}

std::int64_t RedisSessionStore::now_unix_seconds() const {
    return unix_seconds(clock_.now());
}

asio::awaitable<Result<core::Secret>> RedisSessionStore::create(const SessionRecord& record) {
    const auto now = unix_seconds(clock_.now());
    const auto ttl = std::min<std::int64_t>(idle_timeout_.count(), record.expires_at - now);
    if (ttl <= 0) co_return make_error_code(std::errc::invalid_argument);
    // NX: an id collision (2^-256) must never overwrite somebody else's session.
    for (int attempt = 0; attempt < 3; ++attempt) {
        core::Secret id(random_.token(session_id_bytes));
        const std::string key = key_for(id);
        auto plain = serialize(record);
        auto set_command =
            redis::command("SET", key, cipher_.seal(plain.expose(), key, random_), "EX", std::to_string(ttl), "NX");
        auto reply = co_await redis_.exec(std::move(set_command));
        if (!reply) co_return reply.error();
        if (reply->is_status("OK")) co_return id;
    }
    co_return make_error_code(redis::RedisErrc::unexpected_reply);
}

asio::awaitable<Result<std::optional<SessionRecord>>> RedisSessionStore::load(const core::Secret& id) {
    if (!looks_like_session_id(id.expose())) co_return std::optional<SessionRecord>{};
    const std::string key = key_for(id);
    // GETEX reads and slides the idle timeout in one round trip.
    auto getex_command = redis::command("GETEX", key, "EX", std::to_string(idle_timeout_.count()));
    auto reply = co_await redis_.exec(std::move(getex_command));
    if (!reply) co_return reply.error();
    if (reply->is_nil()) co_return std::optional<SessionRecord>{};
    if (!reply->is_string()) co_return make_error_code(redis::RedisErrc::unexpected_reply);

    // A record that does not open (other key, tampered) is treated as no session.
    auto plain = cipher_.open(reply->text, key);
    if (!plain) co_return std::optional<SessionRecord>{};
    auto record = deserialize(plain->expose());
    if (!record) co_return std::optional<SessionRecord>{};

    const auto now = unix_seconds(clock_.now());
    if (record->expires_at <= now) {
        auto del_command = redis::command("DEL", key);
        co_await redis_.exec(std::move(del_command));
        co_return std::optional<SessionRecord>{};
    }
    // Near the absolute end, the idle extension must not outlive it.
    if (record->expires_at - now < idle_timeout_.count()) {
        auto expireat_command = redis::command("EXPIREAT", key, std::to_string(record->expires_at));
        auto expire = co_await redis_.exec(std::move(expireat_command));
        if (!expire) co_return expire.error();
    }
    co_return std::move(record);
}

asio::awaitable<Result<void>> RedisSessionStore::erase(const core::Secret& id) {
    if (!looks_like_session_id(id.expose())) co_return Result<void>{};
    auto del_command = redis::command("DEL", key_for(id));
    auto reply = co_await redis_.exec(std::move(del_command));
    if (!reply) co_return reply.error();
    co_return Result<void>{};
}

}  // namespace icg::session
