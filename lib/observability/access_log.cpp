#include "observability/access_log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <iterator>

namespace icg::observability {
namespace {

std::string timestamp() {
    const auto now = std::chrono::system_clock::now();
    const auto t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms));
    return buf;
}

void emit(const std::string& line) {
    // One fwrite per line: stdio locks the stream, so lines from several threads never interleave.
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

}  // namespace

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
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
    return out;
}

void write_access_log(const AccessLogEntry& e) {
    std::string line;
    line.reserve(256);
    line += "{\"ts\":\"" + timestamp() + "\",\"type\":\"access\",\"remote\":\"" + json_escape(e.remote) +
            "\",\"method\":\"" + json_escape(e.method) + "\",\"path\":\"" + json_escape(e.path) +
            "\",\"status\":" + std::to_string(e.status) + ",\"bytes_in\":" + std::to_string(e.bytes_in) +
            ",\"bytes_out\":" + std::to_string(e.bytes_out) +
            ",\"duration_ms\":" + std::to_string(double(e.duration.count()) / 1000.0);
    if (!e.note.empty()) line += ",\"note\":\"" + json_escape(e.note) + "\"";
    if (!e.request_id.empty()) line += ",\"request_id\":\"" + json_escape(e.request_id) + "\"";
    if (!e.caller.empty()) line += ",\"service\":\"" + json_escape(e.caller) + "\"";
    if (!e.workspace.empty()) line += ",\"workspace\":\"" + json_escape(e.workspace) + "\"";
    if (e.upstream_time) line += ",\"upstream_ms\":" + std::to_string(double(e.upstream_time->count()) / 1000.0);
    line += "}\n";
    emit(line);
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
    emit("{\"ts\":\"" + timestamp() + "\",\"level\":\"" + json_escape(level) + "\",\"msg\":\"" + json_escape(message) +
         "\"}\n");
}

}  // namespace icg::observability
