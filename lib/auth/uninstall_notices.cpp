#include "auth/uninstall_notices.hpp"

#include "core/clock.hpp"
#include "observability/access_log.hpp"
#include "observability/coroutine_exit.hpp"
#include "upstream/intercom_oauth_client.hpp"
#include "upstream/upstream_error.hpp"
#include "workspace/workspace_revocation.hpp"
#include "workspace/workspace_store.hpp"

#include <boost/asio/co_spawn.hpp>

#include <rapidjson/document.h>

namespace icg::auth {
namespace asio = boost::asio;

namespace {

http::Response received() {
    auto r = http::json_response(200, R"({"status":"received"})");
    r.log_note = "uninstall_notice_received";
    return r;
}

http::Response malformed() {
    auto r = http::json_response(400, R"({"error":"app_id_required"})");
    r.log_note = "uninstall_notice_malformed";
    return r;
}

// Forgotten entries are dropped on the way once there are this many (a minute's worth is enough).
constexpr std::size_t max_remembered = 10'000;

}  // namespace

std::string notice_workspace_id(std::string_view body) {
    if (body.empty()) return {};
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return {};
    const auto it = doc.FindMember("app_id");
    if (it == doc.MemberEnd() || !it->value.IsString()) return {};
    std::string id(it->value.GetString(), it->value.GetStringLength());
    return workspace::looks_like_workspace_id(id) ? id : std::string();
}

UninstallNotices::UninstallNotices(asio::any_io_executor executor, workspace::WorkspaceStore& connections,
                                   upstream::IntercomOAuthClient& intercom, workspace::WorkspaceRevocation& revocation,
                                   const core::Clock& clock)
    : executor_(std::move(executor)),
      connections_(connections),
      intercom_(intercom),
      revocation_(revocation),
      clock_(clock) {}

http::Response UninstallNotices::receive(const http::Request& request) {
    std::string workspace_id = notice_workspace_id(request.body);
    if (workspace_id.empty()) return malformed();
    asio::co_spawn(
        executor_, [this, id = std::move(workspace_id)]() -> asio::awaitable<void> { co_await check(id); },
        observability::LogCoroutineFailure("uninstall notice check"));
    return received();
}

bool UninstallNotices::begin(const std::string& workspace_id) {
    std::lock_guard lock(mutex_);
    if (checking_.contains(workspace_id)) return false;
    const auto now = clock_.now();
    if (auto it = worked_at_.find(workspace_id); it != worked_at_.end()) {
        if (now - it->second < recheck_after) return false;
        worked_at_.erase(it);
    }
    checking_.insert(workspace_id);
    return true;
}

void UninstallNotices::finish(const std::string& workspace_id, bool token_worked) {
    std::lock_guard lock(mutex_);
    checking_.erase(workspace_id);
    if (!token_worked) return;
    const auto now = clock_.now();
    if (worked_at_.size() >= max_remembered)
        std::erase_if(worked_at_, [&](const auto& e) { return now - e.second >= recheck_after; });
    worked_at_.insert_or_assign(workspace_id, now);
}

asio::awaitable<NoticeOutcome> UninstallNotices::check(std::string workspace_id) {
    if (!begin(workspace_id)) co_return NoticeOutcome::skipped;
    struct Finish {
        UninstallNotices& self;
        const std::string& id;
        bool token_worked = false;
        ~Finish() { self.finish(id, token_worked); }
    } finish{*this, workspace_id};

    auto connection = co_await connections_.load(workspace_id);
    if (!connection) {
        observability::log_event("warn", "uninstall notice for workspace " + workspace_id +
                                             " not checked: the workspace store did not answer");
        co_return NoticeOutcome::unverifiable;
    }
    // Unknown workspaces are not logged: anyone can post notices.
    if (!*connection) co_return NoticeOutcome::not_connected;

    auto me = co_await intercom_.fetch_me((*connection)->access_token);
    if (me) {
        finish.token_worked = true;
        observability::log_event(
            "info", "uninstall notice for workspace " + workspace_id + " ignored: Intercom still accepts its token");
        co_return NoticeOutcome::token_works;
    }
    if (me.error() != upstream::UpstreamErrc::token_refused) {
        observability::log_event(
            "warn", "uninstall notice for workspace " + workspace_id + " not checked: " + me.error().message());
        co_return NoticeOutcome::unverifiable;
    }
    auto ended = co_await revocation_.end(workspace_id);
    if (!ended) {
        observability::log_event("warn", "uninstall notice for workspace " + workspace_id +
                                             " verified, but ending it failed: " + ended.error().message());
        co_return NoticeOutcome::unverifiable;
    }
    observability::log_event("info", "uninstall notice for workspace " + workspace_id + " verified: ended");
    co_return NoticeOutcome::ended;
}

}  // namespace icg::auth
