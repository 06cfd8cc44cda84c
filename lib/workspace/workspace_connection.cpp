#include "workspace/workspace_connection.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace icg::workspace {

core::Secret serialize(const WorkspaceConnection& c) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto field = [&](const char* key, std::string_view value) {
        w.Key(key);
        w.String(value.data(), rapidjson::SizeType(value.size()));
    };
    w.StartObject();
    field("token", c.access_token.expose());
    field("workspace_id", c.workspace_id);
    field("workspace_name", c.workspace_name);
    field("api_base", c.api_base);
    field("admin_id", c.admin_id);
    field("admin_name", c.admin_name);
    w.Key("connected_at");
    w.Int64(c.connected_at);
    w.EndObject();
    core::Secret out(std::string(buffer.GetString(), buffer.GetSize()));
    buffer.Clear();
    return out;
}

std::optional<WorkspaceConnection> deserialize_connection(std::string_view json) {
    if (json.empty()) return std::nullopt;  // rapidjson would offset a null pointer
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    WorkspaceConnection c;
    auto text = [&](const char* key, std::string& out) {
        auto it = doc.FindMember(key);
        if (it == doc.MemberEnd() || !it->value.IsString()) return false;
        out.assign(it->value.GetString(), it->value.GetStringLength());
        return true;
    };
    std::string token;
    if (!text("token", token) || token.empty()) return std::nullopt;
    c.access_token = core::Secret(std::move(token));
    if (!text("workspace_id", c.workspace_id) || !text("workspace_name", c.workspace_name) ||
        !text("api_base", c.api_base) || !text("admin_id", c.admin_id) || !text("admin_name", c.admin_name))
        return std::nullopt;
    auto connected = doc.FindMember("connected_at");
    if (connected == doc.MemberEnd() || !connected->value.IsInt64()) return std::nullopt;
    c.connected_at = connected->value.GetInt64();
    if (!looks_like_workspace_id(c.workspace_id)) return std::nullopt;
    return c;
}

bool looks_like_workspace_id(std::string_view text) noexcept {
    return !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
               ch == '-';
    });
}

}  // namespace icg::workspace
