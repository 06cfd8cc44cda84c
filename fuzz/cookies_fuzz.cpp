// Fuzzes lib/http/cookies.hpp (find_cookie, make_set_cookie, make_clearing_cookie) and the
// Headers it reads (get, count, set, erase, whose set() may be handed views into itself).
//
// Input: [flags] name '\n' value '\n' header lines...
//   name, value  a cookie looked up in the headers, then set and read back (round trip)
//   header lines "Name: value" (a line without ':' is a Cookie header's value)
//   flags        the CookieAttributes: bit 0 secure, bit 1 http_only, bit 2 max_age, bits 3-4
//                same_site (Lax, Strict, None, none), bit 5 empty path
#include "fuzz_check.hpp"
#include "http/cookies.hpp"
#include "http/message.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using icg::http::find_cookie;
using icg::http::Headers;
using icg::http::iequals;

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

// RFC 6265 token (cookie-name) and cookie-octet.
bool token_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos;
}
bool cookie_octet(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x2b) || (u >= 0x2d && u <= 0x3a) || (u >= 0x3c && u <= 0x5b) ||
           (u >= 0x5d && u <= 0x7e);
}

// The value of the Cookie field of `headers` that `piece` lies inside, if any.
std::optional<std::string_view> containing_cookie_value(const Headers& headers, std::string_view piece) {
    for (const auto field : headers) {
        if (!iequals(field.name, "Cookie")) continue;
        const char* begin = field.value.data();
        const char* end = begin + field.value.size();
        if (piece.data() >= begin && piece.data() + piece.size() <= end) return field.value;
    }
    return std::nullopt;
}

void check_lookup(const Headers& headers, std::string_view name) {
    const auto found = find_cookie(headers, name);
    if (!found) return;
    // A view into the header it came from, never past it; one value, without its separators.
    const auto field_value = containing_cookie_value(headers, *found);
    FUZZ_CHECK(field_value);
    FUZZ_CHECK(found->find(';') == std::string_view::npos);
    if (!found->empty()) {
        // Blanks around a value are trimmed, and quotes around it removed (blanks inside them stay).
        const auto at = static_cast<std::size_t>(found->data() - field_value->data());
        const bool was_quoted = at > 0 && (*field_value)[at - 1] == '"';
        if (!was_quoted) {
            FUZZ_CHECK(!is_blank(found->front()));
            FUZZ_CHECK(!is_blank(found->back()));
        }
    }
}

void check_round_trip(std::string_view name, std::string_view value, std::uint8_t flags,
                      const std::vector<std::string_view>& others) {
    icg::http::CookieAttributes attributes;
    attributes.secure = (flags & 1) != 0;
    attributes.http_only = (flags & 2) != 0;
    if (flags & 4) attributes.max_age = std::chrono::seconds(3600);
    constexpr const char* same_site[] = {"Lax", "Strict", "None", ""};
    attributes.same_site = same_site[(flags >> 3) & 3];
    if (flags & 0x20) attributes.path.clear();

    const std::string set = icg::http::make_set_cookie(name, value, attributes);
    const std::string pair = std::string(name) + "=" + std::string(value);
    FUZZ_CHECK(set.starts_with(pair));
    if (attributes.secure) FUZZ_CHECK(set.find("; Secure") != std::string::npos);
    if (attributes.http_only) FUZZ_CHECK(set.find("; HttpOnly") != std::string::npos);
    const std::string clearing = icg::http::make_clearing_cookie(name, attributes);
    FUZZ_CHECK(clearing.starts_with(std::string(name) + "="));
    FUZZ_CHECK(clearing.find("; Max-Age=0") != std::string::npos);
    if (!attributes.path.empty()) FUZZ_CHECK(clearing.find("; Path=" + attributes.path) != std::string::npos);

    // What a browser sends back finds the value again, wherever it stands among other cookies.
    const bool valid_name = !name.empty() && std::all_of(name.begin(), name.end(), token_char);
    const bool valid_value = std::all_of(value.begin(), value.end(), cookie_octet);
    if (!valid_name || !valid_value) return;
    std::string before, after;
    for (std::size_t i = 0; i < others.size(); ++i) {
        const auto eq = others[i].find('=');
        const std::string_view other_name = others[i].substr(0, eq);
        if (others[i].find_first_of(";\"") != std::string_view::npos || other_name.empty() ||
            !std::all_of(other_name.begin(), other_name.end(), token_char) || other_name == name)
            continue;
        (i % 2 ? after : before).append(others[i]).append("; ");
    }
    Headers sent;
    sent.add("Host", "gateway.example");
    sent.add("cookie", before + pair + (after.empty() ? "" : "; " + after.substr(0, after.size() - 2)));
    const auto found = find_cookie(sent, name);
    FUZZ_CHECK(found && *found == value);
    // Also quoted, and from a second Cookie header.
    Headers quoted;
    quoted.add("Cookie", before.empty() ? "=nameless" : before.substr(0, before.size() - 2));
    quoted.add("Cookie", std::string(name) + "=\"" + std::string(value) + "\"");
    const auto unquoted = find_cookie(quoted, name);
    FUZZ_CHECK(unquoted && *unquoted == value);
    // The Set-Cookie line itself reads back as the cookie (its first pair is name=value).
    Headers echoed;
    echoed.add("Cookie", set);
    const auto echoed_value = find_cookie(echoed, name);
    FUZZ_CHECK(echoed_value && *echoed_value == value);
}

void check_headers_edits(Headers headers) {
    if (headers.size() == 0) return;
    // set() with views into the headers' own storage, which set() may reallocate.
    const auto first = *headers.begin();
    const std::string name(first.name);
    const std::string value(first.value);
    headers.set(first.name, first.value);
    FUZZ_CHECK(headers.count(name) == 1);
    FUZZ_CHECK(headers.get(name) == value);
    const auto last = [&] {
        Headers::Field f{};
        for (const auto field : headers) f = field;
        return f;
    }();
    const std::string last_value(last.value);
    headers.set("X-Fuzz-Copy", last.value);
    FUZZ_CHECK(headers.get("x-fuzz-copy") == last_value);
    FUZZ_CHECK(headers.count("X-FUZZ-COPY") == 1);
    headers.erase(name);
    FUZZ_CHECK(!headers.contains(name));
    std::size_t n = 0;
    for (const auto field : headers) {
        FUZZ_CHECK(!iequals(field.name, name));
        ++n;
    }
    FUZZ_CHECK(n == headers.size());
    std::string block;
    icg::http::append_fields(block, headers);
    std::size_t lines = 0;
    for (std::size_t at = block.find("\r\n"); at != std::string::npos; at = block.find("\r\n", at + 2)) ++lines;
    FUZZ_CHECK(lines >= headers.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t flags = data[0];
    const auto lines = split_lines(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
    if (lines.empty()) return 0;
    const std::string_view name = lines[0];
    const std::string_view value = lines.size() > 1 ? lines[1] : std::string_view{};

    Headers headers;
    std::vector<std::string_view> cookie_pairs;
    for (std::size_t i = 2; i < lines.size(); ++i) {
        std::string_view line = lines[i];
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            headers.add("Cookie", line);
        } else {
            std::string_view field_value = line.substr(colon + 1);
            while (!field_value.empty() && is_blank(field_value.front())) field_value.remove_prefix(1);
            headers.add(line.substr(0, colon), field_value);
        }
        for (std::string_view rest = line; !rest.empty();) {
            const auto semi = rest.find(';');
            std::string_view piece = rest.substr(0, semi);
            while (!piece.empty() && is_blank(piece.front())) piece.remove_prefix(1);
            if (!piece.empty()) cookie_pairs.push_back(piece);
            if (semi == std::string_view::npos) break;
            rest.remove_prefix(semi + 1);
        }
    }

    check_lookup(headers, name);
    check_lookup(headers, value);
    for (const auto pair : cookie_pairs) check_lookup(headers, pair.substr(0, pair.find('=')));
    check_round_trip(name, value, flags, cookie_pairs);
    check_headers_edits(headers);
    return 0;
}
