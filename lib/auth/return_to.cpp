#include "auth/return_to.hpp"

#include <boost/url/decode_view.hpp>
#include <boost/url/parse.hpp>

namespace icg::auth {
namespace {

constexpr std::size_t max_length = 2048;

// A path a browser could read as "//authority" or "/\authority", i.e. another origin.
bool leaves_origin(std::string_view path) {
    return path.size() >= 2 && path[0] == '/' && (path[1] == '/' || path[1] == '\\');
}

}  // namespace

std::string safe_return_to(std::string_view raw) {
    const std::string fallback = "/";
    if (raw.empty() || raw.size() > max_length || raw.front() != '/' || leaves_origin(raw)) return fallback;
    for (unsigned char c : raw)
        if (c < 0x21 || c >= 0x7f || c == '\\') return fallback;
    auto parsed = boost::urls::parse_origin_form(raw);
    if (!parsed) return fallback;
    // A second decoding must not reveal an authority either (%2F%2F, %5C, …).
    std::string decoded_again;
    for (char c : parsed->encoded_path().decode()) decoded_again += c;
    if (leaves_origin(decoded_again) || decoded_again.find('\\') != std::string::npos) return fallback;
    return std::string(raw);
}

}  // namespace icg::auth
