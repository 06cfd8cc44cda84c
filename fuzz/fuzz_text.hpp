#pragma once
// Small text helpers the fuzz targets' oracles share. Written apart from lib/ on purpose: an
// oracle must not reuse the code it checks.
#include <string_view>
#include <vector>

namespace fuzz_text {

// Every piece between separators, empty ones included ("a,,b," → a, "", b, "").
inline std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    while (true) {
        const auto at = text.find(separator);
        out.push_back(text.substr(0, at));
        if (at == std::string_view::npos) break;
        text.remove_prefix(at + 1);
    }
    return out;
}

// The value of a hex digit, or -1.
inline int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace fuzz_text
