#include "proxy/service_caller_resolver.hpp"

#include "http/json_error.hpp"
#include "observability/access_log.hpp"
#include "proxy/service_directory.hpp"
#include "workspace/workspace_revocation.hpp"
#include "workspace/workspace_store.hpp"

#include <functional>

namespace icg::proxy {
namespace asio = boost::asio;

namespace {

class ServiceCaller final : public Caller {
public:
    ServiceCaller(const ServicePolicy& service, workspace::WorkspaceConnection connection,
                  workspace::WorkspaceRevocation& revocation)
        : service_(service), connection_(std::move(connection)), revocation_(revocation) {}

    std::string_view bearer_token() const noexcept override { return connection_.access_token.expose(); }

    // Calls in flight are bounded per service and workspace: one service's burst for one
    // workspace cannot hold every upstream connection.
    std::uint64_t concurrency_key() const noexcept override {
        return std::hash<std::string_view>{}(service_.name) * 31 +
               std::hash<std::string_view>{}(connection_.workspace_id);
    }

    std::string_view workspace_id() const noexcept override { return connection_.workspace_id; }

    asio::awaitable<http::Response> token_refused() override {
        auto ended = co_await revocation_.token_refused(connection_.workspace_id, connection_.access_token);
        if (!ended) ended = co_await revocation_.token_refused(connection_.workspace_id, connection_.access_token);
        if (!ended)
            observability::log_event("warn", "could not end workspace " + connection_.workspace_id +
                                                 " whose token Intercom refused: " + ended.error().message());
        auto r = http::json_response(404, R"({"error":"workspace_not_connected","reason":"token_revoked"})");
        r.log_note = "proxy_token_revoked";
        co_return r;
    }

private:
    const ServicePolicy& service_;
    workspace::WorkspaceConnection connection_;
    workspace::WorkspaceRevocation& revocation_;
};

}  // namespace

http::Response service_unauthenticated() {
    auto r = http::json_error(401, "unauthenticated", "service_unauthenticated");
    r.headers.add("WWW-Authenticate", "Bearer");
    return r;
}

std::string_view named_workspace(const http::Request& head) {
    // Repeated, the header would let two layers disagree on which workspace is meant.
    if (head.headers.count(workspace_header) != 1) return {};
    const auto id = head.headers.get(workspace_header);
    return workspace::looks_like_workspace_id(id) ? id : std::string_view{};
}

ServiceCallerResolver::ServiceCallerResolver(const ServiceDirectory& services, workspace::WorkspaceStore& connections,
                                             workspace::WorkspaceRevocation& revocation)
    : services_(services), connections_(connections), revocation_(revocation) {}

asio::awaitable<Resolution> ServiceCallerResolver::resolve(http::Request& head, std::string_view api_path) {
    const ServicePolicy* service = services_.identify(head);
    if (!service) co_return service_unauthenticated();
    head.log_caller = service->name;
    const std::string_view workspace_id = named_workspace(head);
    if (workspace_id.empty()) co_return http::json_error(400, "workspace_required", "service_workspace_required");
    head.log_workspace = workspace_id;
    if (!service->may_act_for(workspace_id) || !service->allow_list.allows(head.method, api_path))
        co_return http::json_error(403, "not_allowed", "service_not_allowed");

    auto connection = co_await connections_.load(workspace_id);
    if (!connection)  // could not tell: fail closed
        co_return http::json_error(503, "workspace_store_unavailable", "workspace_store_unavailable");
    if (!*connection) co_return http::json_error(404, "workspace_not_connected", "service_workspace_not_connected");
    connections_.note_use(workspace_id);
    co_return std::make_unique<ServiceCaller>(*service, std::move(**connection), revocation_);
}

}  // namespace icg::proxy
