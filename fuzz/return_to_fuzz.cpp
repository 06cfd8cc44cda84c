// Fuzzes icg::auth::safe_return_to (lib/auth/return_to.hpp): whatever comes in, what goes out is
// a path on our own origin, safe to put in a Location header.
//
// Input: the (already once percent-decoded) return_to value.
#include "auth/return_to.hpp"
#include "fuzz_check.hpp"
#include "fuzz_text.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

using fuzz_text::hex_value;
using icg::auth::safe_return_to;

// A browser would read "//host" or "/\host" as another origin.
bool names_another_origin(std::string_view path) {
    return path.size() >= 2 && path[0] == '/' && (path[1] == '/' || path[1] == '\\');
}

// One more percent-decoding of the path part (before '?'); nullopt when an escape is malformed.
std::optional<std::string> decode_path(std::string_view target) {
    const std::string_view path = target.substr(0, target.find('?'));
    std::string out;
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (path[i] != '%') {
            out += path[i];
            continue;
        }
        if (i + 2 >= path.size()) return std::nullopt;
        const int high = hex_value(path[i + 1]);
        const int low = hex_value(path[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string raw(reinterpret_cast<const char*>(data), size);  // exact size for ASan
    const std::string out = safe_return_to(raw);

    // Either the input unchanged or the fallback "/".
    FUZZ_CHECK(out == "/" || out == raw);
    // A same-origin path: starts with '/', never "//" or "/\".
    FUZZ_CHECK(!out.empty() && out.front() == '/');
    FUZZ_CHECK(!names_another_origin(out));
    FUZZ_CHECK(out.size() <= 2048);
    // Safe in a Location header: no control bytes (CR, LF, NUL), blanks, backslashes or non-ASCII.
    for (const char c : out) {
        const auto u = static_cast<unsigned char>(c);
        FUZZ_CHECK(u > 0x20 && u < 0x7f && c != '\\');
    }
    // Nor after the browser (or a server behind it) decodes the path once more.
    if (out != "/") {
        const auto decoded = decode_path(out);
        FUZZ_CHECK(decoded);  // safe_return_to accepts well-formed escapes only
        FUZZ_CHECK(!names_another_origin(*decoded));
        FUZZ_CHECK(decoded->find('\\') == std::string::npos);
    }
    // The answer is its own answer.
    FUZZ_CHECK(safe_return_to(out) == out);
    return 0;
}
