#include "redis/redis_url.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace icg::redis {

std::string RedisEndpoint::redacted() const {
    std::string out = tls ? "rediss://" : "redis://";
    if (!username.empty() || !password.empty()) out += (username.empty() ? "" : username) + ":***@";
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return out + ":" + std::to_string(port) + "/" + std::to_string(database);
}

std::optional<RedisEndpoint> parse_redis_url(std::string_view text, std::string* error) {
    auto failed = [&](const char* why) -> std::optional<RedisEndpoint> {
        if (error) *error = why;
        return std::nullopt;
    };
    auto url = boost::urls::parse_absolute_uri(text);
    if (!url) return failed("is not a URL of the form redis://[user:password@]host:port/db");
    if (url->scheme() != "redis" && url->scheme() != "rediss")
        return failed("must start with redis:// (or rediss:// for TLS)");
    if (url->has_query() || url->has_fragment()) return failed("must not have a query or fragment");

    RedisEndpoint ep;
    ep.tls = url->scheme() == "rediss";
    ep.host = url->host_address();
    if (ep.host.empty()) return failed("has no host");
    if (url->has_port()) {
        // Read the digits: Boost.URL's port_number() silently wraps values above 65535.
        const std::string_view digits = url->port();
        unsigned port = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port == 0 || port > 65535)
            return failed("port must be from 1 to 65535");
        ep.port = static_cast<std::uint16_t>(port);
    }
    if (url->has_userinfo()) {
        ep.username = url->user();
        if (url->has_password()) ep.password = core::Secret(std::string(url->password()));
        // redis://:password@host means the default user with a password.
    }
    auto path = std::string(url->path());
    if (!path.empty() && path != "/") {
        std::string_view db(path);
        db.remove_prefix(1);
        int n = -1;
        auto [end, ec] = std::from_chars(db.data(), db.data() + db.size(), n);
        if (ec != std::errc{} || end != db.data() + db.size() || n < 0 || n > 15)
            return failed("database must be a number from 0 to 15 (the path, e.g. /0)");
        ep.database = n;
    }
    return ep;
}

}  // namespace icg::redis
