#pragma once
// Talks to the gateway's admin listener (plain HTTP): one request at a time, and the value of a
// series in what /metrics answers.
#include <cstdint>
#include <optional>
#include <string>

namespace icg::testing {

struct PlainAnswer {
    int status = 0;
    std::string body;
};

// One plain HTTP/1.1 request to 127.0.0.1:port (Connection: close); the status and the body.
PlainAnswer plain_request(std::uint16_t port, const std::string& method, const std::string& target);

// The value of one series, written exactly as the text format has it (name{labels}); nullopt when absent.
std::optional<double> series_value(const std::string& text, const std::string& series);

}  // namespace icg::testing
