#include "core/secret.hpp"

#include <gtest/gtest.h>

#include <concepts>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>

namespace icg::core {
namespace {

template <typename T>
concept Printable = requires(std::ostream& out, const T& value) {
    out << value;
};

// The point of the type: a Secret cannot reach a stream, a string or a format call by accident.
static_assert(Printable<std::string>, "the concept must detect printable types");
static_assert(!Printable<Secret>, "a Secret must not be printable");
static_assert(!std::is_convertible_v<Secret, std::string>);
static_assert(!std::is_convertible_v<Secret, std::string_view>);
static_assert(!std::is_convertible_v<Secret, const char*>);
static_assert(!std::is_convertible_v<Secret, bool>);
static_assert(!std::is_convertible_v<std::string, Secret>, "making a Secret must be explicit");
static_assert(std::is_constructible_v<Secret, std::string>);
static_assert(std::is_nothrow_move_constructible_v<Secret>);

TEST(ConstantTimeEqual, ComparesContent) {
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "bbc"));
    EXPECT_FALSE(constant_time_equal("abc", "ab"));
    EXPECT_FALSE(constant_time_equal("", "a"));
    EXPECT_FALSE(constant_time_equal("a", ""));
}

TEST(ConstantTimeEqual, ComparesEmbeddedNulBytes) {
    using namespace std::string_view_literals;
    EXPECT_TRUE(constant_time_equal("a\0b"sv, "a\0b"sv));
    EXPECT_FALSE(constant_time_equal("a\0b"sv, "a\0c"sv));
    EXPECT_FALSE(constant_time_equal("a\0"sv, "a"sv));
}

TEST(Secret, ExposesItsValueOnlyOnRequest) {
    const Secret s(std::string("token-123"));
    EXPECT_EQ(s.expose(), "token-123");
    EXPECT_EQ(s.size(), 9u);
    EXPECT_FALSE(s.empty());
    EXPECT_TRUE(Secret().empty());
}

TEST(Secret, EqualityComparesTheValues) {
    EXPECT_TRUE(Secret(std::string("a")) == Secret(std::string("a")));
    EXPECT_FALSE(Secret(std::string("a")) == Secret(std::string("b")));
    EXPECT_FALSE(Secret(std::string("a")) == Secret(std::string("aa")));
    EXPECT_TRUE(Secret() == Secret(std::string()));
    EXPECT_TRUE(Secret(std::string("a")) != Secret(std::string("b")));
}

TEST(Secret, CopiesAreIndependent) {
    Secret a(std::string("first"));
    Secret b = a;
    EXPECT_TRUE(a == b);
    b = Secret(std::string("second"));
    EXPECT_EQ(a.expose(), "first");
    EXPECT_EQ(b.expose(), "second");
    a = b;
    EXPECT_EQ(a.expose(), "second");
    const Secret& same = a;
    a = same;  // self-assignment keeps the value
    EXPECT_EQ(a.expose(), "second");
}

TEST(Secret, MovingLeavesTheSourceEmpty) {
    Secret a(std::string("a long secret value that does not fit the small string buffer"));
    Secret b(std::move(a));
    EXPECT_EQ(b.expose(), "a long secret value that does not fit the small string buffer");
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): a moved-from Secret is defined to be empty
    Secret c;
    c = std::move(b);
    EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(c.expose(), "a long secret value that does not fit the small string buffer");
}

}  // namespace
}  // namespace icg::core
