#pragma once
// Which upstream target a /intercom/... request maps to. The path and query are kept byte for
// byte; anything that could step outside the API base (dot-segments, encoded slashes or
// backslashes, control bytes) is refused.
#include <optional>
#include <string>
#include <string_view>

namespace icg::proxy {

inline constexpr std::string_view proxy_prefix = "/intercom";

// "/intercom/contacts/1?x=y" → "/contacts/1?x=y"; nullopt when the target is not safe to forward.
std::optional<std::string> upstream_target(std::string_view client_target);

}  // namespace icg::proxy
