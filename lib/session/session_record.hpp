#pragma once
// What a session holds: the Intercom token and who it belongs to.
#include "core/secret.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace icg::session {

struct SessionRecord {
    core::Secret access_token;
    std::string admin_id;
    std::string admin_name;
    std::string admin_email;
    std::string workspace_id;
    std::string workspace_name;
    std::int64_t created_at = 0;  // unix seconds
    std::int64_t expires_at = 0;  // unix seconds: the absolute lifetime, never extended
};

// JSON, to be sealed as a whole: the token and the admin's identity are both encrypted at rest.
core::Secret serialize(const SessionRecord& record);
std::optional<SessionRecord> deserialize(std::string_view json);

}  // namespace icg::session
