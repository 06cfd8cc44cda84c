#include "redis/codec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace icg::redis {
namespace {

using namespace std::string_literals;

std::string format(std::vector<std::string> args) {
    return format_command(args);
}

TEST(FormatCommand, WritesAnArrayOfBulkStrings) {
    EXPECT_EQ(format({"PING"}), "*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(format({"SET", "k", "v"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n");
    EXPECT_EQ(format({"GET", ""}), "*2\r\n$3\r\nGET\r\n$0\r\n\r\n");
}

TEST(FormatCommand, IsBinarySafe) {
    const std::string value = "a\r\nb\0c $5 *1"s;
    EXPECT_EQ(format({"SET", "key with spaces", value}),
              "*3\r\n$3\r\nSET\r\n$15\r\nkey with spaces\r\n$12\r\n" + value + "\r\n");
}

TEST(FormatCommand, HandlesLargeArguments) {
    const std::string big(100'000, 'x');
    EXPECT_EQ(format({"SET", "k", big}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n" + big + "\r\n");
}

// One reply of each kind, the bytes that carry it, and a check of what was decoded.
struct Sample {
    std::string bytes;
    Reply expected;
};

Reply text_reply(Reply::Type type, std::string text) {
    Reply r;
    r.type = type;
    r.text = std::move(text);
    return r;
}

Reply integer_reply(long long n) {
    Reply r;
    r.type = Reply::Type::integer;
    r.integer = n;
    return r;
}

Reply array_reply(std::vector<Reply> elements) {
    Reply r;
    r.type = Reply::Type::array;
    r.elements = std::move(elements);
    return r;
}

void expect_same(const Reply& got, const Reply& want, const std::string& where = "reply") {
    ASSERT_EQ(int(got.type), int(want.type)) << where;
    EXPECT_EQ(got.text, want.text) << where;
    EXPECT_EQ(got.integer, want.integer) << where;
    ASSERT_EQ(got.elements.size(), want.elements.size()) << where;
    for (std::size_t i = 0; i < got.elements.size(); ++i)
        expect_same(got.elements[i], want.elements[i], where + "[" + std::to_string(i) + "]");
}

std::vector<Sample> samples() {
    return {
        {"+OK\r\n", text_reply(Reply::Type::status, "OK")},
        {"-ERR wrong number of arguments\r\n", text_reply(Reply::Type::error, "ERR wrong number of arguments")},
        {":42\r\n", integer_reply(42)},
        {":-7\r\n", integer_reply(-7)},
        {":9223372036854775807\r\n", integer_reply(9223372036854775807LL)},
        {"$5\r\nhello\r\n", text_reply(Reply::Type::string, "hello")},
        {"$0\r\n\r\n", text_reply(Reply::Type::string, "")},
        {"$4\r\na\r\nb\r\n", text_reply(Reply::Type::string, "a\r\nb")},
        {"$3\r\na\0b\r\n"s, text_reply(Reply::Type::string, "a\0b"s)},
        {"$-1\r\n", Reply{}},
        {"*-1\r\n", Reply{}},
        {"*0\r\n", array_reply({})},
        {"*3\r\n$1\r\na\r\n:1\r\n$-1\r\n",
         array_reply({text_reply(Reply::Type::string, "a"), integer_reply(1), Reply{}})},
        {"*2\r\n*2\r\n:1\r\n$1\r\nx\r\n*1\r\n*1\r\n+deep\r\n",
         array_reply({array_reply({integer_reply(1), text_reply(Reply::Type::string, "x")}),
                      array_reply({array_reply({text_reply(Reply::Type::status, "deep")})})})},
    };
}

TEST(ReplyReader, DecodesEveryReplyType) {
    for (const auto& sample : samples()) {
        ReplyReader reader;
        ASSERT_TRUE(reader.feed(sample.bytes));
        Reply got;
        ASSERT_EQ(reader.next(got), ReplyReader::Status::reply) << sample.bytes;
        expect_same(got, sample.expected, sample.bytes);
        EXPECT_EQ(reader.next(got), ReplyReader::Status::incomplete) << sample.bytes;
    }
}

TEST(ReplyReader, ReportsIncompleteUntilTheReplyIsWhole) {
    ReplyReader reader;
    Reply got;
    EXPECT_EQ(reader.next(got), ReplyReader::Status::incomplete);
    ASSERT_TRUE(reader.feed("$5\r\nhel"));
    EXPECT_EQ(reader.next(got), ReplyReader::Status::incomplete);
    ASSERT_TRUE(reader.feed("lo\r"));
    EXPECT_EQ(reader.next(got), ReplyReader::Status::incomplete);
    ASSERT_TRUE(reader.feed("\n"));
    ASSERT_EQ(reader.next(got), ReplyReader::Status::reply);
    EXPECT_EQ(got.text, "hello");
}

TEST(ReplyReader, ReturnsPipelinedRepliesInOrder) {
    std::string all;
    for (const auto& s : samples()) all += s.bytes;
    ReplyReader reader;
    ASSERT_TRUE(reader.feed(all));
    for (const auto& s : samples()) {
        Reply got;
        ASSERT_EQ(reader.next(got), ReplyReader::Status::reply) << s.bytes;
        expect_same(got, s.expected, s.bytes);
    }
    Reply none;
    EXPECT_EQ(reader.next(none), ReplyReader::Status::incomplete);
}

TEST(ReplyReader, AnySplitBetweenTwoFeedsGivesTheSameReplies) {
    std::string all;
    for (const auto& s : samples()) all += s.bytes;
    const auto expected = samples();
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
        ReplyReader reader;
        std::vector<Reply> got;
        auto drain = [&] {
            Reply r;
            for (auto st = reader.next(r); st == ReplyReader::Status::reply; st = reader.next(r))
                got.push_back(std::move(r));
        };
        ASSERT_TRUE(reader.feed(std::string_view(all).substr(0, cut)));
        drain();
        ASSERT_TRUE(reader.feed(std::string_view(all).substr(cut)));
        drain();
        ASSERT_EQ(got.size(), expected.size()) << "cut at " << cut;
        for (std::size_t i = 0; i < got.size(); ++i)
            expect_same(got[i], expected[i].expected, "cut " + std::to_string(cut));
    }
}

TEST(ReplyReader, OneByteAtATimeGivesTheSameReplies) {
    std::string all;
    for (const auto& s : samples()) all += s.bytes;
    ReplyReader reader;
    std::vector<Reply> got;
    for (char c : all) {
        ASSERT_TRUE(reader.feed(std::string_view(&c, 1)));
        Reply r;
        for (auto st = reader.next(r); st == ReplyReader::Status::reply; st = reader.next(r))
            got.push_back(std::move(r));
    }
    const auto expected = samples();
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) expect_same(got[i], expected[i].expected);
}

TEST(ReplyReader, LargeBulkStringInManyChunks) {
    const std::string big(300'000, 'z');
    // Appended piece by piece: GCC 12 at -O3 misreads the chained operator+ as an overlapping
    // memcpy (-Wrestrict, GCC bug 105651) and the Release build with tests would not compile.
    std::string bytes = "$";
    bytes += std::to_string(big.size());
    bytes += "\r\n";
    bytes += big;
    bytes += "\r\n";
    ReplyReader reader;
    Reply got;
    for (std::size_t at = 0; at < bytes.size(); at += 4096) {
        EXPECT_EQ(reader.next(got), ReplyReader::Status::incomplete);
        ASSERT_TRUE(reader.feed(std::string_view(bytes).substr(at, 4096)));
    }
    ASSERT_EQ(reader.next(got), ReplyReader::Status::reply);
    EXPECT_EQ(got.text, big);
}

// Found by fuzzing: hiredis 0.14 would allocate room for the announced count at once.
TEST(ReplyReader, AnArrayAnnouncingMoreThanAMillionElementsIsAProtocolError) {
    for (const char* huge : {"*999999999\r\n", "*555555552\r\n", "*2147483647\r\n", "*1048577\r\n"}) {
        ReplyReader reader;
        ASSERT_TRUE(reader.feed(huge));
        Reply got;
        EXPECT_EQ(reader.next(got), ReplyReader::Status::protocol_error) << huge;
    }
    ReplyReader reader;
    ASSERT_TRUE(reader.feed("*2\r\n$1\r\na\r\n:7\r\n"));
    Reply got;
    ASSERT_EQ(reader.next(got), ReplyReader::Status::reply);
    ASSERT_EQ(got.elements.size(), 2u);
    EXPECT_EQ(got.elements[1].integer, 7);
}

TEST(ReplyReader, GarbageIsAProtocolError) {
    for (const char* garbage : {"!oops\r\n", "HTTP/1.1 200 OK\r\n", "\x01\x02\x03\r\n"}) {
        ReplyReader reader;
        reader.feed(garbage);
        Reply got;
        EXPECT_EQ(reader.next(got), ReplyReader::Status::protocol_error) << garbage;
    }
}

TEST(ReplyReader, GarbageAfterAGoodReplyFailsOnlyAfterIt) {
    ReplyReader reader;
    reader.feed("+OK\r\n?what\r\n");
    Reply got;
    ASSERT_EQ(reader.next(got), ReplyReader::Status::reply);
    EXPECT_TRUE(got.is_status("OK"));
    EXPECT_EQ(reader.next(got), ReplyReader::Status::protocol_error);
}

TEST(ReplyReader, RefusesMoreDataOnceInTheErrorState) {
    ReplyReader reader;
    reader.feed("!bad\r\n");
    Reply got;
    ASSERT_EQ(reader.next(got), ReplyReader::Status::protocol_error);
    EXPECT_FALSE(reader.feed("+OK\r\n"));
    EXPECT_NE(reader.next(got), ReplyReader::Status::reply);
}

TEST(Reply, Predicates) {
    EXPECT_TRUE(Reply{}.is_nil());
    EXPECT_TRUE(text_reply(Reply::Type::string, "x").is_string());
    EXPECT_TRUE(text_reply(Reply::Type::error, "ERR").is_error());
    EXPECT_TRUE(text_reply(Reply::Type::status, "PONG").is_status("PONG"));
    EXPECT_FALSE(text_reply(Reply::Type::string, "PONG").is_status("PONG"));
}

}  // namespace
}  // namespace icg::redis
