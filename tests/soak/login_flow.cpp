#include "login_flow.hpp"

#include <rapidjson/document.h>

namespace icg::soak {
namespace {

constexpr const char* kReturnTo = "/soak";

// GET /auth/session's answer for a signed-in browser: authenticated, with the mock's admin.
bool signed_in_body(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return false;
    const auto authenticated = doc.FindMember("authenticated");
    const auto admin = doc.FindMember("admin");
    return authenticated != doc.MemberEnd() && authenticated->value.IsBool() && authenticated->value.GetBool() &&
           admin != doc.MemberEnd() && admin->value.IsObject() && admin->value.HasMember("email") &&
           admin->value["email"].IsString() && std::string_view(admin->value["email"].GetString()) == "ada@example.com";
}

bool signed_out_body(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("authenticated") && doc["authenticated"].IsBool() &&
           !doc["authenticated"].GetBool();
}

}  // namespace

Outcome classify(unsigned status, unsigned expected, bool body_ok) {
    if (status == expected) return body_ok ? Outcome::ok : Outcome::wrong_body;
    if (status >= 500 && status <= 599) return Outcome::server_error;
    return Outcome::unexpected_status;
}

std::string excerpt(std::string_view body) {
    std::string out;
    for (char c : body.substr(0, 160)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (body.size() > 160) out += "...";
    return out;
}

bool LoginFlow::note(RequestKind kind, double start, const testing::HttpResponse& response, unsigned expected,
                     bool body_ok) {
    const auto outcome = classify(response.status, expected, body_ok);
    log_.record(kind, outcome, response.status, start, clock_.now(),
                outcome == Outcome::ok ? std::string() : excerpt(response.body));
    return outcome == Outcome::ok;
}

void LoginFlow::note_failure(RequestKind kind, double start, const std::exception& e) {
    log_.record(kind, Outcome::transport_error, 0, start, clock_.now(), e.what());
}

std::optional<std::string> LoginFlow::log_in(testing::TestClient& browser) {
    const std::string origin = endpoints_.gateway_origin();
    std::string authorize_url;
    {
        const double start = clock_.now();
        try {
            const auto response = browser.get(std::string("/auth/login?return_to=") + kReturnTo);
            authorize_url = response.header("Location");
            if (!note(RequestKind::auth_login, start, response, 302,
                      authorize_url.starts_with(endpoints_.mock_origin() + "/oauth?")))
                return std::nullopt;
        } catch (const std::exception& e) {
            note_failure(RequestKind::auth_login, start, e);
            return std::nullopt;
        }
    }
    std::string callback_url;
    {
        const double start = clock_.now();
        try {
            const auto target = testing::parse_url(authorize_url);
            testing::HttpsConnection consent(endpoints_.mock_port, endpoints_.ca_file);
            const auto response = consent.request("GET", target ? target->target : "/oauth");
            callback_url = response.header("Location");
            if (!note(RequestKind::mock_consent, start, response, 302,
                      callback_url.starts_with(origin + "/auth/callback?")))
                return std::nullopt;
        } catch (const std::exception& e) {
            note_failure(RequestKind::mock_consent, start, e);
            return std::nullopt;
        }
    }
    std::optional<std::string> cookie;
    {
        const double start = clock_.now();
        try {
            const auto response = browser.fetch(callback_url);
            cookie = browser.cookie(kSessionCookie);
            const auto location = response.header("Location");
            const bool back_home = location == kReturnTo || location == origin + kReturnTo;
            if (!note(RequestKind::auth_callback, start, response, 302, cookie.has_value() && back_home))
                return std::nullopt;
        } catch (const std::exception& e) {
            note_failure(RequestKind::auth_callback, start, e);
            return std::nullopt;
        }
    }
    const double start = clock_.now();
    try {
        const auto response = browser.get("/auth/session");
        if (!note(RequestKind::auth_session, start, response, 200, signed_in_body(response.body))) return std::nullopt;
    } catch (const std::exception& e) {
        note_failure(RequestKind::auth_session, start, e);
        return std::nullopt;
    }
    return cookie;
}

void LoginFlow::log_out(testing::TestClient& browser, const std::string& cookie) {
    const double start = clock_.now();
    try {
        // TestClient::post sends this origin's Origin, as a browser does.
        const auto response = browser.post("/auth/logout");
        if (!note(RequestKind::auth_logout, start, response, 204, !browser.cookie(kSessionCookie).has_value())) return;
    } catch (const std::exception& e) {
        note_failure(RequestKind::auth_logout, start, e);
        return;
    }
    // The browser dropped its cookie; one replayed afterwards must find no session behind it,
    // neither at /auth/session nor through the proxy.
    const testing::HeaderList replayed{{"Cookie", std::string(kSessionCookie) + "=" + cookie}};
    const auto expect_refused = [&](RequestKind kind, const char* target, auto body_ok) {
        const double at = clock_.now();
        try {
            testing::HttpsConnection connection(endpoints_.gateway_port, endpoints_.ca_file);
            const auto response = connection.request("GET", target, replayed);
            note(kind, at, response, 401, body_ok(response.body));
        } catch (const std::exception& e) {
            note_failure(kind, at, e);
        }
    };
    expect_refused(RequestKind::auth_session, "/auth/session", signed_out_body);
    expect_refused(RequestKind::api_me, "/intercom/me",
                   [](const std::string& body) { return body.find("\"unauthenticated\"") != std::string::npos; });
}

}  // namespace icg::soak
