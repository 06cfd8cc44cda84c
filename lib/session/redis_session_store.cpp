#include "session/redis_session_store.hpp"

#include "core/clock.hpp"
#include "core/random.hpp"
#include "crypto/digest.hpp"
#include "crypto/session_cipher.hpp"
#include "redis/commands.hpp"
#include "redis/durable_writes.hpp"
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

// Adds one session to its workspace's index: prunes what has ended, keeps the newest entries,
// and keeps the index as long as its longest session.
// ARGV: now, the session's end, the member, the cap, seconds until the end.
constexpr const char* index_add_script =
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1]) "
    "redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3]) "
    "local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4]) "
    "if extra > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, extra - 1) end "
    "if redis.call('TTL', KEYS[1]) < tonumber(ARGV[5]) then redis.call('EXPIRE', KEYS[1], ARGV[5]) end "
    "return 1";

// The index's members held by one token fingerprint (ARGV[1]; empty: all of them).
constexpr const char* index_select_script =
    "local selected = {} "
    "for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do "
    "  if ARGV[1] == '' or string.sub(member, 1, #ARGV[1] + 1) == ARGV[1] .. ':' then "
    "    table.insert(selected, member) "
    "  end "
    "end "
    "return selected";

// Seals a record again under the current key, only if it is still the one read (ARGV[1]): a
// logout or a newer write in between wins. Its expiry is kept.
constexpr const char* reseal_script =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
    "redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') "
    "return 1";
}  // namespace

bool looks_like_session_id(std::string_view v) noexcept {
    return v.size() == session_id_chars && std::all_of(v.begin(), v.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_';
           });
}

RedisSessionStore::RedisSessionStore(redis::Commands& redis, redis::DurableWrites& durable,
                                     const crypto::SessionCipher& cipher, core::Random& random,
                                     const core::Clock& clock, std::string key_prefix,
                                     std::chrono::seconds idle_timeout)
    : redis_(redis),
      durable_(durable),
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
        // Indexed first: an entry whose session was never stored is harmless, a session missing
        // from its index would outlive a revocation.
        if (!record.workspace_id.empty()) {
            const std::string member =
                crypto::fingerprint(record.access_token.expose()) + ":" + key.substr(key_space().size());
            auto index_command =
                redis::command("EVAL", index_add_script, "1", index_key(record.workspace_id), std::to_string(now),
                               std::to_string(record.expires_at), member, std::to_string(max_indexed_per_workspace),
                               std::to_string(record.expires_at - now));
            auto indexed = co_await durable_.client().exec(std::move(index_command));
            if (!indexed) co_return indexed.error();
        }
        auto plain = serialize(record);
        auto set_command =
            redis::command("SET", key, cipher_.seal(plain.expose(), key, random_), "EX", std::to_string(ttl), "NX");
        auto reply = co_await durable_.client().exec(std::move(set_command));
        if (!reply) co_return reply.error();
        if (!reply->is_status("OK")) continue;
        // The cookie is set only for a session a failover cannot take away. One the replicas did
        // not confirm is taken back (at worst it lingers, unreachable without its id, until its
        // idle timeout).
        if (const auto unconfirmed = co_await durable_.confirm(key)) {
            auto del_command = redis::command("DEL", key);
            co_await redis_.exec(std::move(del_command));
            co_return unconfirmed;
        }
        co_return id;
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
    auto opened = cipher_.open_record(reply->text, key);
    if (!opened) co_return std::optional<SessionRecord>{};
    auto record = deserialize(opened->plaintext.expose());
    if (!record) co_return std::optional<SessionRecord>{};
    // Opened by an older key of the ring: sealed again under the current one, so that the old key
    // can go. Best effort: the session is good either way.
    if (!opened->sealed_with_current_key) {
        auto reseal_command = redis::command("EVAL", reseal_script, "1", key, reply->text,
                                             cipher_.seal(opened->plaintext.expose(), key, random_));
        co_await redis_.exec(std::move(reseal_command));
    }

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

asio::awaitable<Result<std::size_t>> RedisSessionStore::end_workspace_keys(std::string_view workspace_id,
                                                                           const core::Secret* token,
                                                                           std::vector<std::string>* ended_keys) {
    const std::string fingerprint = token ? crypto::fingerprint(token->expose()) : std::string();
    const std::string index = index_key(workspace_id);
    auto select_command = redis::command("EVAL", index_select_script, "1", index, fingerprint);
    auto selected = co_await redis_.exec(std::move(select_command));
    if (!selected) co_return selected.error();
    if (selected->type != redis::Reply::Type::array) co_return make_error_code(redis::RedisErrc::unexpected_reply);
    std::size_t ended = 0;
    auto unindex_command = redis::command("ZREM", index);
    for (const auto& member : selected->elements) {
        const auto colon = member.text.find(':');
        if (!member.is_string() || colon == std::string::npos) continue;
        std::string key = key_space() + member.text.substr(colon + 1);
        // One key a command: sessions may live on other cluster nodes than the index.
        auto del_command = redis::command("DEL", key);
        auto deleted = co_await redis_.exec(std::move(del_command));
        if (!deleted) co_return deleted.error();  // what is still indexed is ended by the next attempt
        if (deleted->integer == 1) ++ended;
        unindex_command.push_back(member.text);
        if (ended_keys) ended_keys->push_back(std::move(key));
    }
    if (unindex_command.size() > 2) {
        auto unindexed = co_await redis_.exec(std::move(unindex_command));
        if (!unindexed) co_return unindexed.error();
    }
    co_return ended;
}

asio::awaitable<Result<void>> RedisSessionStore::erase(const core::Secret& id) {
    if (!looks_like_session_id(id.expose())) co_return Result<void>{};
    auto del_command = redis::command("DEL", key_for(id));
    auto reply = co_await redis_.exec(std::move(del_command));
    if (!reply) co_return reply.error();
    co_return Result<void>{};
}

}  // namespace icg::session
