#pragma once
// One internal service as the configuration declares it: who it is (a key, or a client
// certificate) and what it may do (which workspaces, which calls, whether it administers).
#include "proxy/allow_list.hpp"

#include <string>
#include <vector>

namespace icg::proxy {

struct ServicePolicy {
    std::string name;                     // in access logs and errors; unique
    std::string key_sha256;               // 32 raw bytes: SHA-256 of the service's key; empty when `peer` identifies it
    std::string peer;                     // a client certificate's URI SAN (spiffe://…) or DNS SAN; empty with a key
    bool any_workspace = false;           // workspaces = ["*"]
    std::vector<std::string> workspaces;  // the ids it may act for, when not any_workspace
    std::vector<std::string> allow;       // proxy.allow syntax; empty: every API call
    AllowList allow_list;                 // the rules, parsed
    bool admin = false;                   // may list and disconnect workspaces

    bool may_act_for(std::string_view workspace_id) const {
        if (any_workspace) return true;
        for (const auto& id : workspaces)
            if (id == workspace_id) return true;
        return false;
    }
};

}  // namespace icg::proxy
