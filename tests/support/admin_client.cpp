#include "support/admin_client.hpp"

#include "support/test_client.hpp"

#include <sstream>

namespace icg::testing {

PlainAnswer plain_request(std::uint16_t port, const std::string& method, const std::string& target) {
    const auto raw =
        plain_http_exchange(port, method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    PlainAnswer answer;
    if (raw.rfind("HTTP/1.1 ", 0) == 0) answer.status = std::stoi(raw.substr(9, 3));
    if (const auto end = raw.find("\r\n\r\n"); end != std::string::npos) answer.body = raw.substr(end + 4);
    return answer;
}

std::optional<double> series_value(const std::string& text, const std::string& series) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    return std::nullopt;
}

}  // namespace icg::testing
