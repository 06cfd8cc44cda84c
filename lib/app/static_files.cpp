#include "app/static_files.hpp"

#include <boost/url/parse.hpp>

#include <filesystem>
#include <optional>
#include <vector>

namespace icg::app {
namespace fs = std::filesystem;

namespace {

http::Response not_found() {
    http::Response r;
    r.status = 404;
    r.headers.add("Content-Type", "text/plain; charset=utf-8");
    r.body = "Not found\n";
    return r;
}

// Decoded path segments, or nullopt when any of them could step outside the root.
std::optional<std::vector<std::string>> safe_segments(std::string_view encoded_path) {
    auto parsed = boost::urls::parse_origin_form(encoded_path);
    if (!parsed) return std::nullopt;
    std::vector<std::string> out;
    for (auto segment : parsed->encoded_segments()) {
        std::string decoded;
        for (char c : segment.decode()) decoded += c;
        if (decoded == "." || decoded == ".." ||
            decoded.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos)
            return std::nullopt;
        if (!decoded.empty() && decoded.front() == '.') return std::nullopt;  // no dotfiles
        if (!decoded.empty()) out.push_back(std::move(decoded));
    }
    return out;
}

}  // namespace

std::string_view content_type_for(std::string_view path) noexcept {
    struct Mapping {
        std::string_view extension;
        std::string_view type;
    };
    static constexpr Mapping types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".ico", "image/x-icon"},
        {".webp", "image/webp"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
        {".wasm", "application/wasm"},
    };
    for (const auto& m : types)
        if (path.size() >= m.extension.size() && path.substr(path.size() - m.extension.size()) == m.extension)
            return m.type;
    return "application/octet-stream";
}

StaticFiles::StaticFiles(const std::string& root) : root_(fs::canonical(root).string()) {}

http::Response StaticFiles::serve(const http::Request& request) const {
    auto segments = safe_segments(request.path());
    if (!segments) {
        http::Response r = not_found();
        r.status = 400;
        r.body = "Bad path\n";
        return r;
    }
    fs::path path(root_);
    for (const auto& s : *segments) path /= s;

    std::error_code ec;
    if (fs::is_directory(path, ec)) path /= "index.html";
    // Resolve symlinks and make sure the file is still under the root.
    auto real = fs::canonical(path, ec);
    if (ec || !fs::is_regular_file(real, ec)) return not_found();
    const std::string real_string = real.string();
    if (real_string.compare(0, root_.size(), root_) != 0 ||
        (real_string.size() > root_.size() && real_string[root_.size()] != '/'))
        return not_found();

    http::Response r;
    r.status = 200;
    r.file_path = real_string;
    r.headers.add("Content-Type", std::string(content_type_for(real_string)));
    // index.html must be revalidated so a deploy is seen at once; assets may be cached briefly.
    r.headers.add("Cache-Control", real.filename() == "index.html" ? "no-cache" : "public, max-age=300");
    return r;
}

}  // namespace icg::app
