// Fuzzes icg::http::query_param (lib/http/query.hpp): a raw query string against a plain
// reference for the queries it can judge, and a round trip of percent-encoded parameters.
//
// Input: name '\n' query '\n' key=value lines...
//   name, query      query_param(query, name) on the raw bytes
//   key=value lines  encoded (every byte outside the unreserved set as %XX), joined with '&',
//                    then each key read back: its value when it appears once, nullopt when twice
#include "fuzz_check.hpp"
#include "fuzz_text.hpp"
#include "http/query.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using fuzz_text::split;
using icg::http::query_param;

bool unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

// RFC 3986 query characters other than '%' (pchar / "/" / "?").
bool plain_query_char(char c) {
    return unreserved(c) || std::string_view("!$&'()*+,;=:@/?").find(c) != std::string_view::npos;
}

std::string encode(std::string_view raw) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : raw) {
        if (unreserved(c)) {
            out += c;
        } else {
            const auto u = static_cast<unsigned char>(c);
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

// What query_param must answer for a query without escapes: the value of the one parameter
// named `name`, nullopt when there is none or more than one.
std::optional<std::string> reference(std::string_view query, std::string_view name) {
    std::optional<std::string> found;
    int seen = 0;
    for (const auto param : split(query, '&')) {
        const auto eq = param.find('=');
        if (param.substr(0, eq) != name) continue;
        ++seen;
        found = eq == std::string_view::npos ? std::string() : std::string(param.substr(eq + 1));
    }
    if (seen != 1) return std::nullopt;
    return found;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto lines = split(input, '\n');
    const std::string_view name = lines[0];
    const std::string_view query = lines.size() > 1 ? lines[1] : std::string_view{};

    // Exact-size copies, so ASan sees any read past either.
    const std::string query_copy(query);
    const std::string name_copy(name);
    const auto got = query_param(query_copy, name_copy);
    if (query.empty()) FUZZ_CHECK(!got);
    const bool judged = !query.empty() && std::all_of(query.begin(), query.end(), plain_query_char) &&
                        query.find('+') == std::string_view::npos;
    if (judged) FUZZ_CHECK(got == reference(query, name));
    if (got) FUZZ_CHECK(got->size() <= query.size());

    // Round trip.
    std::vector<std::pair<std::string_view, std::string_view>> params;
    std::map<std::string_view, int> times;
    for (std::size_t i = 2; i < lines.size(); ++i) {
        const auto eq = lines[i].find('=');
        const std::string_view key = lines[i].substr(0, eq);
        const std::string_view value = eq == std::string_view::npos ? std::string_view{} : lines[i].substr(eq + 1);
        params.emplace_back(key, value);
        ++times[key];
    }
    if (params.empty()) return 0;
    std::string encoded;
    for (const auto& [key, value] : params) {
        if (!encoded.empty()) encoded += '&';
        encoded += encode(key);
        encoded += '=';
        encoded += encode(value);
    }
    for (const auto& [key, value] : params) {
        const auto back = query_param(encoded, key);
        if (times[key] == 1) {
            FUZZ_CHECK(back && *back == value);
        } else {
            FUZZ_CHECK(!back);
        }
    }
    // A name that is not there is not found.
    const std::string absent = "absent-" + std::to_string(params.size());
    if (!times.contains(absent)) FUZZ_CHECK(!query_param(encoded, absent));
    return 0;
}
