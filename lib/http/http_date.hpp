#pragma once
// The Date header's value (RFC 9110 IMF-fixdate): every response carries one.
#include <ctime>
#include <string>
#include <string_view>

namespace icg::http {

// "Sun, 06 Nov 1994 08:49:37 GMT" for `t` (UTC).
std::string http_date(std::time_t t);

// Now, formatted at most once a second per thread: a response pays for a copy, not a format.
std::string_view http_date_now();

// 1xx, 204 and 304 answers have no content, and (but for 304) no Content-Length either.
constexpr bool status_has_no_content(unsigned status) noexcept {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

}  // namespace icg::http
