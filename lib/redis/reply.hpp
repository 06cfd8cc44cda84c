#pragma once
// One Redis reply, copied out of hiredis so no hiredis type leaves redis/.
#include <string>
#include <vector>

namespace icg::redis {

struct Reply {
    enum class Type { nil, string, status, error, integer, array };

    Type type = Type::nil;
    std::string text;  // string, status and error replies
    long long integer = 0;
    std::vector<Reply> elements;

    bool is_nil() const noexcept { return type == Type::nil; }
    bool is_string() const noexcept { return type == Type::string; }
    bool is_error() const noexcept { return type == Type::error; }
    bool is_status(std::string_view expected) const noexcept { return type == Type::status && text == expected; }
};

}  // namespace icg::redis
