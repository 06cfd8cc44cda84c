#pragma once
// Cross-site request forgery rules for state-changing proxied calls: the request must carry a
// custom header (which a cross-site form cannot send, and cross-site fetch cannot send without a
// CORS preflight the gateway never grants), and any Origin or Sec-Fetch-Site must say same-origin.
// By allow list: every method but GET and HEAD must pass (method_policy.hpp refuses unknown ones).
#include "http/message.hpp"

#include <string_view>

namespace icg::proxy {

// `public_origin` is server.public_url (scheme://host[:port]).
bool csrf_allows(const http::Request& request, std::string_view public_origin);

}  // namespace icg::proxy
