#include "core/base64.hpp"

#include <array>
#include <cstdint>

namespace icg::core {
namespace {

constexpr std::string_view standard_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t n =
            (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) | std::uint8_t(bytes[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        std::uint32_t n = std::uint8_t(bytes[i]) << 16;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        std::uint32_t n = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        if (pad) out += '=';
    }
    return out;
}

std::optional<std::string> decode(std::string_view text, std::string_view alphabet, bool padded) {
    std::array<int, 256> value{};
    value.fill(-1);
    for (std::size_t i = 0; i < alphabet.size(); ++i) value[std::uint8_t(alphabet[i])] = int(i);

    if (padded) {
        if (text.size() % 4 != 0) return std::nullopt;
        std::size_t pads = 0;
        while (!text.empty() && text.back() == '=' && pads < 2) {
            text.remove_suffix(1);
            ++pads;
        }
    }
    if (text.size() % 4 == 1) return std::nullopt;

    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const int v = value[std::uint8_t(c)];
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | std::uint32_t(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += char((acc >> bits) & 0xFF);
        }
    }
    // Leftover bits must be zero, so each byte string has exactly one encoding.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    return encode(bytes, standard_alphabet, true);
}
std::optional<std::string> base64_decode(std::string_view text) {
    return decode(text, standard_alphabet, true);
}
std::string base64url_encode(std::string_view bytes) {
    return encode(bytes, url_alphabet, false);
}
std::optional<std::string> base64url_decode(std::string_view text) {
    return decode(text, url_alphabet, false);
}

}  // namespace icg::core
