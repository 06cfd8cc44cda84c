#include "session/session_record.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace icg::session {

core::Secret serialize(const SessionRecord& r) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto field = [&](const char* key, std::string_view value) {
        w.Key(key);
        w.String(value.data(), rapidjson::SizeType(value.size()));
    };
    w.StartObject();
    field("token", r.access_token.expose());
    field("admin_id", r.admin_id);
    field("admin_name", r.admin_name);
    field("admin_email", r.admin_email);
    field("workspace_id", r.workspace_id);
    field("workspace_name", r.workspace_name);
    w.Key("created_at");
    w.Int64(r.created_at);
    w.Key("expires_at");
    w.Int64(r.expires_at);
    w.EndObject();
    core::Secret out(std::string(buffer.GetString(), buffer.GetSize()));
    buffer.Clear();
    return out;
}

std::optional<SessionRecord> deserialize(std::string_view json) {
    if (json.empty()) return std::nullopt;  // rapidjson would offset a null pointer
    rapidjson::Document doc;
    // Iterative: a deeply nested document must not exhaust the stack (found by fuzzing).
    doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    SessionRecord r;
    auto text = [&](const char* key, std::string& out) {
        auto it = doc.FindMember(key);
        if (it == doc.MemberEnd() || !it->value.IsString()) return false;
        out.assign(it->value.GetString(), it->value.GetStringLength());
        return true;
    };
    auto number = [&](const char* key, std::int64_t& out) {
        auto it = doc.FindMember(key);
        if (it == doc.MemberEnd() || !it->value.IsInt64()) return false;
        out = it->value.GetInt64();
        return true;
    };
    std::string token;
    if (!text("token", token) || token.empty()) return std::nullopt;
    r.access_token = core::Secret(std::move(token));
    if (!text("admin_id", r.admin_id) || !text("admin_name", r.admin_name) || !text("admin_email", r.admin_email) ||
        !text("workspace_id", r.workspace_id) || !text("workspace_name", r.workspace_name) ||
        !number("created_at", r.created_at) || !number("expires_at", r.expires_at))
        return std::nullopt;
    return r;
}

}  // namespace icg::session
