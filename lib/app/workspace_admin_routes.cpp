#include "app/workspace_admin_routes.hpp"

#include "app/health_routes.hpp"
#include "http/json_error.hpp"
#include "proxy/service_caller_resolver.hpp"
#include "proxy/service_directory.hpp"
#include "workspace/workspace_revocation.hpp"
#include "workspace/workspace_store.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace icg::app {
namespace asio = boost::asio;

namespace {

constexpr std::string_view prefix = "/workspaces";

http::Response store_unavailable() {
    return http::json_error(503, "workspace_store_unavailable", "workspace_store_unavailable");
}

std::string list_json(const std::vector<workspace::WorkspaceSummary>& workspaces) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    auto field = [&](const char* key, const std::string& value) {
        w.Key(key);
        w.String(value.data(), rapidjson::SizeType(value.size()));
    };
    w.StartArray();
    for (const auto& ws : workspaces) {
        w.StartObject();
        field("id", ws.id);
        field("name", ws.name);
        field("api_base", ws.api_base);
        w.Key("connected_at");
        w.Int64(ws.connected_at);
        w.Key("last_used_at");
        if (ws.last_used_at > 0)
            w.Int64(ws.last_used_at);
        else
            w.Null();
        w.EndObject();
    }
    w.EndArray();
    return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

bool is_workspace_admin_path(std::string_view path) noexcept {
    return path == prefix || path.starts_with("/workspaces/");
}

WorkspaceAdminRoutes::WorkspaceAdminRoutes(const proxy::ServiceDirectory& services,
                                           workspace::WorkspaceStore& connections,
                                           workspace::WorkspaceRevocation& revocation)
    : services_(services), connections_(connections), revocation_(revocation) {}

asio::awaitable<http::Response> WorkspaceAdminRoutes::serve(http::Request& request) {
    const auto* service = services_.identify(request);
    if (!service) co_return proxy::service_unauthenticated();
    request.log_caller = service->name;
    if (!service->admin) co_return http::json_error(403, "not_allowed", "service_not_admin");

    const auto path = request.path();
    if (path == prefix) {
        if (request.method != "GET" && request.method != "HEAD") co_return method_not_allowed("GET, HEAD");
        co_return co_await list();
    }
    const auto id = path.substr(prefix.size() + 1);
    if (!workspace::looks_like_workspace_id(id)) co_return not_found();
    request.log_workspace = id;
    if (request.method != "DELETE") co_return method_not_allowed("DELETE");
    co_return co_await disconnect(id);
}

asio::awaitable<http::Response> WorkspaceAdminRoutes::list() {
    auto listed = co_await connections_.list();
    if (!listed) co_return store_unavailable();
    auto r = http::json_response(200, list_json(*listed));
    r.log_note = "workspaces_listed";
    co_return r;
}

asio::awaitable<http::Response> WorkspaceAdminRoutes::disconnect(std::string_view workspace_id) {
    switch (co_await revocation_.disconnect(workspace_id, nullptr)) {
        case workspace::DisconnectOutcome::disconnected:
        case workspace::DisconnectOutcome::not_connected: {
            // 204 also when already gone: the caller's goal holds either way.
            http::Response r;
            r.status = 204;
            r.log_note = "workspace_disconnected";
            co_return r;
        }
        case workspace::DisconnectOutcome::intercom_unavailable:
            co_return http::json_error(502, "intercom_unavailable", "disconnect_intercom_unavailable");
        case workspace::DisconnectOutcome::store_unavailable:
            break;
    }
    co_return store_unavailable();
}

}  // namespace icg::app
