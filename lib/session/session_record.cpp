#include "session/session_record.hpp"

#include "core/flat_json.hpp"

namespace icg::session {

core::Secret serialize(const SessionRecord& r) {
    core::FlatJsonWriter w;
    w.text("token", r.access_token.expose());
    w.text("admin_id", r.admin_id);
    w.text("admin_name", r.admin_name);
    w.text("admin_email", r.admin_email);
    w.text("workspace_id", r.workspace_id);
    w.text("workspace_name", r.workspace_name);
    w.number("created_at", r.created_at);
    w.number("expires_at", r.expires_at);
    return w.finish();
}

std::optional<SessionRecord> deserialize(std::string_view json) {
    const core::FlatJsonReader in(json);
    if (!in.is_object()) return std::nullopt;
    SessionRecord r;
    std::string token;
    if (!in.text("token", token) || token.empty()) return std::nullopt;
    r.access_token = core::Secret(std::move(token));
    if (!in.text("admin_id", r.admin_id) || !in.text("admin_name", r.admin_name) ||
        !in.text("admin_email", r.admin_email) || !in.text("workspace_id", r.workspace_id) ||
        !in.text("workspace_name", r.workspace_name) || !in.number("created_at", r.created_at) ||
        !in.number("expires_at", r.expires_at))
        return std::nullopt;
    return r;
}

}  // namespace icg::session
