#include "workspace/workspace_connection.hpp"

#include "core/flat_json.hpp"

#include <algorithm>

namespace icg::workspace {

core::Secret serialize(const WorkspaceConnection& c) {
    core::FlatJsonWriter w;
    w.text("token", c.access_token.expose());
    w.text("workspace_id", c.workspace_id);
    w.text("workspace_name", c.workspace_name);
    w.text("api_base", c.api_base);
    w.text("admin_id", c.admin_id);
    w.text("admin_name", c.admin_name);
    w.number("connected_at", c.connected_at);
    return w.finish();
}

std::optional<WorkspaceConnection> deserialize_connection(std::string_view json) {
    const core::FlatJsonReader in(json);
    if (!in.is_object()) return std::nullopt;
    WorkspaceConnection c;
    std::string token;
    if (!in.text("token", token) || token.empty()) return std::nullopt;
    c.access_token = core::Secret(std::move(token));
    if (!in.text("workspace_id", c.workspace_id) || !in.text("workspace_name", c.workspace_name) ||
        !in.text("api_base", c.api_base) || !in.text("admin_id", c.admin_id) || !in.text("admin_name", c.admin_name) ||
        !in.number("connected_at", c.connected_at))
        return std::nullopt;
    if (!looks_like_workspace_id(c.workspace_id)) return std::nullopt;
    return c;
}

bool looks_like_workspace_id(std::string_view text) noexcept {
    return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
               ch == '-';
    });
}

}  // namespace icg::workspace
