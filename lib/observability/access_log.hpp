#pragma once
// One JSON line per request on stdout. Only what is safe to keep: never a query string, cookie,
// header value, token, code, state or session id.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace icg::observability {

struct AccessLogEntry {
    std::string_view remote;
    std::string_view method;
    std::string_view path;  // without the query
    unsigned status = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::chrono::microseconds duration{0};
    std::string_view note;  // a short fixed word from the handler, e.g. "login_started"
    std::string_view request_id;
    std::optional<std::chrono::microseconds> upstream_time;
    std::string_view caller;     // an internal service's name; empty for browsers
    std::string_view workspace;  // the workspace id a service acted for
};

void write_access_log(const AccessLogEntry& entry);

// One line for start-up, shutdown and failures: {"level":…,"msg":…}. `message` must hold no secret.
// `level` is debug, info, warn, error or fatal; lines below the floor are dropped.
void log_event(std::string_view level, std::string_view message);

// The event log's floor (log.level): "debug", "info", "warn" or "error"; false for anything else.
// Fatal lines always go out. The access log has its own switch (server.access_log).
bool set_event_log_floor(std::string_view level);
bool is_event_log_level(std::string_view level);

std::string json_escape(std::string_view text);

}  // namespace icg::observability
