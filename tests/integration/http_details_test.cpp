// What every HTTP client notices: a Date on every response, no Content-Length on a 204, and HEAD
// answered wherever GET is, with GET's head and no body.
#include "gateway_fixture.hpp"

#include <ctime>
#include <regex>

namespace icg::testing {
namespace {

using HttpDetailsTest = GatewayTest;

// The head of the first response in `raw`, one "Name: value" per element.
std::vector<std::string> head_lines(const std::string& raw) {
    std::vector<std::string> lines;
    std::size_t at = raw.find("\r\n");
    while (at != std::string::npos) {
        const auto next = raw.find("\r\n", at + 2);
        if (next == std::string::npos || next == at + 2) break;
        lines.push_back(raw.substr(at + 2, next - at - 2));
        at = next;
    }
    return lines;
}

std::vector<std::string> values_of(const std::vector<std::string>& lines, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& line : lines)
        if (line.size() > name.size() && strncasecmp(line.c_str(), (name + ":").c_str(), name.size() + 1) == 0)
            out.push_back(line.substr(line.find_first_not_of(' ', name.size() + 1)));
    return out;
}

// IMF-fixdate, and no more than a minute from this machine's clock.
void expect_a_current_date(const std::string& value) {
    static const std::regex imf(
        R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT)");
    ASSERT_TRUE(std::regex_match(value, imf)) << value;
    std::tm tm{};
    ASSERT_NE(strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm), nullptr) << value;
    const auto when = timegm(&tm);
    EXPECT_LE(std::abs(std::difftime(when, std::time(nullptr))), 60.0) << value;
}

TEST_F(HttpDetailsTest, EveryKindOfResponseCarriesOneDate) {
    auto client = browser();
    login(client);
    for (const auto& [what, response] :
         std::vector<std::pair<std::string, HttpResponse>>{{"health", client.get("/healthz")},
                                                           {"session", client.get("/auth/session")},
                                                           {"static file", client.get("/")},
                                                           {"404", client.get("/auth/nothing-here")},
                                                           {"proxied", client.get("/intercom/me")},
                                                           {"405", client.request("PUT", "/auth/session")}}) {
        const auto dates = response.headers_named("Date");
        ASSERT_EQ(dates.size(), 1u) << what << " answered " << response.status;
        expect_a_current_date(dates[0]);
    }
    // An error the server answers before any route sees the request.
    const auto raw = raw_exchange(
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n"
        "Content-Length: 2\r\n\r\n");
    ASSERT_TRUE(raw.starts_with("HTTP/1.1 400")) << raw;
    const auto dates = values_of(head_lines(raw), "Date");
    ASSERT_EQ(dates.size(), 1u) << raw;
    expect_a_current_date(dates[0]);
}

TEST_F(HttpDetailsTest, A204HasNoContentLengthAndTheConnectionGoesOn) {
    // A logout without a session is a 204; the next request on the connection is still answered.
    const auto raw = raw_exchange(
        "POST /auth/logout HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(raw.starts_with("HTTP/1.1 204")) << raw;
    const auto first = head_lines(raw);
    EXPECT_TRUE(values_of(first, "Content-Length").empty()) << raw;
    EXPECT_TRUE(values_of(first, "Transfer-Encoding").empty()) << raw;
    const auto second = raw.find("HTTP/1.1 200", 12);
    ASSERT_NE(second, std::string::npos) << raw;
    EXPECT_EQ(raw.find("\r\n\r\n") + 4, second) << "the 204 carried bytes after its head:\n" << raw;
}

TEST_F(HttpDetailsTest, HeadIsAnsweredWhereverGetIsWithGetsHeadAndNoBody) {
    auto client = browser();
    login(client);
    for (const std::string target : {"/auth/session", "/healthz", "/readyz", "/", "/intercom/me"}) {
        const auto get = client.get(target);
        const auto head = client.request("HEAD", target);
        EXPECT_EQ(head.status, get.status) << target;
        EXPECT_TRUE(head.body.empty()) << target << ": " << head.body;
        EXPECT_EQ(head.header("Content-Type"), get.header("Content-Type")) << target;
        if (get.has_header("Content-Length")) {
            EXPECT_EQ(head.header("Content-Length"), get.header("Content-Length")) << target;
        }
    }
    // A browser without a session: HEAD /auth/session is 401, not 405.
    auto anonymous = browser();
    EXPECT_EQ(anonymous.request("HEAD", "/auth/session").status, 401u);
    // HEAD /auth/login starts a login like GET does: a redirect to Intercom.
    const auto login_head = anonymous.request("HEAD", "/auth/login");
    EXPECT_EQ(login_head.status, 302u);
    EXPECT_TRUE(login_head.header("Location").starts_with(mock().authorize_url())) << login_head.header("Location");
    // Where only POST is served, HEAD is refused like any other method, naming what is allowed.
    const auto logout_head = anonymous.request("HEAD", "/auth/logout");
    EXPECT_EQ(logout_head.status, 405u);
    EXPECT_EQ(logout_head.header("Allow"), "POST");
    EXPECT_EQ(anonymous.request("PUT", "/auth/session").header("Allow"), "GET, HEAD");
}

TEST_F(HttpDetailsTest, PlainHttpOnTheTlsPortGetsA400SayingSo) {
    const auto answer = plain_http_exchange(gateway().port(), "GET /auth/session HTTP/1.1\r\nHost: localhost\r\n\r\n");
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 Bad Request\r\n")) << answer;
    EXPECT_NE(answer.find("\r\n\r\nThis port speaks HTTPS: use an https:// address for it.\n"), std::string::npos)
        << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
    const auto dates = values_of(head_lines(answer), "Date");
    ASSERT_EQ(dates.size(), 1u) << answer;
    expect_a_current_date(dates[0]);
    EXPECT_TRUE(gateway().process().wait_for_output("plain_http_on_tls_port", std::chrono::seconds(5)));
    // TLS clients are served as before.
    EXPECT_EQ(browser().get("/healthz").status, 200u);
}

}  // namespace
}  // namespace icg::testing
