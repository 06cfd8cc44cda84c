#pragma once
// proxy.allow: optional least privilege. Each rule is "METHOD /path/pattern": METHOD is a verb or
// "*"; in the pattern "*" stands for exactly one path segment, and a final "/**" for any rest
// (one or more segments). Paths are matched without the query and without the /intercom prefix.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace icg::proxy {

class AllowList {
public:
    AllowList() = default;  // empty: everything is allowed

    // nullopt with *error set when a rule is malformed (used by the config loader).
    static std::optional<AllowList> parse(const std::vector<std::string>& rules, std::string* error);

    bool restricts() const noexcept { return !rules_.empty(); }
    bool allows(std::string_view method, std::string_view path) const;

private:
    struct Rule {
        std::string method;
        std::vector<std::string> segments;
        bool any_rest = false;
    };
    std::vector<Rule> rules_;
};

}  // namespace icg::proxy
