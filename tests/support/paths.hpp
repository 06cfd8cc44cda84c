#pragma once
// Locations handed to the tests by CMake.
#include <filesystem>

namespace icg::testing {

inline std::filesystem::path source_dir() {
    return ICG_SOURCE_DIR;
}
inline std::filesystem::path gateway_binary() {
    return ICG_GATEWAY_BIN;
}
inline std::filesystem::path mock_intercom_binary() {
    return ICG_MOCK_BIN;
}

}  // namespace icg::testing
