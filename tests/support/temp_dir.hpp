#pragma once
// A fresh directory under $TMPDIR for one test, removed with everything in it at the end.
#include <filesystem>
#include <string>
#include <string_view>

namespace icg::testing {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

    // Writes `content` to `name` inside the directory and returns the full path.
    std::filesystem::path write_file(std::string_view name, std::string_view content) const;

private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path);

}  // namespace icg::testing
