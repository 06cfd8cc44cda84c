#include "mock_options.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace icg::mock {
namespace {

constexpr unsigned kMaxThreads = 64;
constexpr std::size_t kMaxWorkspaceId = 64;

[[noreturn]] void reject(const std::string& message) {
    throw std::invalid_argument(message);
}

template <class Number>
Number parse_number(std::string_view flag, std::string_view text, Number low, Number high) {
    Number value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high)
        reject(std::string(flag) + ": '" + std::string(text) + "' is not a number from " + std::to_string(low) +
               " to " + std::to_string(high));
    return value;
}

// HOST:PORT or [IPV6]:PORT; the host must be an IP address, as HttpServer::listen binds without DNS.
void parse_listen(std::string_view text, MockOptions& options) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) reject("--listen: expected HOST:PORT, got '" + std::string(text) + "'");
    auto host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    boost::asio::ip::make_address(std::string(host), ec);
    if (ec) reject("--listen: '" + std::string(host) + "' is not an IP address");
    options.host = std::string(host);
    options.port = parse_number<std::uint16_t>("--listen", text.substr(colon + 1), 0, 65535);
}

// ID:NAME. The id goes into URLs, query strings and log lines, so it is kept to a safe alphabet.
WorkspaceSpec parse_workspace(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
        reject("--workspace: expected ID:NAME, got '" + std::string(text) + "'");
    const auto id = text.substr(0, colon);
    const bool safe =
        id.size() <= kMaxWorkspaceId && std::all_of(id.begin(), id.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        });
    if (!safe) reject("--workspace: the id '" + std::string(id) + "' must be 1 to 64 letters, digits, '_' or '-'");
    return {std::string(id), std::string(text.substr(colon + 1))};
}

// Applies one flag and its value; false when the flag is unknown.
bool apply(std::string_view flag, std::string_view value, MockOptions& options) {
    auto& intercom = options.intercom;
    if (flag == "--listen")
        parse_listen(value, options);
    else if (flag == "--cert")
        options.cert_file = value;
    else if (flag == "--key")
        options.key_file = value;
    else if (flag == "--client-id")
        intercom.client_id = value;
    else if (flag == "--client-secret")
        intercom.client_secret = core::Secret(std::string(value));
    else if (flag == "--threads")
        options.threads = parse_number<unsigned>(flag, value, 1, kMaxThreads);
    else if (flag == "--admin-name")
        intercom.admin_name = value;
    else if (flag == "--admin-email")
        intercom.admin_email = value;
    else if (flag == "--workspace-id")
        intercom.workspace_id = value;
    else if (flag == "--workspace-name")
        intercom.workspace_name = value;
    else if (flag == "--workspace")
        intercom.more_workspaces.push_back(parse_workspace(value));
    else
        return false;
    return true;
}

void require(bool present, std::string_view what) {
    if (!present) reject(std::string(what) + " is required (see --help)");
}

void validate(const MockOptions& options) {
    require(!options.cert_file.empty(), "--cert");
    require(!options.key_file.empty(), "--key");
    require(!options.intercom.client_id.empty(), "--client-id");
    require(!options.intercom.client_secret.empty(), "--client-secret (or MOCK_INTERCOM_CLIENT_SECRET)");
    // "deny" is the client id that makes /oauth refuse consent; it cannot also be the real one.
    if (options.intercom.client_id == "deny") reject("--client-id: 'deny' is reserved for the denied-consent case");
    const auto& i = options.intercom;
    if (i.admin_name.empty() || i.admin_email.empty() || i.workspace_id.empty() || i.workspace_name.empty())
        reject("--admin-name, --admin-email, --workspace-id and --workspace-name must not be empty");
    // Checked here, not per flag: --workspace-id may come after the --workspace flags.
    for (std::size_t n = 0; n < i.more_workspaces.size(); ++n) {
        const auto& id = i.more_workspaces[n].id;
        const auto earlier = i.more_workspaces.begin() + std::ptrdiff_t(n);
        if (id == i.workspace_id ||
            std::any_of(i.more_workspaces.begin(), earlier, [&](const auto& w) { return w.id == id; }))
            reject("--workspace: the id '" + id + "' is given twice (the default workspace's is --workspace-id)");
    }
}

}  // namespace

std::optional<MockOptions> parse_mock_options(std::span<const char* const> args, const char* env_secret) {
    MockOptions options;
    // The environment keeps the secret out of `ps`; a flag, when given, wins.
    if (env_secret && *env_secret) options.intercom.client_secret = core::Secret(env_secret);
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "--help" || arg == "-h") return std::nullopt;
        if (!arg.starts_with("--")) reject("unexpected argument '" + std::string(arg) + "' (see --help)");
        std::string_view value;
        if (const auto eq = arg.find('='); eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
        } else {
            if (i + 1 >= args.size()) reject(std::string(arg) + " needs a value");
            value = args[++i];
        }
        if (!apply(arg, value, options)) reject("unknown option " + std::string(arg) + " (see --help)");
    }
    validate(options);
    return options;
}

std::string_view mock_usage() {
    return "usage: mock-intercom --cert FILE --key FILE --client-id ID --client-secret SECRET [options]\n"
           "\n"
           "A stand-in for Intercom's OAuth and API over TLS, for tests and the local demo.\n"
           "\n"
           "  --listen HOST:PORT      address to bind (default 127.0.0.1:0, port 0 = any free port)\n"
           "  --cert FILE             PEM certificate chain\n"
           "  --key FILE              PEM private key\n"
           "  --client-id ID          the one OAuth client id accepted ('deny' always refuses consent)\n"
           "  --client-secret SECRET  its secret; or set MOCK_INTERCOM_CLIENT_SECRET instead\n"
           "  --threads N             I/O threads (default 1, at most 64)\n"
           "  --admin-name NAME       GET /me admin name (default Ada Lovelace)\n"
           "  --admin-email EMAIL     GET /me admin email (default ada@example.com)\n"
           "  --workspace-id ID       GET /me app.id_code (default ws_demo1)\n"
           "  --workspace-name NAME   GET /me app.name (default Demo Workspace)\n"
           "  --workspace ID:NAME     one more workspace (repeatable; ID of letters, digits, _ and -); the\n"
           "                          flags above describe the default one, which /oauth approves first.\n"
           "                          Workspace number i (the default is 0) has admin id 7310564+i,\n"
           "                          name 'Admin of NAME' and email admin+ID@example.com\n"
           "  --help                  this text\n"
           "\n"
           "Prints 'mock-intercom listening on HOST:PORT' once bound, then JSON access-log lines.\n"
           "Endpoints: GET /oauth, POST /auth/eagle/token, GET /me; with a bearer token also\n"
           "ANY /echo[/...] (describes the request as received; X-Mock-Chunked: 1 answers chunked),\n"
           "GET /stream?bytes=N[&chunked=1], ANY /slow?ms=N, GET /rate-limited, GET /contacts[/ID],\n"
           "POST /auth/uninstall (every token of the token's workspace stops working; 200).\n"
           "Codes and tokens belong to the workspace approved when /oauth issued the code; GET /me\n"
           "describes that workspace and its admin.\n"
           "Rate limit: every answer but /oauth, /auth/eagle/token and /__mock/ carries X-RateLimit-Limit,\n"
           "X-RateLimit-Remaining and X-RateLimit-Reset (Unix seconds when the window ends). /me, the\n"
           "endpoints above and /auth/uninstall count against the token's workspace in windows that start\n"
           "with its first request (default 100000 per 10 s); beyond the limit they answer 429\n"
           "rate_limit_exceeded, with no Retry-After.\n"
           "Test controls: POST /__mock/revoke, GET /__mock/stats, GET /__mock/last-request,\n"
           "GET /__mock/issued-tokens, POST /__mock/token-mode?mode=ok|reject|error500|garbage|slow|\n"
           "no_token, POST /__mock/me-mode?mode=ok|error500|slow,\n"
           "POST /__mock/api-fault?mode=none|error500|stall|reset (the API endpoints above, not /me or\n"
           "/auth/uninstall: answer 500, hold 30 s, or close the connection without an answer),\n"
           "POST /__mock/authorize-workspace?id=ID (which workspace /oauth approves from now on),\n"
           "POST /__mock/uninstall-workspace?id=ID (revokes the workspace's tokens and codes),\n"
           "POST /__mock/rate-limit?limit=N[&window_ms=M] (M default 10000; every window starts afresh);\n"
           "an unknown workspace id answers 404. /__mock/stats also has uninstall_calls and\n"
           "api_calls_by_workspace {ID: n} (the API endpoints by the token's workspace, 429s included).\n"
           "Exit status: 0 after SIGTERM/SIGINT, 2 for bad arguments or unusable cert/key, 1 otherwise.\n";
}

}  // namespace icg::mock
