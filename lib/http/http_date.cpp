#include "http/http_date.hpp"

#include <array>
#include <chrono>
#include <cstdio>

namespace icg::http {

std::string http_date(std::time_t t) {
    // Names spelled out: strftime's %a and %b follow the locale, the header must not.
    static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char out[32];
    const int n =
        std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[utc.tm_wday % 7], utc.tm_mday,
                      months[utc.tm_mon % 12], utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return std::string(out, n > 0 ? static_cast<std::size_t>(n) : 0);
}

std::string_view http_date_now() {
    thread_local std::time_t formatted_at = -1;
    thread_local std::string text;
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    if (now != formatted_at) {
        text = http_date(now);
        formatted_at = now;
    }
    return text;
}

}  // namespace icg::http
