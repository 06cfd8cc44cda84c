#pragma once
// Plain HTTP request and response values: route handlers work on these, never on Beast types,
// so the auth code compiles fast and is tested without sockets.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace icg::http {

bool iequals(std::string_view a, std::string_view b) noexcept;

// Header fields in arrival order. All names and values share one buffer, so a message's headers
// cost two allocations however many there are (they are copied a few times per proxied request).
// Views from get() and iteration stay valid until the next change to this object.
class Headers {
public:
    struct Field {
        std::string_view name;
        std::string_view value;
    };

    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = Field;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = Field;

        const_iterator() = default;
        Field operator*() const noexcept { return owner_->field(index_); }
        const_iterator& operator++() noexcept {
            ++index_;
            return *this;
        }
        const_iterator operator++(int) noexcept {
            auto before = *this;
            ++index_;
            return before;
        }
        bool operator==(const const_iterator& other) const noexcept { return index_ == other.index_; }

    private:
        friend class Headers;
        const_iterator(const Headers* owner, std::size_t index) : owner_(owner), index_(index) {}
        const Headers* owner_ = nullptr;
        std::size_t index_ = 0;
    };

    // First value of `name` (case-insensitive), empty view when absent.
    std::string_view get(std::string_view name) const noexcept;
    bool contains(std::string_view name) const noexcept;
    std::size_t count(std::string_view name) const noexcept;
    void add(std::string_view name, std::string_view value);
    // Adds one field whose value is `head` followed by `tail`.
    void add_joined(std::string_view name, std::string_view head, std::string_view tail);
    // Room for `fields` fields of `bytes` name and value bytes in all, when the caller knows.
    void reserve(std::size_t bytes, std::size_t fields);
    void set(std::string_view name, std::string_view value);
    void erase(std::string_view name);

    const_iterator begin() const noexcept { return {this, 0}; }
    const_iterator end() const noexcept { return {this, entries_.size()}; }
    std::size_t size() const noexcept { return entries_.size(); }
    // Bytes of names and values held, erased fields' included.
    std::size_t text_size() const noexcept { return text_.size(); }
    // At least what append_fields writes for these fields: room to reserve before serialising.
    std::size_t block_size_at_most() const noexcept { return text_.size() + 4 * entries_.size(); }

private:
    struct Entry {
        std::uint32_t name_at;
        std::uint32_t name_size;
        std::uint32_t value_at;
        std::uint32_t value_size;
    };
    Field field(std::size_t index) const noexcept {
        const Entry& e = entries_[index];
        const std::string_view all(text_);
        return {all.substr(e.name_at, e.name_size), all.substr(e.value_at, e.value_size)};
    }

    std::string text_;
    std::vector<Entry> entries_;
};

// Appends each field as "Name: value\r\n": an HTTP/1.1 header block without its closing empty line.
void append_fields(std::string& out, const Headers& headers);

struct Request {
    std::string method;  // upper case as sent
    std::string target;  // origin-form: /path?query
    Headers headers;
    std::string body;
    std::string remote_address;  // the client's IP address, as the server accepted it
    // The URI and DNS names of the client's certificate, when the listener verified one (mTLS).
    std::shared_ptr<const std::vector<std::string>> peer_names;
    // Who called, for the access log: set by whoever identified the caller ("service:billing-sync").
    std::string log_caller;
    std::string log_workspace;

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
