#pragma once
// Plain HTTP request and response values: route handlers work on these, never on Beast types,
// so the auth code compiles fast and is tested without sockets.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace icg::http {

bool iequals(std::string_view a, std::string_view b) noexcept;

class Headers {
public:
    struct Field {
        std::string name;
        std::string value;
    };

    // First value of `name` (case-insensitive), empty view when absent.
    std::string_view get(std::string_view name) const noexcept;
    bool contains(std::string_view name) const noexcept;
    std::size_t count(std::string_view name) const noexcept;
    void add(std::string name, std::string value) { fields_.push_back({std::move(name), std::move(value)}); }
    void set(std::string name, std::string value);
    void erase(std::string_view name);

    auto begin() const noexcept { return fields_.begin(); }
    auto end() const noexcept { return fields_.end(); }
    std::size_t size() const noexcept { return fields_.size(); }

private:
    std::vector<Field> fields_;
};

struct Request {
    std::string method;  // upper case as sent
    std::string target;  // origin-form: /path?query
    Headers headers;
    std::string body;

    std::string_view path() const noexcept;   // target without the query
    std::string_view query() const noexcept;  // after '?', empty when none
};

struct Response {
    unsigned status = 200;
    Headers headers;
    std::string body;
    std::string file_path;  // when set, the body is this file, streamed from disk
    bool chunked = false;   // send with Transfer-Encoding: chunked instead of Content-Length

    // Facts for the access log that must not come from headers or bodies.
    std::string log_note;
    std::string request_id;
};

Response json_response(unsigned status, std::string json);
// A small self-contained HTML page; `message` is escaped.
Response html_page(unsigned status, std::string_view title, std::string_view message);
Response redirect(std::string location);
std::string html_escape(std::string_view text);

}  // namespace icg::http
