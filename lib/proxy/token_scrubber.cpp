#include "proxy/token_scrubber.hpp"

#include "core/secret.hpp"

#include <array>
#include <cstdio>

namespace icg::proxy {
namespace {

// '/' may come back as "\/" from a JSON encoder.
std::string json_escaped(std::string_view token) {
    std::string out;
    for (char c : token) {
        if (c == '/') out += '\\';
        out += c;
    }
    return out;
}

// Everything but unreserved characters percent-encoded, as a query or form encoder writes it.
std::string percent_encoded(std::string_view token, bool upper) {
    std::string out;
    for (unsigned char c : token) {
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += char(c);
            continue;
        }
        char hex[4];
        std::snprintf(hex, sizeof hex, upper ? "%%%02X" : "%%%02x", c);
        out += hex;
    }
    return out;
}

std::size_t replace_all(std::string& body, std::string_view needle) {
    std::size_t count = 0;
    for (std::size_t at = body.find(needle); at != std::string::npos;
         at = body.find(needle, at + scrubbed_token_text.size())) {
        body.replace(at, needle.size(), scrubbed_token_text);
        ++count;
    }
    return count;
}

}  // namespace

std::size_t scrub_token(std::string& body, std::string_view token) {
    if (token.empty()) return 0;
    // Held as Secrets, so the copies are wiped when done.
    const std::array<core::Secret, 3> spellings = {core::Secret(json_escaped(token)),
                                                   core::Secret(percent_encoded(token, true)),
                                                   core::Secret(percent_encoded(token, false))};
    std::size_t count = replace_all(body, token);
    for (std::size_t i = 0; i < spellings.size(); ++i) {
        const std::string_view spelling = spellings[i].expose();
        bool seen_before = spelling == token;
        for (std::size_t j = 0; j < i; ++j) seen_before = seen_before || spellings[j].expose() == spelling;
        if (!seen_before) count += replace_all(body, spelling);
    }
    return count;
}

}  // namespace icg::proxy
