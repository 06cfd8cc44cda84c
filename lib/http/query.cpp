#include "http/query.hpp"

#include <boost/url/parse_query.hpp>

namespace icg::http {

std::optional<std::string> query_param(std::string_view encoded_query, std::string_view name) {
    // Guard before Boost.URL: 1.81's parse_query dereferences a null empty view.
    if (encoded_query.empty()) return std::nullopt;
    auto params = boost::urls::parse_query(encoded_query);
    if (!params) return std::nullopt;
    std::optional<std::string> found;
    for (const auto& param : *params) {
        if (param.key.decoded_size() != name.size()) continue;
        std::string key;
        for (char c : param.key.decode()) key += c;
        if (key != name) continue;
        if (found) return std::nullopt;
        found.emplace();
        if (param.has_value)
            for (char c : param.value.decode()) *found += c;
    }
    return found;
}

}  // namespace icg::http
