#include "auth/return_to.hpp"

#include <boost/url/parse.hpp>

namespace icg::auth {
namespace {

constexpr std::size_t max_length = 2048;

// A path a browser could read as "//authority" or "/\authority", i.e. another origin.
bool leaves_origin(std::string_view path) {
    return path.size() >= 2 && path[0] == '/' && (path[1] == '/' || path[1] == '\\');
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// One round of percent-decoding; malformed escapes are kept as they are, as lenient decoders do.
std::string percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += char(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// What any decoder downstream (the browser, the SPA's router, a server behind it) could make of
// the value, decoded once or several times: no control character, no backslash, no second
// leading slash.
bool safe_when_decoded(std::string_view raw) {
    constexpr int max_rounds = 4;  // "%25" nests; a few rounds cover every decoder chain in practice
    std::string current(raw);
    for (int round = 0; round < max_rounds; ++round) {
        std::string decoded = percent_decode(current);
        if (decoded == current) return true;
        for (unsigned char c : decoded)
            if (c < 0x20 || c == 0x7f || c == '\\') return false;
        if (leaves_origin(decoded)) return false;
        current = std::move(decoded);
    }
    return false;  // still changing after that many rounds: no real link needs that
}

}  // namespace

std::string safe_return_to(std::string_view raw) {
    const std::string fallback = "/";
    if (raw.empty() || raw.size() > max_length || raw.front() != '/' || leaves_origin(raw)) return fallback;
    for (unsigned char c : raw)
        if (c < 0x21 || c >= 0x7f || c == '\\') return fallback;
    auto parsed = boost::urls::parse_origin_form(raw);
    if (!parsed) return fallback;
    if (!safe_when_decoded(raw)) return fallback;
    return std::string(raw);
}

}  // namespace icg::auth
