#pragma once
// Serves the SPA from server.static_dir: no directory listings, nothing outside the root.
#include "http/message.hpp"

#include <string>

namespace icg::app {

class StaticFiles {
public:
    // `root` must exist; it is resolved once so symlinks cannot move it later.
    explicit StaticFiles(const std::string& root);

    http::Response serve(const http::Request& request) const;

private:
    std::string root_;  // canonical, without trailing slash
};

std::string_view content_type_for(std::string_view path) noexcept;

}  // namespace icg::app
