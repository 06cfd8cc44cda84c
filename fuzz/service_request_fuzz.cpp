// Fuzzes what the internal listener and the uninstall notice read from callers nobody vouched
// for: icg::proxy::ServiceDirectory::identify and icg::proxy::named_workspace
// (lib/proxy/service_*.hpp) on arbitrary header fields, icg::auth::notice_workspace_id
// (lib/auth/uninstall_notices.hpp) on an arbitrary body, and a workspace connection's record
// (lib/workspace/workspace_connection.hpp) as it would be read back from Redis.
//
// Input: lines. Each "name: value" line is a header field of the request; the whole input is
// also the notice's body and the record's JSON.
#include "fuzz_check.hpp"

#include "auth/uninstall_notices.hpp"
#include "crypto/digest.hpp"
#include "http/message.hpp"
#include "proxy/service_caller_resolver.hpp"
#include "proxy/service_directory.hpp"
#include "workspace/workspace_connection.hpp"

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view known_key = "fuzz-service-key-0123456789abcdefghijklmnopq";

const icg::proxy::ServiceDirectory& directory() {
    static const icg::proxy::ServiceDirectory d = [] {
        icg::proxy::ServicePolicy keyed;
        keyed.name = "keyed";
        const auto md = icg::crypto::sha256(known_key);
        keyed.key_sha256.assign(reinterpret_cast<const char*>(md.data()), md.size());
        icg::proxy::ServicePolicy peer;
        peer.name = "peer";
        peer.peer = "spiffe://fuzz/peer";
        return icg::proxy::ServiceDirectory({keyed, peer});
    }();
    return d;
}

icg::http::Request request_of(std::string_view input) {
    icg::http::Request r;
    r.method = "GET";
    r.target = "/intercom/me";
    while (!input.empty()) {
        const auto end = input.find('\n');
        const std::string_view line = input.substr(0, end);
        if (const auto colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            r.headers.add(line.substr(0, colon), value);
        }
        if (end == std::string_view::npos) break;
        input.remove_prefix(end + 1);
    }
    return r;
}

// What identify() may accept: the one key, after a "Bearer" scheme in any case.
bool carries_known_key(const icg::http::Request& r) {
    std::string_view value = r.headers.get("Authorization");
    if (value.size() < 7) return false;
    for (std::size_t i = 0; i < 7; ++i)
        if (std::tolower(static_cast<unsigned char>(value[i])) != "bearer "[i]) return false;
    value.remove_prefix(7);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    return value == known_key;
}

void check_record(std::string_view json) {
    const std::string copy(json);  // exact size for ASan
    const auto connection = icg::workspace::deserialize_connection(copy);
    if (!connection) return;
    FUZZ_CHECK(!connection->access_token.empty());
    FUZZ_CHECK(icg::workspace::looks_like_workspace_id(connection->workspace_id));
    const auto back = icg::workspace::deserialize_connection(icg::workspace::serialize(*connection).expose());
    FUZZ_CHECK(back);
    FUZZ_CHECK(back->access_token == connection->access_token && back->workspace_id == connection->workspace_id &&
               back->workspace_name == connection->workspace_name && back->api_base == connection->api_base &&
               back->admin_id == connection->admin_id && back->admin_name == connection->admin_name &&
               back->connected_at == connection->connected_at);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    const auto request = request_of(input);
    const auto* service = directory().identify(request);
    // No peer names here: only the key can name a service, and only the right one.
    FUZZ_CHECK(!service || (service->name == "keyed" && carries_known_key(request)));
    if (carries_known_key(request)) FUZZ_CHECK(service && service->name == "keyed");

    const std::string_view workspace = icg::proxy::named_workspace(request);
    FUZZ_CHECK(workspace.empty() || (icg::workspace::looks_like_workspace_id(workspace) &&
                                     request.headers.count(icg::proxy::workspace_header) == 1));

    const std::string notice = icg::auth::notice_workspace_id(input);
    FUZZ_CHECK(notice.empty() || icg::workspace::looks_like_workspace_id(notice));

    check_record(input);
    return 0;
}
