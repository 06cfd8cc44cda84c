#include "workspace/redis_workspace_store.hpp"

#include "core/clock.hpp"
#include "core/random.hpp"
#include "crypto/digest.hpp"
#include "crypto/session_cipher.hpp"
#include "observability/coroutine_exit.hpp"
#include "redis/commands.hpp"
#include "redis/durable_writes.hpp"
#include "redis/redis_error.hpp"

#include <boost/asio/co_spawn.hpp>

#include <algorithm>
#include <cstdlib>

namespace icg::workspace {
namespace asio = boost::asio;

namespace {

std::int64_t unix_seconds(const core::Clock& clock) {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

// Ends a connection, if it still holds the token whose fingerprint is ARGV[1] (empty: any): 1,
// or -1 when there is none (any more), 0 when it holds another token. One key, so that on a
// Cluster it runs wherever the connection lives; the set of ids and the last-use key are cleaned up
// after it, also when an earlier erase stopped half-way (list() skips an id without a connection).
constexpr const char* erase_script =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end "
    "if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end "
    "redis.call('DEL', KEYS[1]) "
    "return 1";

// Seals a connection again under the current key, only if it still holds the record read
// (ARGV[1]): a login that replaced it in between wins.
constexpr const char* reseal_script =
    "if redis.call('HGET', KEYS[1], 'sealed') ~= ARGV[1] then return 0 end "
    "redis.call('HSET', KEYS[1], 'sealed', ARGV[2]) "
    "return 1";

// result<bool> cannot tell an error_code from a bool by conversion.
Result<bool> failed(boost::system::error_code ec) {
    return {boost::system::in_place_error, ec};
}

}  // namespace

RedisWorkspaceStore::RedisWorkspaceStore(asio::any_io_executor executor, redis::Commands& redis,
                                         redis::DurableWrites& durable, const crypto::SessionCipher& cipher,
                                         core::Random& random, const core::Clock& clock, std::string key_prefix)
    : executor_(std::move(executor)),
      redis_(redis),
      durable_(durable),
      cipher_(cipher),
      random_(random),
      clock_(clock),
      key_prefix_(std::move(key_prefix)) {}

asio::awaitable<Result<void>> RedisWorkspaceStore::save(const WorkspaceConnection& connection) {
    if (!looks_like_workspace_id(connection.workspace_id)) co_return make_error_code(std::errc::invalid_argument);
    const std::string key = key_for(connection.workspace_id);
    auto plain = serialize(connection);
    auto set_command = redis::command("HSET", key, "sealed", cipher_.seal(plain.expose(), key, random_), "token",
                                      crypto::fingerprint(connection.access_token.expose()));
    auto stored = co_await durable_.client().exec(std::move(set_command));
    if (!stored) co_return stored.error();
    auto add_command = redis::command("SADD", key_prefix_ + "workspaces", connection.workspace_id);
    auto added = co_await durable_.client().exec(std::move(add_command));
    if (!added) co_return added.error();
    // WAIT covers the connection that wrote the set; on a single server that is also the one that
    // wrote the record. On a Cluster the record's node is asked: the set can be rebuilt, a lost
    // record logs the workspace out.
    if (const auto unconfirmed = co_await durable_.confirm(key)) co_return unconfirmed;
    co_return Result<void>{};
}

asio::awaitable<Result<std::optional<WorkspaceConnection>>> RedisWorkspaceStore::load(std::string_view workspace_id) {
    if (!looks_like_workspace_id(workspace_id)) co_return std::optional<WorkspaceConnection>{};
    const std::string key = key_for(workspace_id);
    auto get_command = redis::command("HGET", key, "sealed");
    auto reply = co_await redis_.exec(std::move(get_command));
    if (!reply) co_return reply.error();
    if (reply->is_nil()) co_return std::optional<WorkspaceConnection>{};
    if (!reply->is_string()) co_return make_error_code(redis::RedisErrc::unexpected_reply);
    // A record that does not open (other key, tampered) is treated as no connection.
    auto opened = cipher_.open_record(reply->text, key);
    if (!opened) co_return std::optional<WorkspaceConnection>{};
    auto connection = deserialize_connection(opened->plaintext.expose());
    if (!connection || connection->workspace_id != workspace_id) co_return std::optional<WorkspaceConnection>{};
    // Opened by an older key of the ring: sealed again under the current one (best effort).
    if (!opened->sealed_with_current_key) {
        auto reseal_command = redis::command("EVAL", reseal_script, "1", key, reply->text,
                                             cipher_.seal(opened->plaintext.expose(), key, random_));
        co_await redis_.exec(std::move(reseal_command));
    }
    co_return std::move(connection);
}

asio::awaitable<Result<std::vector<WorkspaceSummary>>> RedisWorkspaceStore::list() {
    auto members_command = redis::command("SMEMBERS", key_prefix_ + "workspaces");
    auto members = co_await redis_.exec(std::move(members_command));
    if (!members) co_return members.error();
    if (members->type != redis::Reply::Type::array) co_return make_error_code(redis::RedisErrc::unexpected_reply);
    std::vector<WorkspaceSummary> out;
    for (const auto& member : members->elements) {
        auto connection = co_await load(member.text);
        if (!connection) co_return connection.error();
        if (!*connection) continue;  // ended meanwhile
        WorkspaceSummary summary{.id = (*connection)->workspace_id,
                                 .name = (*connection)->workspace_name,
                                 .api_base = (*connection)->api_base,
                                 .connected_at = (*connection)->connected_at};
        auto used_command = redis::command("GET", key_prefix_ + "workspace-used:" + summary.id);
        auto used = co_await redis_.exec(std::move(used_command));
        if (!used) co_return used.error();
        if (used->is_string()) summary.last_used_at = std::strtoll(used->text.c_str(), nullptr, 10);
        out.push_back(std::move(summary));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    co_return out;
}

asio::awaitable<Result<bool>> RedisWorkspaceStore::erase(std::string_view workspace_id, const core::Secret* token) {
    if (!looks_like_workspace_id(workspace_id)) co_return false;
    const std::string id(workspace_id);
    const std::string fingerprint = token ? crypto::fingerprint(token->expose()) : std::string();
    auto erase_command = redis::command("EVAL", erase_script, "1", key_for(id), fingerprint);
    auto reply = co_await redis_.exec(std::move(erase_command));
    if (!reply) co_return failed(reply.error());
    if (reply->type != redis::Reply::Type::integer)
        co_return failed(make_error_code(redis::RedisErrc::unexpected_reply));
    if (reply->integer == 0) co_return false;
    auto unlist_command = redis::command("SREM", key_prefix_ + "workspaces", id);
    if (auto unlisted = co_await redis_.exec(std::move(unlist_command)); !unlisted) co_return failed(unlisted.error());
    auto forget_command = redis::command("DEL", key_prefix_ + "workspace-used:" + id);
    if (auto forgotten = co_await redis_.exec(std::move(forget_command)); !forgotten)
        co_return failed(forgotten.error());
    co_return reply->integer == 1;
}

void RedisWorkspaceStore::note_use(std::string_view workspace_id) {
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(use_mutex_);
        if (auto it = use_written_.find(workspace_id); it != use_written_.end()) {
            if (now - it->second < use_note_interval) return;
            it->second = now;
        } else {
            use_written_.emplace(std::string(workspace_id), now);
        }
    }
    auto write = [](redis::Commands& redis, std::string key, std::string value) -> asio::awaitable<void> {
        auto set_command = redis::command("SET", std::move(key), std::move(value));
        co_await redis.exec(std::move(set_command));  // a lost note only makes last_used_at older
    };
    asio::co_spawn(executor_,
                   write(redis_, key_prefix_ + "workspace-used:" + std::string(workspace_id),
                         std::to_string(unix_seconds(clock_))),
                   observability::LogCoroutineFailure("workspace use note"));
}

}  // namespace icg::workspace
