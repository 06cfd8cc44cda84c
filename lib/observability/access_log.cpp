#include "observability/access_log.hpp"

#include "observability/log_output.hpp"

#include <atomic>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <iterator>

namespace icg::observability {
namespace {

// "2026-11-30T06:52:39.133Z": the date and time are formatted once a second per thread, the
// milliseconds every time.
void append_timestamp(std::string& out, std::chrono::system_clock::time_point now) {
    struct Cached {
        std::time_t second = -1;
        char text[64] = {};  // 21 bytes in practice; room for what snprintf fears
    };
    thread_local Cached cached;
    const auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t second = std::time_t(since_epoch / 1000);
    if (second != cached.second) {
        std::tm tm{};
        gmtime_r(&second, &tm);
        std::snprintf(cached.text, sizeof cached.text, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached.second = second;
    }
    out.append(cached.text);
    const int ms = int(since_epoch % 1000);
    const char digits[] = {char('0' + ms / 100), char('0' + ms / 10 % 10), char('0' + ms % 10), 'Z'};
    out.append(digits, sizeof digits);
}

bool needs_escape(unsigned char c) {
    return c == '"' || c == '\\' || c < 0x20 || c == 0x7f;
}

void append_escaped(std::string& out, std::string_view text) {
    // Almost every value needs no escape: then it is one append.
    std::size_t plain = 0;
    while (plain < text.size() && !needs_escape(static_cast<unsigned char>(text[plain]))) ++plain;
    out.append(text.data(), plain);
    text.remove_prefix(plain);
    for (unsigned char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += char(c);
                }
        }
    }
}

void append_number(std::string& out, std::uint64_t n) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, end);
}

// Microseconds as milliseconds with three decimals: 1234 → "1.234".
void append_milliseconds(std::string& out, std::chrono::microseconds d) {
    const auto us = std::uint64_t(d.count() < 0 ? 0 : d.count());
    append_number(out, us / 1000);
    const unsigned frac = unsigned(us % 1000);
    const char digits[] = {'.', char('0' + frac / 100), char('0' + frac / 10 % 10), char('0' + frac % 10)};
    out.append(digits, sizeof digits);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out += ",\"";
    out += name;
    out += "\":\"";
    append_escaped(out, value);
    out += '"';
}

}  // namespace

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_escaped(out, text);
    return out;
}

void write_access_log(const AccessLogEntry& e) {
    // Built in a buffer each thread keeps: no allocation once it has grown to a line's size.
    thread_local std::string line;
    line.clear();
    line += "{\"ts\":\"";
    append_timestamp(line, std::chrono::system_clock::now());
    line += "\",\"type\":\"access\"";
    append_field(line, "remote", e.remote);
    append_field(line, "method", e.method);
    append_field(line, "path", e.path);
    line += ",\"status\":";
    append_number(line, e.status);
    line += ",\"bytes_in\":";
    append_number(line, e.bytes_in);
    line += ",\"bytes_out\":";
    append_number(line, e.bytes_out);
    line += ",\"duration_ms\":";
    append_milliseconds(line, e.duration);
    if (!e.note.empty()) append_field(line, "note", e.note);
    if (!e.request_id.empty()) append_field(line, "request_id", e.request_id);
    if (!e.caller.empty()) append_field(line, "service", e.caller);
    if (!e.workspace.empty()) append_field(line, "workspace", e.workspace);
    if (e.upstream_time) {
        line += ",\"upstream_ms\":";
        append_milliseconds(line, *e.upstream_time);
    }
    line += "}\n";
    standard_output().write(line, LogOutput::Clock::now());
}

namespace {

constexpr std::string_view levels[] = {"debug", "info", "warn", "error", "fatal"};

int rank_of(std::string_view level) {
    for (int i = 0; i < int(std::size(levels)); ++i)
        if (levels[i] == level) return i;
    return -1;
}

std::atomic<int> floor_rank{1};  // info

}  // namespace

bool is_event_log_level(std::string_view level) {
    const int rank = rank_of(level);
    return rank >= 0 && rank < 4;
}

bool set_event_log_floor(std::string_view level) {
    if (!is_event_log_level(level)) return false;
    floor_rank.store(rank_of(level), std::memory_order_relaxed);
    return true;
}

void log_event(std::string_view level, std::string_view message) {
    // An unknown level is shown rather than lost.
    if (const int rank = rank_of(level); rank >= 0 && rank < floor_rank.load(std::memory_order_relaxed)) return;
    std::string line = "{\"ts\":\"";
    append_timestamp(line, std::chrono::system_clock::now());
    line += "\",\"level\":\"";
    append_escaped(line, level);
    line += "\",\"msg\":\"";
    append_escaped(line, message);
    line += "\"}\n";
    // At once, after any access lines still batched: a failure is never held back, and the order holds.
    standard_output().write_now(line);
}

}  // namespace icg::observability
