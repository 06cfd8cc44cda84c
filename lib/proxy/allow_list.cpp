#include "proxy/allow_list.hpp"

#include <algorithm>

namespace icg::proxy {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    while (true) {
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

}  // namespace

std::optional<AllowList> AllowList::parse(const std::vector<std::string>& rules, std::string* error) {
    AllowList list;
    for (const auto& text : rules) {
        const auto space = text.find(' ');
        auto fail = [&](const std::string& why) -> std::optional<AllowList> {
            if (error) *error = "rule \"" + text + "\": " + why;
            return std::nullopt;
        };
        if (space == std::string::npos) return fail("expected \"METHOD /path\", e.g. \"GET /contacts/*\"");
        Rule rule;
        rule.method = text.substr(0, space);
        std::string pattern = text.substr(space + 1);
        if (rule.method != "*" &&
            !std::all_of(rule.method.begin(), rule.method.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
            return fail("the method must be upper-case letters or *");
        if (pattern.empty() || pattern.front() != '/') return fail("the path must start with /");
        if (pattern.find('?') != std::string::npos) return fail("the path must not have a query");
        if (pattern.ends_with("/**")) {
            rule.any_rest = true;
            pattern.resize(pattern.size() - 3);
        }
        if (pattern.find("**") != std::string::npos) return fail("** is only allowed as the last segment");
        if (!pattern.empty())
            for (auto segment : split_path(pattern)) rule.segments.emplace_back(segment);
        list.rules_.push_back(std::move(rule));
    }
    return list;
}

bool AllowList::allows(std::string_view method, std::string_view path) const {
    if (rules_.empty()) return true;
    const auto segments = split_path(path);
    return std::any_of(rules_.begin(), rules_.end(), [&](const Rule& rule) {
        if (rule.method != "*" && rule.method != method) return false;
        if (rule.any_rest ? segments.size() <= rule.segments.size() : segments.size() != rule.segments.size())
            return false;
        for (std::size_t i = 0; i < rule.segments.size(); ++i)
            if (rule.segments[i] != "*" && rule.segments[i] != segments[i]) return false;
        return true;
    });
}

}  // namespace icg::proxy
