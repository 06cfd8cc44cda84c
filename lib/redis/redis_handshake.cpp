#include "redis/redis_handshake.hpp"

#include "redis/redis_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <memory>
#include <vector>

namespace icg::redis {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

RedisOptions with_lookup(RedisOptions options, const asio::any_io_executor& executor) {
    if (!options.lookup) options.lookup = net::system_lookup(executor);
    return options;
}

asio::awaitable<error_code> open_connection(boost::beast::tcp_stream& stream, const RedisEndpoint& endpoint,
                                            std::chrono::milliseconds connect_timeout, const net::Lookup& lookup,
                                            ReplyReader& reader, std::string& refusal) {
    // A resolver that never answers must not hold the reconnect loop: the lookup is abandoned at
    // the deadline (net/resolve_within.hpp says why cancelling it would not do).
    auto resolved = co_await net::resolve_within(lookup, endpoint.host, std::to_string(endpoint.port), connect_timeout);
    if (!resolved) co_return resolved.error();
    const net::ResolveResults results = std::move(*resolved);
    stream.expires_after(connect_timeout);
    auto [cec, ep] = co_await stream.async_connect(results, nothrow);
    if (cec) co_return cec;
    stream.socket().set_option(asio::ip::tcp::no_delay(true));

    std::vector<std::vector<std::string>> hello;
    if (!endpoint.password.empty()) {
        if (endpoint.username.empty())
            hello.push_back({"AUTH", std::string(endpoint.password.expose())});
        else
            hello.push_back({"AUTH", endpoint.username, std::string(endpoint.password.expose())});
    }
    if (endpoint.database != 0) hello.push_back({"SELECT", std::to_string(endpoint.database)});
    hello.push_back({"PING"});
    std::string batch;
    for (auto& cmd : hello) batch += format_command(cmd);
    for (auto& cmd : hello)
        for (auto& arg : cmd) std::fill(arg.begin(), arg.end(), '\0');

    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(batch), nothrow);
    std::fill(batch.begin(), batch.end(), '\0');
    if (wec) co_return wec;
    char buf[4096];
    std::size_t answered = 0;
    while (answered < hello.size()) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(buf), nothrow);
        if (ec) co_return ec;
        if (!reader.feed({buf, n})) co_return make_error_code(RedisErrc::protocol_error);
        Reply reply;
        for (auto st = reader.next(reply); st != ReplyReader::Status::incomplete; st = reader.next(reply)) {
            if (st == ReplyReader::Status::protocol_error) co_return make_error_code(RedisErrc::protocol_error);
            if (reply.is_error()) {
                refusal = "handshake refused: " + reply.text;
                co_return make_error_code(RedisErrc::error_reply);
            }
            ++answered;
        }
    }
    stream.expires_never();
    co_return error_code{};
}

}  // namespace icg::redis
