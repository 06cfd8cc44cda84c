#pragma once
// Where to send the browser after login: only ever a path on our own origin (no open redirect).
#include <string>
#include <string_view>

namespace icg::auth {

// `raw` is the percent-decoded return_to value. Returns it when it is a same-origin relative path,
// otherwise "/". Rejects //host, /\host, absolute URLs, control and non-ASCII bytes, and values
// that decode once more into one of those.
std::string safe_return_to(std::string_view raw);

}  // namespace icg::auth
