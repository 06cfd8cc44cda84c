#pragma once
// A workspace's connection: the token an admin's login gave the app for that workspace, kept
// until the workspace revokes it or is disconnected (Intercom's tokens never expire). Services
// call Intercom with it; the admin's email is not kept (no route needs it).
#include "core/secret.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace icg::workspace {

struct WorkspaceConnection {
    core::Secret access_token;
    std::string workspace_id;  // Intercom's app.id_code
    std::string workspace_name;
    std::string api_base;  // the API origin the token belongs to
    std::string admin_id;  // who connected it
    std::string admin_name;
    std::int64_t connected_at = 0;  // unix seconds
};

// JSON, to be sealed as a whole.
core::Secret serialize(const WorkspaceConnection& connection);
std::optional<WorkspaceConnection> deserialize_connection(std::string_view json);

// True for what Intercom uses as workspace ids (letters, digits, '_' and '-'; 1 to 64), so a
// header or path segment never reaches a Redis key unchecked.
bool looks_like_workspace_id(std::string_view text) noexcept;

}  // namespace icg::workspace
