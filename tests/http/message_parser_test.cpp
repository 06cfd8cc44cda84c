#include "http/message_parser.hpp"

#include <boost/asio/buffer.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace icg::http {
namespace {

namespace bhttp = boost::beast::http;
using boost::beast::error_code;

// Feeds `wire` to the parser in one piece, as a read would; returns the bytes consumed.
template <bool isRequest>
std::size_t feed(MessageParser<isRequest>& parser, std::string_view wire, error_code& ec) {
    return parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
}

TEST(MessageParser, PutsTheRequestHeadIntoARequest) {
    RequestParser parser;
    parser.eager(false);
    const std::string wire =
        "POST /intercom/contacts?page=2 HTTP/1.1\r\nHost: app.example\r\nCookie: a=1\r\n"
        "X-Multi: one\r\nx-multi: two\r\nContent-Length: 5\r\n\r\nhello";
    error_code ec;
    const std::size_t used = feed(parser, wire, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_header_done());
    EXPECT_FALSE(parser.is_done());
    EXPECT_EQ(used, wire.size() - 5);  // not eager: the body is left for the body reads
    Request& request = parser.request();
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.target, "/intercom/contacts?page=2");
    EXPECT_EQ(request.headers.size(), 5u);
    EXPECT_EQ(request.headers.get("host"), "app.example");
    EXPECT_EQ(request.headers.count("X-MULTI"), 2u);
    EXPECT_EQ(parser.content_length().value_or(0), 5u);
    EXPECT_TRUE(parser.keep_alive());
}

TEST(MessageParser, KeepsFieldNamesAsSentAndManyLongFieldsIntact) {
    RequestParser parser;
    std::string wire = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 40; ++i)
        wire += "X-Field-" + std::to_string(i) + ": " + std::string(100, static_cast<char>('a' + i % 26)) + "\r\n";
    wire += "\r\n";
    error_code ec;
    feed(parser, wire, ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(parser.is_done());
    const Headers& headers = parser.headers();
    ASSERT_EQ(headers.size(), 40u);
    int i = 0;
    for (const Headers::Field field : headers) {
        EXPECT_EQ(field.name, "X-Field-" + std::to_string(i));
        EXPECT_EQ(field.value, std::string(100, static_cast<char>('a' + i % 26)));
        ++i;
    }
}

TEST(MessageParser, FillsTheCallersBufferPieceByPieceAndAsksForTheNext) {
    ResponseParser parser;
    const std::string wire = "HTTP/1.1 201 Created\r\nContent-Length: 10\r\nETag: \"x\"\r\n\r\n0123456789";
    parser.eager(true);  // head and body in one put, as a read_some after the head does
    std::vector<char> piece(4);
    parser.body_into(piece);
    error_code ec;
    std::size_t used = feed(parser, wire, ec);
    EXPECT_EQ(ec, bhttp::error::need_buffer);  // 4 of the 10 body bytes fitted
    EXPECT_EQ(parser.status(), 201u);
    EXPECT_EQ(parser.headers().get("etag"), "\"x\"");
    EXPECT_EQ(parser.body_filled(), 4u);
    EXPECT_EQ(std::string(piece.data(), 4), "0123");

    std::string rest = wire.substr(used);
    std::string body = "0123";
    while (!parser.is_done()) {
        parser.body_into(piece);
        ec = {};
        used = feed(parser, rest, ec);
        ASSERT_TRUE(!ec || ec == bhttp::error::need_buffer) << ec.message();
        body.append(piece.data(), parser.body_filled());
        rest = rest.substr(used);
    }
    EXPECT_EQ(body, "0123456789");
    EXPECT_TRUE(rest.empty());
}

TEST(MessageParser, WithNoBufferGivenTheBodyWaits) {
    ResponseParser parser;
    parser.eager(true);
    error_code ec;
    const std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    feed(parser, wire, ec);
    EXPECT_EQ(ec, bhttp::error::need_buffer);
    EXPECT_EQ(parser.body_filled(), 0u);
    EXPECT_FALSE(parser.is_done());
}

// Feeds a chunked request's head, then `chunks` with the body collected into a string of at most
// 8 bytes; returns the error of the body part.
error_code collect_chunked_body(RequestParser& parser, std::string_view chunks) {
    parser.eager(false);
    error_code ec;
    feed(parser, "PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", ec);
    EXPECT_FALSE(ec);
    EXPECT_TRUE(parser.chunked());
    parser.body_limit(8);
    parser.body_into_string(parser.request().body);
    parser.eager(true);
    feed(parser, chunks, ec);
    return ec;
}

TEST(MessageParser, CollectsAChunkedBodyIntoAStringUnderItsLimit) {
    RequestParser parser;
    const error_code ec = collect_chunked_body(parser, "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_TRUE(parser.is_done());
    EXPECT_EQ(parser.request().body, "abcdefg");

    RequestParser over;
    EXPECT_EQ(collect_chunked_body(over, "5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"), bhttp::error::body_limit);
}

TEST(MessageParser, SaysWhenTheClientWantsTheConnectionClosed) {
    RequestParser parser;
    error_code ec;
    feed(parser, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", ec);
    ASSERT_FALSE(ec);
    EXPECT_FALSE(parser.keep_alive());
    EXPECT_EQ(parser.request().headers.get("Connection"), "close");
}

TEST(MessageParser, RejectsMalformedHeadsAndOversizedOnes) {
    RequestParser bad;
    error_code ec;
    feed(bad, "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", ec);
    EXPECT_TRUE(ec);

    RequestParser big;
    big.header_limit(64);
    ec = {};
    feed(big, "GET / HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n", ec);
    EXPECT_EQ(ec, bhttp::error::header_limit);
}

}  // namespace
}  // namespace icg::http
