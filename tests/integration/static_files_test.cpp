// Everything outside /auth/*, /healthz and /readyz: the SPA's files from server.static_dir.
#include "gateway_fixture.hpp"

#include "support/paths.hpp"

namespace icg::testing {
namespace {

using StaticFilesTest = GatewayTest;

std::string static_file(const char* name) {
    return read_file(source_dir() / "gateway" / "static" / name);
}

TEST_F(StaticFilesTest, RootServesIndexHtml) {
    auto client = browser();
    const auto response = client.get("/");
    EXPECT_EQ(response.status, 200u);
    EXPECT_TRUE(response.header("Content-Type").starts_with("text/html")) << response.header("Content-Type");
    EXPECT_EQ(response.body, static_file("index.html"));
}

TEST_F(StaticFilesTest, IndexHtmlByName) {
    auto client = browser();
    const auto response = client.get("/index.html");
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.body, static_file("index.html"));
}

TEST_F(StaticFilesTest, JavaScriptHasAJavaScriptType) {
    auto client = browser();
    const auto response = client.get("/app.js");
    EXPECT_EQ(response.status, 200u);
    const auto type = response.header("Content-Type");
    EXPECT_TRUE(type.starts_with("application/javascript") || type.starts_with("text/javascript")) << type;
    EXPECT_EQ(response.body, static_file("app.js"));
}

TEST_F(StaticFilesTest, StylesheetHasTheCssType) {
    auto client = browser();
    const auto response = client.get("/style.css");
    EXPECT_EQ(response.status, 200u);
    EXPECT_TRUE(response.header("Content-Type").starts_with("text/css")) << response.header("Content-Type");
}

TEST_F(StaticFilesTest, QueryStringIsIgnoredForFiles) {
    auto client = browser();
    const auto response = client.get("/app.js?v=123");
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.body, static_file("app.js"));
}

TEST_F(StaticFilesTest, MissingFileIs404) {
    auto client = browser();
    EXPECT_EQ(client.get("/no-such-file.js").status, 404u);
    EXPECT_EQ(client.get("/nested/missing/file.css").status, 404u);
}

class PathEscapeTest : public GatewayTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(PathEscapeTest, NeverServesAFileOutsideTheStaticDirectory) {
    const std::string gateway_cmake = read_file(source_dir() / "gateway" / "CMakeLists.txt");
    const std::string root_cmake = read_file(source_dir() / "CMakeLists.txt");
    auto client = browser();
    HttpResponse response;
    try {
        response = client.get(GetParam());
    } catch (const std::exception&) {
        return;  // the server closed the connection on a target it would not parse: nothing was served
    }
    EXPECT_TRUE(response.status == 400u || response.status == 404u) << GetParam() << " answered " << response.status;
    EXPECT_EQ(response.body.find("add_executable"), std::string::npos) << GetParam();
    EXPECT_EQ(response.body.find("cmake_minimum_required"), std::string::npos) << GetParam();
    EXPECT_NE(response.body, gateway_cmake);
    EXPECT_NE(response.body, root_cmake);
}

INSTANTIATE_TEST_SUITE_P(Traversals, PathEscapeTest,
                         ::testing::Values("/../CMakeLists.txt", "/../../CMakeLists.txt", "/%2e%2e/CMakeLists.txt",
                                           "/%2E%2E/%2E%2E/CMakeLists.txt", "/..%2fCMakeLists.txt",
                                           "/..%2FCMakeLists.txt", "/%2e%2e%2fCMakeLists.txt", "/..%5cCMakeLists.txt",
                                           "/.%2e/CMakeLists.txt", "/static/../../CMakeLists.txt",
                                           "/./../CMakeLists.txt", "//../CMakeLists.txt", "/%252e%252e/CMakeLists.txt",
                                           "/..;/CMakeLists.txt", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                                           "/....//CMakeLists.txt", "/..\\CMakeLists.txt"));

TEST_F(StaticFilesTest, EncodedSlashIsNotAPathSeparator) {
    auto client = browser();
    const auto response = client.get("/%2Fetc%2Fpasswd");
    EXPECT_TRUE(response.status == 400u || response.status == 404u) << response.status;
    EXPECT_EQ(response.body.find("root:"), std::string::npos);
}

TEST_F(StaticFilesTest, NulByteIsRejected) {
    auto client = browser();
    const auto response = client.get("/index.html%00.js");
    EXPECT_TRUE(response.status == 400u || response.status == 404u) << response.status;
}

}  // namespace
}  // namespace icg::testing
