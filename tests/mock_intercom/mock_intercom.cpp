#include "mock_intercom.hpp"

#include "mock_api.hpp"
#include "mock_json.hpp"

#include "core/clock.hpp"
#include "core/random.hpp"
#include "core/secret.hpp"
#include "crypto/digest.hpp"
#include "http/message.hpp"
#include "observability/access_log.hpp"

#include <rapidjson/document.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/url.hpp>

#include <array>
#include <charconv>
#include <exception>
#include <initializer_list>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

namespace icg::mock {
namespace asio = boost::asio;
namespace urls = boost::urls;

namespace {

constexpr std::size_t kBodyLimit = 16 * 1024;
constexpr std::size_t kCodeBytes = 24;
constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kRequestIdBytes = 12;

constexpr std::array<std::pair<std::string_view, TokenMode>, 6> kTokenModes{{
    {"ok", TokenMode::ok},
    {"reject", TokenMode::reject},
    {"error500", TokenMode::error500},
    {"garbage", TokenMode::garbage},
    {"slow", TokenMode::slow},
    {"no_token", TokenMode::no_token},
}};

constexpr std::array<std::pair<std::string_view, MeMode>, 3> kMeModes{{
    {"ok", MeMode::ok},
    {"error500", MeMode::error500},
    {"slow", MeMode::slow},
}};

constexpr std::array<std::pair<std::string_view, ApiFault>, 4> kApiFaults{{
    {"none", ApiFault::none},
    {"error500", ApiFault::error500},
    {"stall", ApiFault::stall},
    {"reset", ApiFault::reset},
}};

// Thrown to drop a connection without answering (ApiFault::reset). A Handler has no hold on its
// socket, and the server ends a connection whose coroutine throws: it logs one line, and RAII closes
// the socket with no TLS close_notify, which the client sees as a connection cut mid-exchange.
// handle() lets only this exception through; every other failure still becomes a 500.
class DeliberateReset final : public std::runtime_error {
public:
    DeliberateReset() : std::runtime_error("mock-intercom: api-fault reset, connection dropped on purpose") {}
};

template <class Mode, std::size_t N>
std::optional<Mode> find_mode(const std::array<std::pair<std::string_view, Mode>, N>& table, std::string_view name) {
    for (const auto& [mode_name, mode] : table)
        if (mode_name == name) return mode;
    return std::nullopt;
}

// ---- Request input ----

// Name/value pairs from a query string, a form body or a flat JSON object; the first of a name wins.
using Fields = std::unordered_map<std::string, std::string>;

std::string_view field(const Fields& fields, const std::string& name) {
    const auto it = fields.find(name);
    return it == fields.end() ? std::string_view("") : std::string_view(it->second);
}

// nullopt when `text` is not a valid query string.
std::optional<Fields> parse_form(std::string_view text) {
    // An absent query is a null view, and Boost.URL 1.81's parse_query calls strlen on it.
    if (text.empty()) return Fields{};
    // Checked first because the decoding view's constructor throws on bad input. (Boost 1.81 does
    // not export the cheaper params_view(params_view, encoding_opts) constructor.)
    if (!urls::parse_query(text)) return std::nullopt;
    // Browsers and HTML forms send a space as '+'.
    const urls::params_view params(text, urls::encoding_opts(true));
    Fields fields;
    for (const auto& param : params) fields.emplace(param.key, param.has_value ? param.value : std::string());
    return fields;
}

// String members of a JSON object; nullopt when the text is not one.
std::optional<Fields> parse_json_object(std::string_view text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
    Fields fields;
    for (const auto& member : doc.GetObject()) {
        if (!member.value.IsString()) continue;
        fields.emplace(std::string(member.name.GetString(), member.name.GetStringLength()),
                       std::string(member.value.GetString(), member.value.GetStringLength()));
    }
    return fields;
}

// A whole decimal number no larger than `max`.
std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t max) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
    return value;
}

std::string_view media_type(std::string_view content_type) {
    content_type = content_type.substr(0, content_type.find(';'));
    while (!content_type.empty() && content_type.back() == ' ') content_type.remove_suffix(1);
    return content_type;
}

// The token endpoint takes JSON or a form, like Intercom's; without a Content-Type we look at the body.
std::optional<Fields> parse_token_request(const http::Request& request) {
    const auto type = media_type(request.headers.get("Content-Type"));
    if (http::iequals(type, "application/json")) return parse_json_object(request.body);
    if (http::iequals(type, "application/x-www-form-urlencoded")) return parse_form(request.body);
    if (!type.empty()) return std::nullopt;
    if (!request.body.empty() && request.body.front() == '{') return parse_json_object(request.body);
    return parse_form(request.body);
}

// The token after "Bearer ", empty when the header holds no bearer token.
std::string_view bearer_token(std::string_view authorization) {
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() || !http::iequals(authorization.substr(0, scheme.size()), scheme))
        return {};
    authorization.remove_prefix(scheme.size());
    while (!authorization.empty() && authorization.front() == ' ') authorization.remove_prefix(1);
    while (!authorization.empty() && authorization.back() == ' ') authorization.remove_suffix(1);
    return authorization;
}

// Only absolute https URLs: a code must never travel in clear text, and a fragment would swallow it.
std::optional<urls::url> https_redirect_uri(std::string_view text) {
    if (text.empty()) return std::nullopt;
    auto parsed = urls::parse_uri(text);
    if (!parsed || parsed->scheme_id() != urls::scheme::https || parsed->encoded_host().empty() ||
        parsed->has_fragment())
        return std::nullopt;
    return urls::url(*parsed);
}

http::Response no_content() {
    http::Response r;
    r.status = 204;
    r.headers.add("Cache-Control", "no-store");
    return r;
}

http::Response with_note(http::Response response, std::string note) {
    response.log_note = std::move(note);
    return response;
}

// Holds a request without holding a thread: other requests keep being served meanwhile.
asio::awaitable<void> pause(std::chrono::milliseconds delay) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// ---- GET /me body: the shape of Intercom's admin, padded to about 1 KiB like the real one ----

// The default workspace's admin; workspace i's is this number plus i.
constexpr std::int64_t kFirstAdminId = 7310564;

void write_int_array(JsonWriter& w, std::string_view key, std::initializer_list<std::int64_t> values) {
    put_key(w, key);
    w.StartArray();
    for (const auto value : values) w.Int64(value);
    w.EndArray();
}

void write_teams(JsonWriter& w) {
    write_int_array(w, "team_ids", {5117044, 5117045});
    put_key(w, "team_priority_level");
    w.StartObject();
    write_int_array(w, "primary_team_ids", {5117044});
    write_int_array(w, "secondary_team_ids", {5117045});
    w.EndObject();
}

// A workspace and its one admin, as GET /me describes them.
struct Workspace {
    std::string id;
    std::string name;
    std::string admin_id;
    std::string admin_name;
    std::string admin_email;
};

// The default workspace first, with the admin the flags name; the others with derived admins.
std::vector<Workspace> workspaces_of(const MockIntercomConfig& config) {
    std::vector<Workspace> out;
    out.push_back({config.workspace_id, config.workspace_name, std::to_string(kFirstAdminId), config.admin_name,
                   config.admin_email});
    for (const auto& spec : config.more_workspaces) {
        const auto admin_id = std::to_string(kFirstAdminId + std::int64_t(out.size()));
        out.push_back({spec.id, spec.name, admin_id, "Admin of " + spec.name, "admin+" + spec.id + "@example.com"});
    }
    return out;
}

void write_app(JsonWriter& w, const Workspace& workspace) {
    put_key(w, "app");
    w.StartObject();
    put_string(w, "type", "app");
    put_string(w, "id_code", workspace.id);
    put_string(w, "name", workspace.name);
    put_int(w, "created_at", 1577836800);
    put_bool(w, "secure", true);
    put_bool(w, "identity_verification", false);
    put_string(w, "timezone", "Europe/Dublin");
    put_string(w, "region", "US");
    put_string(w, "billing_plan", "advanced");
    put_string(w, "conversation_language", "en");
    w.EndObject();
}

void write_avatar_and_links(JsonWriter& w, const Workspace& workspace) {
    const std::string& admin_id = workspace.admin_id;
    put_key(w, "avatar");
    w.StartObject();
    put_string(w, "type", "avatar");
    put_string(w, "image_url",
               "https://static.intercomassets.com/avatars/" + admin_id + "/square_128/ada-1577836800.png");
    w.EndObject();
    put_key(w, "links");
    w.StartObject();
    put_string(w, "self", "https://api.intercom.io/admins/" + admin_id);
    put_string(w, "conversations", "https://app.intercom.com/a/inbox/" + workspace.id + "/inbox/admin/" + admin_id);
    put_string(w, "settings", "https://app.intercom.com/a/apps/" + workspace.id + "/settings/workspace");
    w.EndObject();
}

void write_admin(JsonWriter& w, const Workspace& workspace) {
    w.StartObject();
    put_string(w, "type", "admin");
    put_string(w, "id", workspace.admin_id);
    put_string(w, "email", workspace.admin_email);
    put_string(w, "name", workspace.admin_name);
    put_bool(w, "email_verified", true);
    put_string(w, "job_title", "Head of Customer Support");
    put_bool(w, "away_mode_enabled", false);
    put_bool(w, "away_mode_reassign", false);
    put_bool(w, "has_inbox_seat", true);
    write_teams(w);
    write_app(w, workspace);
    write_avatar_and_links(w, workspace);
    w.EndObject();
}

}  // namespace

std::optional<TokenMode> parse_token_mode(std::string_view name) noexcept {
    return find_mode(kTokenModes, name);
}
std::optional<MeMode> parse_me_mode(std::string_view name) noexcept {
    return find_mode(kMeModes, name);
}
std::optional<ApiFault> parse_api_fault(std::string_view name) noexcept {
    return find_mode(kApiFaults, name);
}

// Everything requests share; guarded by `mutex`, which is never held across a co_await, except
// `workspaces`, which never changes after construction.
struct MockIntercom::State {
    using TimePoint = std::chrono::system_clock::time_point;

    // A code, bound to the workspace approved when /oauth issued it.
    struct Grant {
        std::string redirect_uri;
        TimePoint expires_at;
        std::size_t workspace;
    };

    explicit State(const MockIntercomConfig& config)
        : workspaces(workspaces_of(config)), rate_limiter(RateLimit{}, workspaces.size()) {
        for (const auto& workspace : workspaces) stats.api_by_workspace.emplace_back(workspace.id, 0);
    }

    // Index into `workspaces`; nullopt for an unknown id.
    std::optional<std::size_t> find_workspace(std::string_view id) const {
        for (std::size_t i = 0; i < workspaces.size(); ++i)
            if (workspaces[i].id == id) return i;
        return std::nullopt;
    }

    // The workspace of a live token; nullopt for no token, an unknown one or a revoked one.
    std::optional<std::size_t> workspace_of(std::string_view token) const {
        if (token.empty()) return std::nullopt;
        const auto it = tokens.find(std::string(token));
        if (it == tokens.end()) return std::nullopt;
        return it->second;
    }

    // One request on the rate-limited surface: charged to its token's workspace when the token is
    // live; any other request is charged to nobody and sees a fresh window.
    Quota admit(std::string_view token, TimePoint now) {
        const auto workspace = workspace_of(token);
        return workspace ? rate_limiter.charge(*workspace, now) : rate_limiter.peek(std::nullopt, now);
    }

    // An uninstalled app: the workspace's tokens stop working, and so do codes not yet redeemed.
    void revoke_workspace(std::size_t workspace) {
        std::erase_if(tokens, [&](const auto& entry) { return entry.second == workspace; });
        std::erase_if(codes, [&](const auto& entry) { return entry.second.workspace == workspace; });
    }

    const std::vector<Workspace> workspaces;
    std::mutex mutex;
    std::size_t approving = 0;  // the workspace /oauth approves; index into `workspaces`
    std::unordered_map<std::string, Grant> codes;
    std::unordered_map<std::string, std::size_t> tokens;  // live token -> its workspace
    std::vector<std::string> issued;                      // every token ever handed out, for leak scans in tests
    std::optional<std::string> last_request;  // describe_request() of the latest /me, uninstall or API request
    std::unordered_map<std::uint64_t, std::string> stream_digests;  // /stream body length -> SHA-256
    MockStats stats;
    RateLimiter rate_limiter;
    TokenMode token_mode = TokenMode::ok;
    MeMode me_mode = MeMode::ok;
    ApiFault api_fault = ApiFault::none;
};

MockIntercom::MockIntercom(MockIntercomConfig config, core::Random& random, const core::Clock& clock)
    : config_(std::move(config)), random_(random), clock_(clock), state_(std::make_unique<State>(config_)) {}

MockIntercom::~MockIntercom() = default;

std::size_t MockIntercom::body_limit(std::string_view method, std::string_view path) const {
    // Only /echo takes big uploads: the gateway's streaming of request bodies is tested through it.
    return api_route(method, path) == ApiRoute::echo ? kMaxEchoBody : kBodyLimit;
}

asio::awaitable<http::Response> MockIntercom::handle(http::Request& request) {
    // The server's contract is that handlers do not throw; allocation or URL errors become a 500.
    try {
        co_return co_await route(request);
    } catch (const DeliberateReset&) {
        throw;
    } catch (const std::exception&) {
        // Nothing from the exception is logged: it may quote the request.
    }
    observability::log_event("error", "mock-intercom: request handler failed");
    co_return error_list(500, "server_error", "Internal server error");
}

asio::awaitable<http::Response> MockIntercom::route(const http::Request& request) {
    const auto path = request.path();
    const bool get = request.method == "GET" || request.method == "HEAD";
    if (path == "/oauth" && get) co_return authorize(request);
    if (path == "/auth/eagle/token" && request.method == "POST") co_return co_await token(request);
    if (path == "/me" && get) co_return co_await me(request);
    if (path == "/auth/uninstall" && request.method == "POST") co_return uninstall(request);
    if (const auto api_kind = api_route(request.method, path); api_kind != ApiRoute::none)
        co_return co_await api(request, api_kind);
    if (path.starts_with("/__mock/")) co_return control(request);
    auto response = error_list(404, "not_found", "Resource Not Found");
    // Every API answer tells the rate limit, even a 404 (not charged: it reached no endpoint).
    if (path != "/oauth" && path != "/auth/eagle/token") {
        const auto token = bearer_token(request.headers.get("Authorization"));
        const auto now = clock_.now();
        std::lock_guard lock(state_->mutex);
        add_rate_limit_headers(response, state_->rate_limiter.peek(state_->workspace_of(token), now));
    }
    co_return response;
}

// ---- GET /oauth: the consent screen, approved at once ----

http::Response MockIntercom::authorize(const http::Request& request) {
    {
        std::lock_guard lock(state_->mutex);
        ++state_->stats.authorize;
    }
    const auto query = parse_form(request.query());
    if (!query) return with_note(http::html_page(400, "Bad request", "The query string is malformed."), "bad_query");
    auto target = https_redirect_uri(field(*query, "redirect_uri"));
    if (!target)
        return with_note(http::html_page(400, "Invalid redirect_uri",
                                         "redirect_uri must be an absolute https URL without a fragment."),
                         "bad_redirect_uri");
    const auto client_id = field(*query, "client_id");
    const auto state = query->find("state");

    if (client_id == "deny") {
        target->params().append({"error", "access_denied"});
        target->params().append({"error_description", "The user denied access to the workspace"});
        if (state != query->end()) target->params().append({"state", state->second});
        return with_note(http::redirect(std::string(target->buffer())), "denied");
    }
    if (client_id.empty() || client_id != config_.client_id)
        return with_note(http::html_page(400, "Unknown application", "client_id is not a registered application."),
                         "unknown_client");

    const auto code = random_.token(kCodeBytes);
    const auto now = clock_.now();
    {
        std::lock_guard lock(state_->mutex);
        // Forget codes nobody redeemed, so a long test run does not grow without bound.
        std::erase_if(state_->codes, [&](const auto& entry) { return entry.second.expires_at <= now; });
        state_->codes.emplace(code, State::Grant{std::string(field(*query, "redirect_uri")),
                                                 now + config_.code_lifetime, state_->approving});
    }
    target->params().append({"code", code});
    if (state != query->end()) target->params().append({"state", state->second});
    return with_note(http::redirect(std::string(target->buffer())), "code_issued");
}

// ---- POST /auth/eagle/token: code for access token ----

asio::awaitable<http::Response> MockIntercom::token(const http::Request& request) {
    TokenMode mode;
    {
        std::lock_guard lock(state_->mutex);
        ++state_->stats.token;
        mode = state_->token_mode;
    }
    switch (mode) {
        case TokenMode::ok:
            break;
        case TokenMode::slow:
            co_await pause(config_.slow_delay);
            break;
        case TokenMode::reject:
            co_return error_list(400, "unauthorized", "Token request rejected");
        case TokenMode::error500:
            co_return error_list(500, "server_error", "Internal server error");
        case TokenMode::garbage: {
            // Claims JSON but is not: the client must not trust the Content-Type.
            auto r = http::json_response(200, "<html>not json");
            co_return with_note(std::move(r), "garbage");
        }
        case TokenMode::no_token:
            co_return with_note(http::json_response(200, R"({"type":"token","token_type":"Bearer"})"), "no_token");
    }
    co_return exchange_code(request);
}

http::Response MockIntercom::exchange_code(const http::Request& request) {
    const auto fields = parse_token_request(request);
    if (!fields)
        return error_list(400, "parameter_invalid", "Body must be a JSON object or application/x-www-form-urlencoded");
    const auto code = field(*fields, "code");
    const auto client_id = field(*fields, "client_id");
    const auto client_secret = field(*fields, "client_secret");
    if (code.empty() || client_id.empty() || client_secret.empty())
        return error_list(400, "parameter_not_found", "code, client_id and client_secret are required");

    // Both comparisons always run, so the timing does not tell which one failed.
    const bool id_ok = client_id == config_.client_id;
    const bool secret_ok = core::constant_time_equal(client_secret, config_.client_secret.expose());
    if (!(id_ok && secret_ok)) return error_list(400, "unauthorized", "Client id or secret is invalid");

    const auto redirect_uri = field(*fields, "redirect_uri");
    auto token = random_.token(kTokenBytes);
    const auto now = clock_.now();
    bool valid = false;
    {
        std::lock_guard lock(state_->mutex);
        const auto it = state_->codes.find(std::string(code));
        valid = it != state_->codes.end();
        if (valid) {
            // Single use: a code presented once is gone, whether or not the rest checks out.
            valid = it->second.expires_at > now && (redirect_uri.empty() || redirect_uri == it->second.redirect_uri);
            // The token belongs to the workspace the code was issued for, not the one approved now.
            if (valid) state_->tokens.emplace(token, it->second.workspace);
            state_->codes.erase(it);
        }
        if (valid) state_->issued.push_back(token);
    }
    if (!valid) return error_list(400, "parameter_invalid", "Authorization code is invalid, expired or already used");

    rapidjson::StringBuffer out;
    JsonWriter w(out);
    w.StartObject();
    put_string(w, "type", "token");
    put_string(w, "access_token", token);
    put_string(w, "token", token);
    put_string(w, "token_type", "Bearer");
    w.EndObject();
    return with_note(http::json_response(200, std::string(out.GetString(), out.GetSize())), "token_issued");
}

// ---- GET /me: who the token belongs to ----

asio::awaitable<http::Response> MockIntercom::me(const http::Request& request) {
    std::string description = describe_request(request);
    const auto token = bearer_token(request.headers.get("Authorization"));
    const auto now = clock_.now();
    MeMode mode;
    Quota quota;
    {
        std::lock_guard lock(state_->mutex);
        ++state_->stats.me;
        state_->last_request = std::move(description);
        mode = state_->me_mode;
        quota = state_->admit(token, now);
    }
    http::Response response = co_await me_answer(request, mode, quota);
    add_rate_limit_headers(response, quota);
    co_return response;
}

asio::awaitable<http::Response> MockIntercom::me_answer(const http::Request& request, MeMode mode, Quota quota) {
    if (mode == MeMode::error500) co_return error_list(500, "server_error", "Internal server error");
    if (mode == MeMode::slow) co_await pause(config_.slow_delay);
    co_return describe_admin(request, quota);
}

http::Response MockIntercom::describe_admin(const http::Request& request, const Quota& quota) {
    const auto workspace = token_workspace(request);
    if (!workspace) return error_list(401, "unauthorized", "Access Token Invalid");
    if (!quota.allowed) return rate_limit_exceeded(quota);

    rapidjson::StringBuffer out;
    JsonWriter w(out);
    write_admin(w, state_->workspaces[*workspace]);
    return with_note(http::json_response(200, std::string(out.GetString(), out.GetSize())), "me");
}

// The workspace of the request's bearer token, when it was issued and not revoked since.
std::optional<std::size_t> MockIntercom::token_workspace(const http::Request& request) {
    const auto token = bearer_token(request.headers.get("Authorization"));
    std::lock_guard lock(state_->mutex);
    return state_->workspace_of(token);
}

// ---- POST /auth/uninstall: the app removes itself from the token's workspace ----

http::Response MockIntercom::uninstall(const http::Request& request) {
    std::string description = describe_request(request);
    const auto token = bearer_token(request.headers.get("Authorization"));
    const auto now = clock_.now();
    std::optional<std::size_t> workspace;
    Quota quota;
    {
        std::lock_guard lock(state_->mutex);
        ++state_->stats.uninstall;
        state_->last_request = std::move(description);
        workspace = state_->workspace_of(token);
        quota = state_->admit(token, now);
        if (workspace && quota.allowed) state_->revoke_workspace(*workspace);
    }
    http::Response response;
    if (!workspace) {
        response = error_list(401, "unauthorized", "Access Token Invalid");
    } else if (!quota.allowed) {
        response = rate_limit_exceeded(quota);
    } else {
        // The id is one of the configured ones (checked characters), so it is safe to log.
        observability::log_event("info", "app uninstalled from workspace " + state_->workspaces[*workspace].id);
        rapidjson::StringBuffer out;
        JsonWriter w(out);
        w.StartObject();
        put_string(w, "type", "uninstall");
        put_string(w, "app_id_code", state_->workspaces[*workspace].id);
        w.EndObject();
        response = with_note(http::json_response(200, json_text(out)), "uninstalled");
    }
    add_rate_limit_headers(response, quota);
    return response;
}

// ---- The REST endpoints tests proxy through the gateway (mock_api.hpp) ----

asio::awaitable<http::Response> MockIntercom::api(const http::Request& request, ApiRoute route) {
    // Recorded before the token check, so a test also sees what reached us on a refused request.
    std::string description = describe_request(request);
    const auto token = bearer_token(request.headers.get("Authorization"));
    const auto now = clock_.now();
    ApiFault fault;
    Quota quota;
    {
        std::lock_guard lock(state_->mutex);
        ++state_->stats.api;
        // Every request that reaches us counts, the ones answered 429 too: what a gateway sends
        // while a workspace is over its limit must show here.
        if (const auto workspace = state_->workspace_of(token)) ++state_->stats.api_by_workspace[*workspace].second;
        state_->last_request = description;
        fault = state_->api_fault;
        quota = state_->admit(token, now);
    }
    http::Response response = co_await api_answer(request, route, fault, quota, std::move(description));
    add_rate_limit_headers(response, quota);
    co_return response;
}

asio::awaitable<http::Response> MockIntercom::api_answer(const http::Request& request, ApiRoute route, ApiFault fault,
                                                         Quota quota, std::string description) {
    switch (fault) {
        case ApiFault::none:
            break;
        case ApiFault::error500:
            co_return error_list(500, "server_error", "Internal server error");
        case ApiFault::stall:
            // Longer than any client deadline worth testing; the request is answered afterwards.
            co_await pause(config_.slow_delay);
            break;
        case ApiFault::reset:
            throw DeliberateReset();
    }
    const auto workspace = token_workspace(request);
    if (!workspace) co_return error_list(401, "unauthorized", "Access Token Invalid");
    if (!quota.allowed) co_return rate_limit_exceeded(quota);
    const std::string& workspace_id = state_->workspaces[*workspace].id;

    switch (route) {
        case ApiRoute::echo:
            co_return echo(request, std::move(description));
        case ApiRoute::slow: {
            const auto query = parse_form(request.query());
            const auto ms = query ? parse_count(field(*query, "ms"), kMaxSlowMs) : std::nullopt;
            if (!ms) co_return error_list(400, "parameter_invalid", "ms must be a number from 0 to 120000");
            const std::chrono::milliseconds delay(*ms);
            co_await pause(delay);
            co_return echo(request, std::move(description));
        }
        case ApiRoute::stream:
            co_return stream(request);
        case ApiRoute::rate_limited: {
            // A canned 429 with Retry-After, older than the real limit above and independent of it.
            auto response = error_list(429, "rate_limit_exceeded", "Exceeded rate limit");
            response.headers.add("Retry-After", "7");
            co_return response;
        }
        case ApiRoute::quote_token:
            co_return quote_token_answer(request, bearer_token(request.headers.get("Authorization")));
        case ApiRoute::contacts:
            co_return with_note(http::json_response(200, contact_list_json(workspace_id)), "contacts");
        case ApiRoute::contact: {
            const auto id = request.path().substr(std::string_view("/contacts/").size());
            co_return with_note(http::json_response(200, contact_json(id, workspace_id)), "contact");
        }
        case ApiRoute::none:
            break;
    }
    co_return error_list(404, "not_found", "Resource Not Found");
}

http::Response MockIntercom::echo(const http::Request& request, std::string description) {
    auto response = with_note(http::json_response(200, std::move(description)), "echo");
    add_upstream_echo_headers(response);
    response.chunked = request.headers.get("X-Mock-Chunked") == "1";
    return response;
}

http::Response MockIntercom::stream(const http::Request& request) {
    const auto query = parse_form(request.query());
    const auto length = query ? parse_count(field(*query, "bytes"), kMaxStreamBytes) : std::nullopt;
    if (!length) return error_list(400, "parameter_invalid", "bytes must be a number from 0 to 268435456");
    http::Response response;
    response.body = stream_pattern(*length);
    response.headers.add("Content-Type", "application/octet-stream");
    response.headers.add("Cache-Control", "no-store");
    response.headers.add("X-Body-Sha256", stream_digest(*length, response.body));
    response.chunked = field(*query, "chunked") == "1";
    response.log_note = "stream";
    return response;
}

// Hashing 256 MiB takes about a second, so each length is hashed once; never under the mutex.
std::string MockIntercom::stream_digest(std::uint64_t length, const std::string& body) {
    {
        std::lock_guard lock(state_->mutex);
        const auto it = state_->stream_digests.find(length);
        if (it != state_->stream_digests.end()) return it->second;
    }
    auto digest = crypto::sha256_hex(body);
    std::lock_guard lock(state_->mutex);
    state_->stream_digests.emplace(length, digest);
    return digest;
}

// ---- /__mock/: test controls ----

http::Response MockIntercom::control(const http::Request& request) {
    const auto path = request.path();
    const bool post = request.method == "POST";
    if (path == "/__mock/revoke" && post) {
        revoke_all_tokens();
        return with_note(no_content(), "revoked");
    }
    if (path == "/__mock/stats" && request.method == "GET") return stats_answer();
    if (path == "/__mock/authorize-workspace" && post) return workspace_control(request, false);
    if (path == "/__mock/uninstall-workspace" && post) return workspace_control(request, true);
    if (path == "/__mock/rate-limit" && post) return rate_limit_control(request);
    if (path == "/__mock/last-request" && request.method == "GET") return last_request();
    if (path == "/__mock/issued-tokens" && request.method == "GET") {
        // Test-only: lets a test search the gateway's logs and Redis for the real token values.
        rapidjson::StringBuffer out;
        JsonWriter w(out);
        w.StartObject();
        put_key(w, "tokens");
        w.StartArray();
        {
            std::lock_guard lock(state_->mutex);
            for (const auto& t : state_->issued) w.String(t.data(), rapidjson::SizeType(t.size()));
        }
        w.EndArray();
        w.EndObject();
        return http::json_response(200, std::string(out.GetString(), out.GetSize()));
    }
    const bool token_mode = path == "/__mock/token-mode" && post;
    const bool me_mode = path == "/__mock/me-mode" && post;
    const bool api_fault = path == "/__mock/api-fault" && post;
    if (!token_mode && !me_mode && !api_fault) return error_list(404, "not_found", "Resource Not Found");

    const auto query = parse_form(request.query());
    const std::string name = query ? std::string(field(*query, "mode")) : std::string();
    if (api_fault) {
        const auto fault = parse_api_fault(name);
        if (!fault) return error_list(400, "parameter_invalid", "mode must be none, error500, stall or reset");
        set_api_fault(*fault);
        observability::log_event("info", "api fault set to " + name);
        return with_note(no_content(), "mode_set");
    }
    if (token_mode) {
        const auto mode = parse_token_mode(name);
        if (!mode)
            return error_list(400, "parameter_invalid", "mode must be ok, reject, error500, garbage, slow or no_token");
        set_token_mode(*mode);
    } else {
        const auto mode = parse_me_mode(name);
        if (!mode) return error_list(400, "parameter_invalid", "mode must be ok, error500 or slow");
        set_me_mode(*mode);
    }
    // `name` is one of the fixed mode names by now, so it is safe to log.
    observability::log_event("info", std::string(token_mode ? "token" : "me") + " mode set to " + name);
    return with_note(no_content(), "mode_set");
}

http::Response MockIntercom::stats_answer() {
    const auto counts = stats();
    rapidjson::StringBuffer out;
    JsonWriter w(out);
    w.StartObject();
    put_int(w, "authorize", std::int64_t(counts.authorize));
    put_int(w, "token", std::int64_t(counts.token));
    put_int(w, "me", std::int64_t(counts.me));
    put_int(w, "api", std::int64_t(counts.api));
    put_int(w, "connections", std::int64_t(counts.connections));
    put_int(w, "resumed", std::int64_t(counts.resumed));
    put_int(w, "uninstall_calls", std::int64_t(counts.uninstall));
    put_key(w, "api_calls_by_workspace");
    w.StartObject();
    for (const auto& [id, calls] : counts.api_by_workspace) put_int(w, id, std::int64_t(calls));
    w.EndObject();
    w.EndObject();
    return http::json_response(200, json_text(out));
}

// POST /__mock/authorize-workspace?id=ID or /__mock/uninstall-workspace?id=ID.
http::Response MockIntercom::workspace_control(const http::Request& request, bool uninstalling) {
    const auto query = parse_form(request.query());
    const std::string id = query ? std::string(field(*query, "id")) : std::string();
    if (id.empty()) return error_list(400, "parameter_not_found", "id is required");
    const bool known = uninstalling ? uninstall_workspace(id) : authorize_workspace(id);
    if (!known) return error_list(404, "not_found", "No such workspace");
    // `id` is one of the configured workspace ids by now, so it is safe to log.
    observability::log_event("info", (uninstalling ? "app uninstalled from workspace " : "approving workspace ") + id);
    return with_note(no_content(), uninstalling ? "workspace_uninstalled" : "workspace_approved");
}

// POST /__mock/rate-limit?limit=N[&window_ms=M].
http::Response MockIntercom::rate_limit_control(const http::Request& request) {
    constexpr std::uint64_t kMaxLimit = 1'000'000'000;
    constexpr std::uint64_t kMaxWindowMs = 3'600'000;
    const auto query = parse_form(request.query());
    if (!query) return error_list(400, "parameter_invalid", "The query string is malformed");
    const auto limit = parse_count(field(*query, "limit"), kMaxLimit);
    if (!limit) return error_list(400, "parameter_invalid", "limit must be a number from 0 to 1000000000");
    RateLimit rate_limit;
    rate_limit.limit = *limit;
    if (const auto text = field(*query, "window_ms"); !text.empty()) {
        const auto ms = parse_count(text, kMaxWindowMs);
        if (!ms || *ms == 0)
            return error_list(400, "parameter_invalid", "window_ms must be a number from 1 to 3600000");
        rate_limit.window = std::chrono::milliseconds(*ms);
    }
    set_rate_limit(rate_limit);
    observability::log_event("info", "rate limit set to " + std::to_string(rate_limit.limit) + " per " +
                                         std::to_string(rate_limit.window.count()) + " ms");
    return with_note(no_content(), "rate_limit_set");
}

// Intercom's 429: the error list and the X-RateLimit-* headers (added by the caller), no Retry-After.
http::Response MockIntercom::rate_limit_exceeded(const Quota& quota) {
    return error_list(429, "rate_limit_exceeded", exceeded_message(quota));
}

http::Response MockIntercom::last_request() {
    std::optional<std::string> description;
    {
        std::lock_guard lock(state_->mutex);
        description = state_->last_request;
    }
    if (!description) return error_list(404, "not_found", "No API request has been received yet");
    return http::json_response(200, std::move(*description));
}

void MockIntercom::revoke_all_tokens() {
    std::lock_guard lock(state_->mutex);
    state_->tokens.clear();
}

bool MockIntercom::authorize_workspace(std::string_view id) {
    const auto workspace = state_->find_workspace(id);
    if (!workspace) return false;
    std::lock_guard lock(state_->mutex);
    state_->approving = *workspace;
    return true;
}

bool MockIntercom::uninstall_workspace(std::string_view id) {
    const auto workspace = state_->find_workspace(id);
    if (!workspace) return false;
    std::lock_guard lock(state_->mutex);
    state_->revoke_workspace(*workspace);
    return true;
}

void MockIntercom::set_rate_limit(RateLimit limit) {
    std::lock_guard lock(state_->mutex);
    state_->rate_limiter.configure(limit);
}

void MockIntercom::set_token_mode(TokenMode mode) {
    std::lock_guard lock(state_->mutex);
    state_->token_mode = mode;
}

void MockIntercom::set_me_mode(MeMode mode) {
    std::lock_guard lock(state_->mutex);
    state_->me_mode = mode;
}

void MockIntercom::set_api_fault(ApiFault fault) {
    std::lock_guard lock(state_->mutex);
    state_->api_fault = fault;
}

MockStats MockIntercom::stats() const {
    MockStats counts;
    {
        std::lock_guard lock(state_->mutex);
        counts = state_->stats;
    }
    if (connection_counter_) counts.connections = connection_counter_();
    if (resumption_counter_) counts.resumed = resumption_counter_();
    return counts;
}

// Intercom's error shape: {"type":"error.list","request_id":…,"errors":[{"code":…,"message":…}]}.
http::Response MockIntercom::error_list(unsigned status, std::string_view code, std::string_view message) {
    rapidjson::StringBuffer out;
    JsonWriter w(out);
    w.StartObject();
    put_string(w, "type", "error.list");
    put_string(w, "request_id", random_.token(kRequestIdBytes));
    put_key(w, "errors");
    w.StartArray();
    w.StartObject();
    put_string(w, "code", code);
    put_string(w, "message", message);
    w.EndObject();
    w.EndArray();
    w.EndObject();
    return with_note(http::json_response(status, std::string(out.GetString(), out.GetSize())), std::string(code));
}

}  // namespace icg::mock
