#include "server/plain_http_refusal.hpp"

#include "http/http_date.hpp"

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace icg::server {

bool plain_http_waiting(net::TlsStream& stream) {
    // A TLS connection opens with a record whose type byte is 20 to 24 (a ClientHello: 22); every
    // HTTP method begins with a capital letter.
    char first = 0;
    const auto got = ::recv(stream.socket().native_handle(), &first, 1, MSG_PEEK | MSG_DONTWAIT);
    return got == 1 && first >= 'A' && first <= 'Z';
}

boost::asio::awaitable<void> refuse_plain_http(net::TlsStream& stream) {
    static constexpr std::string_view body = "This port speaks HTTPS: use an https:// address for it.\n";
    std::string answer = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ";
    answer.append(std::to_string(body.size())).append("\r\nDate: ").append(http::http_date_now());
    answer.append("\r\nConnection: close\r\n\r\n").append(body);
    const int fd = stream.socket().native_handle();
    // Small enough for any socket's send buffer: one send, no wait.
    if (::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT) != static_cast<ssize_t>(answer.size()))
        co_return;
    ::shutdown(fd, SHUT_WR);
    // Whatever the client sent is read and dropped until it closes (or 64 KiB, or the deadline).
    std::array<char, 4096> sink;
    for (std::size_t total = 0; total < 64 * 1024;) {
        const auto got = ::recv(fd, sink.data(), sink.size(), MSG_DONTWAIT);
        if (got == 0) co_return;
        if (got > 0) {
            total += static_cast<std::size_t>(got);
            continue;
        }
        if (co_await stream.wait_readable()) co_return;
    }
}

}  // namespace icg::server
