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
    // Proves the connection alive, and says whether the server takes writes.
    steps.push_back({"ROLE", {"ROLE"}});
    return steps;
}

const char* role_name(ServerRole role) {
    switch (role) {
        case ServerRole::master:
            return "master";
        case ServerRole::sentinel:
            return "sentinel";
        case ServerRole::any:
            break;
    }
    return "any";
}

}  // namespace

asio::awaitable<boost::system::result<std::vector<Reply>>> exchange(RedisStream& stream, ReplyReader& reader,
                                                                    std::vector<std::vector<std::string>> commands,
                                                                    std::string& why) {
    std::string batch;
    for (const auto& command : commands) batch += format_command(command);
    std::vector<std::string> names;
    for (auto& command : commands) {
        names.push_back(command.empty() ? std::string() : command.front());
        for (auto& arg : command) std::fill(arg.begin(), arg.end(), '\0');
    }
    const auto written = co_await stream.write(asio::buffer(batch));
    std::fill(batch.begin(), batch.end(), '\0');
    if (written) {
        why = "connection lost: " + written.message();
        co_return written;
    }
    std::vector<Reply> replies;
    char buf[4096];
    while (replies.size() < commands.size()) {
        auto [ec, n] = co_await stream.read_some(asio::buffer(buf));
        if (ec) {
            why = "no answer to " + names[replies.size()] + ": " + ec.message();
            co_return ec;
        }
        if (!reader.feed({buf, n})) {
            why = "malformed reply to " + names[replies.size()];
            co_return make_error_code(RedisErrc::protocol_error);
        }
        Reply reply;
        for (auto st = reader.next(reply); st != ReplyReader::Status::incomplete; st = reader.next(reply)) {
            if (st == ReplyReader::Status::protocol_error || replies.size() == commands.size()) {
                why = "malformed or unsolicited reply";
                co_return make_error_code(RedisErrc::protocol_error);
            }
            replies.push_back(std::move(reply));
            reply = Reply{};
        }
    }
    co_return replies;
}

RedisConnector::RedisConnector(asio::any_io_executor executor, RedisEndpoint endpoint, RedisOptions options,
                               std::shared_ptr<asio::ssl::context> tls, std::shared_ptr<ServerSource> source,
                               ServerRole role)
    : executor_(std::move(executor)),
      endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      tls_(std::move(tls)),
      source_(std::move(source)),
      role_(role) {
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
    std::vector<std::vector<std::string>> commands;
    for (auto& step : steps) commands.push_back(std::move(step.args));
    stream->expires_after(options_.connect_timeout);
    auto replies = co_await exchange(*stream, reader, std::move(commands), why);
    if (!replies) co_return replies.error();
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const Reply& reply = (*replies)[i];
        // The server's error text names the command and the user, never the password.
        if (reply.is_error()) {
            why = std::string(steps[i].name) + " refused: " + reply.text;
            co_return make_error_code(RedisErrc::error_reply);
        }
    }
    const Reply& role = replies->back();
    const std::string said = role.type == Reply::Type::array && !role.elements.empty() ? role.elements[0].text : "?";
    if (role_ != ServerRole::any && said != role_name(role_)) {
        why = server.text() + " is not a " + role_name(role_) + " (ROLE " + said + ")" +
              (role_ == ServerRole::master ? "; the gateway writes only to a master" : "");
        co_return make_error_code(RedisErrc::not_master);
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
