#include "redis/redis_url.hpp"

#include <gtest/gtest.h>

#include <string>

namespace icg::redis {
namespace {

const std::string password = "S3cr3t-Pw";

RedisEndpoint parsed(const std::string& url) {
    std::string error;
    auto ep = parse_redis_url(url, &error);
    EXPECT_TRUE(ep.has_value()) << url << ": " << error;
    return ep ? *ep : RedisEndpoint{};
}

// The reason for a rejected URL; it must never contain the password.
std::string rejection(const std::string& url) {
    std::string error;
    auto ep = parse_redis_url(url, &error);
    EXPECT_FALSE(ep.has_value()) << url;
    EXPECT_FALSE(error.empty()) << url;
    EXPECT_EQ(error.find(password), std::string::npos) << error;
    EXPECT_FALSE(parse_redis_url(url, nullptr).has_value()) << "a null error pointer is allowed";
    return error;
}

TEST(ParseRedisUrl, HostPortAndDatabase) {
    const auto ep = parsed("redis://127.0.0.1:6380/4");
    EXPECT_EQ(ep.host, "127.0.0.1");
    EXPECT_EQ(ep.port, 6380);
    EXPECT_EQ(ep.database, 4);
    EXPECT_TRUE(ep.username.empty());
    EXPECT_TRUE(ep.password.empty());
}

TEST(ParseRedisUrl, DefaultsToPort6379AndDatabaseZero) {
    for (const char* url : {"redis://cache.internal", "redis://cache.internal/", "redis://cache.internal:6379/0"}) {
        const auto ep = parsed(url);
        EXPECT_EQ(ep.host, "cache.internal") << url;
        EXPECT_EQ(ep.port, 6379) << url;
        EXPECT_EQ(ep.database, 0) << url;
    }
}

TEST(ParseRedisUrl, UserAndPassword) {
    const auto ep = parsed("redis://gateway:" + password + "@10.0.0.5:6379/2");
    EXPECT_EQ(ep.username, "gateway");
    EXPECT_EQ(ep.password.expose(), password);
    EXPECT_EQ(ep.host, "10.0.0.5");
    EXPECT_EQ(ep.database, 2);
}

TEST(ParseRedisUrl, PasswordOnlyMeansTheDefaultUser) {
    const auto ep = parsed("redis://:" + password + "@localhost:6379");
    EXPECT_TRUE(ep.username.empty());
    EXPECT_EQ(ep.password.expose(), password);
}

TEST(ParseRedisUrl, PercentEncodedPasswordIsDecoded) {
    const auto ep = parsed("redis://:p%40ss%3Aw%2Fd@localhost:6379/0");
    EXPECT_EQ(ep.password.expose(), "p@ss:w/d");
}

TEST(ParseRedisUrl, IPv6Host) {
    const auto ep = parsed("redis://[::1]:6390/1");
    EXPECT_EQ(ep.host, "::1");
    EXPECT_EQ(ep.port, 6390);
    EXPECT_EQ(ep.redacted(), "redis://[::1]:6390/1");
}

TEST(ParseRedisUrl, DatabaseMustBe0To15) {
    EXPECT_EQ(parsed("redis://h/15").database, 15);
    for (const char* db : {"16", "-1", "abc", "1x", "1/2", "99999999999"}) {
        const auto why = rejection("redis://:" + password + "@h:6379/" + db);
        EXPECT_NE(why.find("database"), std::string::npos) << why;
    }
}

TEST(ParseRedisUrl, RedissMeansTls) {
    const auto ep = parsed("rediss://gateway:" + password + "@redis.internal:6380/2");
    EXPECT_TRUE(ep.tls);
    EXPECT_EQ(ep.host, "redis.internal");
    EXPECT_EQ(ep.port, 6380);
    EXPECT_EQ(ep.username, "gateway");
    EXPECT_EQ(ep.database, 2);
    EXPECT_EQ(ep.redacted(), "rediss://gateway:***@redis.internal:6380/2");
    EXPECT_FALSE(parsed("redis://h:6379/0").tls);
    const auto why = rejection("redisss://:" + password + "@h:6380/0");
    EXPECT_NE(why.find("rediss://"), std::string::npos) << why;
}

TEST(ParseRedisUrl, OtherMalformedUrlsAreRejected) {
    const std::string auth = ":" + password + "@";
    for (const std::string& url : {"http://" + auth + "h:6379/0", std::string("h:6379"), "redis://" + auth,
                                   "redis://" + auth + "h:0/0", "redis://" + auth + "h:6379/0?timeout=1",
                                   "redis://" + auth + "h:6379/0#frag", std::string(), "redis://" + auth + "h:port/0"})
        rejection(url);
}

TEST(ParseRedisUrl, PortAbove65535IsRejectedNotWrappedAround) {
    // 99999 wraps to 34463 in a 16-bit port: the gateway would connect somewhere else entirely.
    for (const char* port : {"65536", "70000", "99999", "131071"}) rejection(std::string("redis://h:") + port + "/0");
}

TEST(RedisEndpoint, RedactedNeverShowsThePassword) {
    EXPECT_EQ(parsed("redis://gateway:" + password + "@10.0.0.5:6379/2").redacted(),
              "redis://gateway:***@10.0.0.5:6379/2");
    EXPECT_EQ(parsed("redis://:" + password + "@localhost").redacted(), "redis://:***@localhost:6379/0");
    EXPECT_EQ(parsed("redis://localhost:7000/3").redacted(), "redis://localhost:7000/3");
    const auto encoded = parsed("redis://:S3cr3t%2DPw@localhost").redacted();
    EXPECT_EQ(encoded.find("S3cr3t"), std::string::npos) << encoded;
}

}  // namespace
}  // namespace icg::redis
