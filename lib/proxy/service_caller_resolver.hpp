#pragma once
// An internal service's way in: it names itself (a key, or its client certificate) and the
// workspace it acts for (Intercom-Workspace-Id); its policy must allow both the workspace and
// the call; the workspace's connection gives the token. A refused token ends the workspace's
// connection and every session holding that token.
#include "proxy/caller.hpp"

namespace icg::workspace {
class WorkspaceRevocation;
class WorkspaceStore;
}  // namespace icg::workspace

namespace icg::proxy {

class ServiceDirectory;

class ServiceCallerResolver final : public CallerResolver {
public:
    ServiceCallerResolver(const ServiceDirectory& services, workspace::WorkspaceStore& connections,
                          workspace::WorkspaceRevocation& revocation);

    boost::asio::awaitable<Resolution> resolve(http::Request& head, std::string_view api_path) override;

private:
    const ServiceDirectory& services_;
    workspace::WorkspaceStore& connections_;
    workspace::WorkspaceRevocation& revocation_;
};

// The header a service names its workspace with.
inline constexpr std::string_view workspace_header = "Intercom-Workspace-Id";

// 401 {"error":"unauthenticated"} with WWW-Authenticate: Bearer.
http::Response service_unauthenticated();
// The workspace a service names: exactly one well-formed Intercom-Workspace-Id, or empty.
std::string_view named_workspace(const http::Request& head);

}  // namespace icg::proxy
