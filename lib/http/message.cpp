#include "http/message.hpp"

#include <algorithm>
#include <cctype>

namespace icg::http {

namespace {

// ASCII only, as header names and the tokens compared here are; no locale lookups per character.
constexpr char ascii_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    return true;
}

std::string_view Headers::get(std::string_view name) const noexcept {
    for (const Field f : *this)
        if (iequals(f.name, name)) return f.value;
    return "";  // not a null view: some parsers take an empty view's data() as a C string
}

bool Headers::contains(std::string_view name) const noexcept {
    return count(name) > 0;
}

std::size_t Headers::count(std::string_view name) const noexcept {
    std::size_t n = 0;
    for (const Field f : *this) n += iequals(f.name, name) ? 1 : 0;
    return n;
}

void Headers::add(std::string_view name, std::string_view value) {
    add_joined(name, value, {});
}

void Headers::add_joined(std::string_view name, std::string_view head, std::string_view tail) {
    if (entries_.capacity() == 0) reserve(256, 8);
    Entry e{};
    e.name_at = static_cast<std::uint32_t>(text_.size());
    e.name_size = static_cast<std::uint32_t>(name.size());
    text_.append(name);
    e.value_at = static_cast<std::uint32_t>(text_.size());
    e.value_size = static_cast<std::uint32_t>(head.size() + tail.size());
    text_.append(head);
    if (!tail.empty()) text_.append(tail);
    entries_.push_back(e);
}

void Headers::reserve(std::size_t bytes, std::size_t fields) {
    text_.reserve(bytes);
    entries_.reserve(fields);
}

void Headers::set(std::string_view name, std::string_view value) {
    const auto inside = [this](std::string_view piece) {
        return !text_.empty() && piece.data() >= text_.data() && piece.data() < text_.data() + text_.size();
    };
    if (inside(name) || inside(value)) {  // adding may move the text they point into
        const std::string owned_name(name), owned_value(value);
        return set(owned_name, owned_value);
    }
    erase(name);
    add(name, value);
}

void Headers::erase(std::string_view name) {
    // The entries go; their text stays until the object does (erasing is rare and small).
    std::erase_if(entries_, [this, name](const Entry& e) {
        return iequals(std::string_view(text_).substr(e.name_at, e.name_size), name);
    });
}

void append_fields(std::string& out, const Headers& headers) {
    using namespace std::string_view_literals;
    for (const Headers::Field field : headers)
        out.append(field.name).append(": "sv).append(field.value).append("\r\n"sv);
}

std::string_view Request::path() const noexcept {
    std::string_view t(target);
    return t.substr(0, t.find('?'));
}

std::string_view Request::query() const noexcept {
    std::string_view t(target);
    const auto q = t.find('?');
    // An empty view that still points into the target: Boost.URL 1.81 calls strlen on a null view.
    return q == std::string_view::npos ? t.substr(t.size()) : t.substr(q + 1);
}

Response json_response(unsigned status, std::string json) {
    Response r;
    r.status = status;
    r.headers.add("Content-Type", "application/json");
    r.headers.add("Cache-Control", "no-store");
    r.body = std::move(json);
    return r;
}

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

Response html_page(unsigned status, std::string_view title, std::string_view message) {
    Response r;
    r.status = status;
    r.headers.add("Content-Type", "text/html; charset=utf-8");
    r.headers.add("Cache-Control", "no-store");
    // The page's only active content is its own inline style block.
    r.headers.add("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    // The demo SPA's look (gateway/static/style.css), inline: the policy above allows nothing else.
    static constexpr std::string_view style =
        ":root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--text:#1b1f24;--border:#d0d7de;"
        "--accent:#1f5fbf;--accent-text:#fff;--focus:#f2a900}"
        "@media (prefers-color-scheme:dark){:root{--bg:#14171b;--card:#1e2228;--text:#e6e9ed;"
        "--border:#3a414a;--accent:#5b9cf5;--accent-text:#0b0d10}}"
        "body{margin:0;background:var(--bg);color:var(--text);"
        "font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}"
        "main{max-width:40rem;margin:0 auto;padding:0 1rem}h1{margin:2rem 0 1rem;font-size:1.6rem}"
        ".card{background:var(--card);border:1px solid var(--border);border-radius:.5rem;padding:1.25rem 1.5rem}"
        ".card p{margin:0 0 1rem}.card p:last-child{margin:0}"
        "a{display:inline-block;padding:.5rem 1rem;border:1px solid var(--accent);border-radius:.375rem;"
        "background:var(--accent);color:var(--accent-text);text-decoration:none}"
        "a:focus-visible{outline:3px solid var(--focus);outline-offset:2px}";
    const std::string escaped_title = html_escape(title);
    r.body =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>";
    r.body += escaped_title;
    r.body += "</title><style>";
    r.body += style;
    r.body += "</style></head><body><main><h1>";
    r.body += escaped_title;
    r.body += "</h1><div class=\"card\"><p>";
    r.body += html_escape(message);
    r.body += "</p><p><a href=\"/\">Back to the application</a></p></div></main></body></html>";
    return r;
}

Response redirect(std::string location) {
    Response r;
    r.status = 302;
    r.headers.add("Location", std::move(location));
    r.headers.add("Cache-Control", "no-store");
    return r;
}

}  // namespace icg::http
