#include "http/message.hpp"

#include <gtest/gtest.h>

#include <string>

namespace icg::http {
namespace {

// "Name=value;" for each field in order.
std::string fields_in_order(const Headers& h) {
    std::string joined;
    for (const auto& f : h) joined.append(f.name).append("=").append(f.value).append(";");
    return joined;
}

TEST(Iequals, ComparesAsciiCaseInsensitively) {
    EXPECT_TRUE(iequals("Content-Type", "content-type"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("Content-Type", "Content-Typ"));
    EXPECT_FALSE(iequals("a", "b"));
}

TEST(Headers, GetIsCaseInsensitiveAndReturnsTheFirstValue) {
    Headers h;
    h.add("Content-Type", "text/html");
    h.add("X-Multi", "one");
    h.add("x-multi", "two");
    EXPECT_EQ(h.get("content-type"), "text/html");
    EXPECT_EQ(h.get("CONTENT-TYPE"), "text/html");
    EXPECT_EQ(h.get("X-MULTI"), "one");
    EXPECT_EQ(h.get("missing"), "");
    EXPECT_TRUE(h.contains("x-Multi"));
    EXPECT_FALSE(h.contains("missing"));
    EXPECT_EQ(h.count("X-Multi"), 2u);
    EXPECT_EQ(h.count("missing"), 0u);
    EXPECT_EQ(h.size(), 3u);
}

TEST(Headers, SetReplacesEveryValueWhateverItsCase) {
    Headers h;
    h.add("Cache-Control", "a");
    h.add("cache-control", "b");
    h.add("Other", "x");
    h.set("CACHE-CONTROL", "no-store");
    EXPECT_EQ(h.count("Cache-Control"), 1u);
    EXPECT_EQ(h.get("cache-control"), "no-store");
    EXPECT_EQ(h.get("Other"), "x");
    EXPECT_EQ(h.size(), 2u);
}

TEST(Headers, SetAddsWhenAbsent) {
    Headers h;
    h.set("Location", "/");
    EXPECT_EQ(h.get("location"), "/");
    EXPECT_EQ(h.size(), 1u);
}

TEST(Headers, EraseRemovesEveryValueWhateverItsCase) {
    Headers h;
    h.add("Set-Cookie", "a=1");
    h.add("set-cookie", "b=2");
    h.add("Keep", "yes");
    h.erase("SET-COOKIE");
    EXPECT_FALSE(h.contains("Set-Cookie"));
    EXPECT_EQ(h.size(), 1u);
    h.erase("not-there");
    EXPECT_EQ(h.size(), 1u);
}

TEST(Headers, KeepsInsertionOrderAndDuplicates) {
    Headers h;
    h.add("Set-Cookie", "a=1");
    h.add("Set-Cookie", "b=2");
    EXPECT_EQ(fields_in_order(h), "Set-Cookie=a=1;Set-Cookie=b=2;");
}

TEST(Headers, SetAcceptsAViewIntoItselfAndKeepsOtherFields) {
    Headers h;
    h.add("A", "first");
    h.add("B", "second");
    h.add("a", "third");
    h.set("C", h.get("B"));  // the view dies with the erase inside set()
    h.set("A", "fourth");
    EXPECT_EQ(fields_in_order(h), "B=second;C=second;A=fourth;");
}

TEST(Headers, SetWithAValueFromItsOwnFieldReplacesThatField) {
    Headers h;
    h.add("X-Id", "abc");
    h.add("Other", "x");
    h.set("X-Id", h.get("X-Id"));
    h.set("Other", h.get("X-Id"));
    EXPECT_EQ(h.size(), 2u);
    EXPECT_EQ(h.get("x-id"), "abc");
    EXPECT_EQ(h.get("other"), "abc");
}

TEST(Headers, FieldsAddedAfterAnEraseComeOutInOrder) {
    Headers h;
    h.add("A", "1");
    h.add("B", "2");
    h.erase("a");
    h.add("C", "3");
    h.erase("missing");
    EXPECT_EQ(fields_in_order(h), "B=2;C=3;");
}

TEST(Headers, AddJoinedMakesOneValueFromTwoParts) {
    Headers h;
    h.add("A", "1");
    h.add_joined("Authorization", "Bearer ", "tok");
    h.add_joined("Empty", "", "");
    EXPECT_EQ(h.get("authorization"), "Bearer tok");
    EXPECT_EQ(h.get("empty"), "");
    EXPECT_EQ(h.size(), 3u);
}

TEST(Headers, AppendFieldsWritesAnHttpHeaderBlockInOrder) {
    Headers h;
    h.add("Content-Type", "application/json");
    h.add("X-Request-Id", "abc");
    std::string out = "HTTP/1.1 200 OK\r\n";
    append_fields(out, h);
    EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: abc\r\n");
}

TEST(Headers, ManyLongFieldsSurviveTheBufferGrowing) {
    Headers h;
    for (int i = 0; i < 100; ++i)
        h.add("X-Field-" + std::to_string(i), std::string(100, static_cast<char>('a' + i % 26)));
    ASSERT_EQ(h.size(), 100u);
    EXPECT_EQ(h.get("x-field-0"), std::string(100, 'a'));
    EXPECT_EQ(h.get("X-FIELD-99"), std::string(100, static_cast<char>('a' + 99 % 26)));
}

Request request_for(std::string target) {
    Request r;
    r.method = "GET";
    r.target = std::move(target);
    return r;
}

TEST(Request, SplitsPathAndQuery) {
    EXPECT_EQ(request_for("/auth/login?return_to=%2Fx&y=1").path(), "/auth/login");
    EXPECT_EQ(request_for("/auth/login?return_to=%2Fx&y=1").query(), "return_to=%2Fx&y=1");
    EXPECT_EQ(request_for("/a/b").path(), "/a/b");
    EXPECT_EQ(request_for("/a/b").query(), "");
    EXPECT_EQ(request_for("/a?").path(), "/a");
    EXPECT_EQ(request_for("/a?").query(), "");
    EXPECT_EQ(request_for("/a?b?c").query(), "b?c");
    EXPECT_EQ(request_for("/").path(), "/");
    EXPECT_EQ(request_for("").path(), "");
}

TEST(HtmlEscape, EscapesEveryCharacterThatMattersInTextAndAttributes) {
    EXPECT_EQ(html_escape(R"(<script>alert("x") & 'y'</script>)"),
              "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
    EXPECT_EQ(html_escape("plain text, ok"), "plain text, ok");
    EXPECT_EQ(html_escape(""), "");
    EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");
}

TEST(HtmlPage, EscapesTitleAndMessageAndIsNotCached) {
    const auto r = html_page(400, "<Bad>", "state \"x\" <img src=x onerror=alert(1)>");
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(r.headers.get("Content-Type").starts_with("text/html"));
    EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
    EXPECT_EQ(r.body.find("<img"), std::string::npos);
    EXPECT_EQ(r.body.find("<Bad>"), std::string::npos);
    EXPECT_NE(r.body.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
}

TEST(JsonResponse, SetsTypeAndNoStore) {
    const auto r = json_response(401, R"({"authenticated":false})");
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(r.headers.get("content-type"), "application/json");
    EXPECT_EQ(r.headers.get("cache-control"), "no-store");
    EXPECT_EQ(r.body, R"({"authenticated":false})");
}

TEST(Redirect, Is302WithLocationAndNoStore) {
    const auto r = redirect("https://idp.example.com/oauth?x=1");
    EXPECT_EQ(r.status, 302u);
    EXPECT_EQ(r.headers.get("Location"), "https://idp.example.com/oauth?x=1");
    EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
}

}  // namespace
}  // namespace icg::http
