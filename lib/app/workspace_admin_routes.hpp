#pragma once
// What admin services may do with workspace connections on the internal listener:
// GET /workspaces lists them (never a token or an email), DELETE /workspaces/<id> revokes one at
// Intercom and ends it with every browser session of that workspace.
#include "http/message.hpp"

#include <boost/asio/awaitable.hpp>

namespace icg::proxy {
class ServiceDirectory;
}
namespace icg::workspace {
class WorkspaceRevocation;
class WorkspaceStore;
}  // namespace icg::workspace

namespace icg::app {

class WorkspaceAdminRoutes {
public:
    WorkspaceAdminRoutes(const proxy::ServiceDirectory& services, workspace::WorkspaceStore& connections,
                         workspace::WorkspaceRevocation& revocation);

    // For /workspaces and below; `request` gets the service's name for the log.
    boost::asio::awaitable<http::Response> serve(http::Request& request);

private:
    boost::asio::awaitable<http::Response> list();
    boost::asio::awaitable<http::Response> disconnect(std::string_view workspace_id);

    const proxy::ServiceDirectory& services_;
    workspace::WorkspaceStore& connections_;
    workspace::WorkspaceRevocation& revocation_;
};

// True for /workspaces and everything below it.
bool is_workspace_admin_path(std::string_view path) noexcept;

}  // namespace icg::app
