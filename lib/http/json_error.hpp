#pragma once
// The gateway's own error answers: {"error":"<code>"} with a note for the access log. A plain
// function, so coroutines never build the literal inside co_return (GCC 12 mishandles that).
#include "http/message.hpp"

#include <string>
#include <string_view>

namespace icg::http {

// `code` is a fixed word of the gateway's ("not_allowed"), never anything a client sent.
Response json_error(unsigned status, std::string_view code, std::string log_note);

}  // namespace icg::http
