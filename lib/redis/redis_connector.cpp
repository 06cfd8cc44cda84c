#include "redis/redis_connector.hpp"

#include "redis/redis_error.hpp"

#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <vector>

namespace icg::redis {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Each handshake command with the name its refusal is reported under.
struct HandshakeStep {
    const char* name;
    std::vector<std::string> args;
};

std::vector<HandshakeStep> handshake_steps(const RedisEndpoint& endpoint) {
    std::vector<HandshakeStep> steps;
    if (!endpoint.password.empty()) {
        std::vector<std::string> auth{"AUTH"};
        if (!endpoint.username.empty()) auth.push_back(endpoint.username);
        auth.emplace_back(endpoint.password.expose());
        steps.push_back({"AUTH", std::move(auth)});
    }
    if (endpoint.database != 0) steps.push_back({"SELECT", {"SELECT", std::to_string(endpoint.database)}});
    // Proves the connection alive and that the server takes writes.
    steps.push_back({"ROLE", {"ROLE"}});
    return steps;
}

}  // namespace

RedisConnector::RedisConnector(asio::any_io_executor executor, RedisEndpoint endpoint, RedisOptions options,
                               std::shared_ptr<asio::ssl::context> tls, std::shared_ptr<ServerSource> source)
    : executor_(std::move(executor)),
      endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      tls_(std::move(tls)),
      source_(std::move(source)) {
    if (!options_.lookup) options_.lookup = net::system_lookup(executor_);
}

asio::awaitable<boost::system::result<RedisConnection>> RedisConnector::open(ReplyReader& reader,
                                                                             std::string& why) const {
    auto located = co_await source_->locate(why);
    if (!located) co_return located.error();
    const ServerAddress server = *located;

    // A resolver that never answers must not hold the reconnect loop: the lookup is abandoned at
    // the deadline (net/resolve_within.hpp says why cancelling it would not do).
    auto resolved = co_await net::resolve_within(options_.lookup, server.host, std::to_string(server.port),
                                                 options_.connect_timeout);
    if (!resolved) {
        why = "cannot look up " + server.host + ": " + resolved.error().message();
        co_return resolved.error();
    }
    const net::ResolveResults addresses = std::move(*resolved);
    auto stream = std::make_shared<RedisStream>(executor_, tls_, server.host);
    if (auto ec = co_await stream->connect(addresses, options_.connect_timeout, why)) {
        if (why.empty()) why = "connect failed: " + ec.message();
        co_return ec;
    }

    auto steps = handshake_steps(endpoint_);
    std::string batch;
    for (const auto& step : steps) batch += format_command(step.args);
    for (auto& step : steps)
        for (auto& arg : step.args) std::fill(arg.begin(), arg.end(), '\0');
    stream->expires_after(options_.connect_timeout);
    const auto written = co_await stream->write(asio::buffer(batch));
    std::fill(batch.begin(), batch.end(), '\0');
    if (written) {
        why = "connection lost during the handshake: " + written.message();
        co_return written;
    }
    char buf[4096];
    std::size_t answered = 0;
    while (answered < steps.size()) {
        auto [ec, n] = co_await stream->read_some(asio::buffer(buf));
        if (ec) {
            why = "no answer to " + std::string(steps[answered].name) + ": " + ec.message();
            co_return ec;
        }
        if (!reader.feed({buf, n})) {
            why = "malformed reply during the handshake";
            co_return make_error_code(RedisErrc::protocol_error);
        }
        Reply reply;
        for (auto st = reader.next(reply); st != ReplyReader::Status::incomplete && answered < steps.size();
             st = reader.next(reply)) {
            if (st == ReplyReader::Status::protocol_error) {
                why = "malformed reply during the handshake";
                co_return make_error_code(RedisErrc::protocol_error);
            }
            const HandshakeStep& step = steps[answered++];
            // The server's error text names the command and the user, never the password.
            if (reply.is_error()) {
                why = std::string(step.name) + " refused: " + reply.text;
                co_return make_error_code(RedisErrc::error_reply);
            }
            if (std::string_view(step.name) == "ROLE") {
                const bool master =
                    reply.type == Reply::Type::array && !reply.elements.empty() && reply.elements[0].text == "master";
                if (!master) {
                    const std::string role =
                        reply.type == Reply::Type::array && !reply.elements.empty() ? reply.elements[0].text : "?";
                    why = server.text() + " is not a master (ROLE " + role + "); the gateway writes only to a master";
                    co_return make_error_code(RedisErrc::not_master);
                }
            }
            reply = Reply{};
        }
    }
    stream->expires_never();
    co_return RedisConnection{std::move(stream), server};
}

std::shared_ptr<RedisConnector> connect_to_url(asio::any_io_executor executor, RedisEndpoint endpoint,
                                               RedisOptions options, std::shared_ptr<asio::ssl::context> tls) {
    auto source = std::make_shared<FixedServer>(ServerAddress{endpoint.host, endpoint.port});
    return std::make_shared<RedisConnector>(std::move(executor), std::move(endpoint), std::move(options),
                                            std::move(tls), std::move(source));
}

}  // namespace icg::redis
