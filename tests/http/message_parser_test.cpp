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
    for (int i = 0; i < 39; ++i)
        wire += "X-Field-" + std::to_string(i) + ": " + std::string(100, static_cast<char>('a' + i % 26)) + "\r\n";
    wire += "Host: app.example\r\n\r\n";
    error_code ec;
    feed(parser, wire, ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(parser.is_done());
    const Headers& headers = parser.headers();
    ASSERT_EQ(headers.size(), 40u);
    int i = 0;
    for (const Headers::Field field : headers) {
        if (i == 39) {
            EXPECT_EQ(field.name, "Host");
            break;
        }
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
    feed(parser, "PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", ec);
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
    feed(parser, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", ec);
    ASSERT_FALSE(ec);
    EXPECT_FALSE(parser.keep_alive());
    EXPECT_EQ(parser.request().headers.get("Connection"), "close");
}

TEST(MessageParser, RejectsMalformedHeadsAndOversizedOnes) {
    RequestParser bad;
    error_code ec;
    feed(bad, "GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", ec);
    EXPECT_TRUE(ec);

    RequestParser big;
    big.header_limit(64);
    ec = {};
    feed(big, "GET / HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n", ec);
    EXPECT_EQ(ec, bhttp::error::header_limit);
}

// Feeds a whole message, first in one piece and then split at every byte boundary, as reads of
// any size would deliver it; the error must be the same whichever way it arrives.
template <bool isRequest>
error_code parse_all(std::string_view wire) {
    error_code whole_ec;
    {
        MessageParser<isRequest> parser;
        parser.eager(true);
        std::vector<char> sink(1 << 16);
        parser.body_into(sink);
        std::size_t used = 0;
        while (used < wire.size()) {
            const std::size_t n = parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), whole_ec);
            if (whole_ec == bhttp::error::need_buffer) {
                parser.body_into(sink);
                whole_ec = {};
            }
            if (whole_ec || n == 0) break;
            used += n;
        }
        if (!whole_ec && !parser.is_done()) whole_ec = bhttp::error::need_more;
    }
    for (std::size_t split = 1; split < wire.size(); ++split) {
        MessageParser<isRequest> parser;
        parser.eager(true);
        std::vector<char> sink(1 << 16);
        parser.body_into(sink);
        std::string buffered;
        error_code ec;
        std::size_t fed = 0;
        for (const std::size_t end : {split, wire.size()}) {
            buffered.append(wire.substr(fed, end - fed));
            fed = end;
            for (;;) {
                const std::size_t n = parser.put(boost::asio::buffer(buffered), ec);
                buffered.erase(0, n);
                if (ec == bhttp::error::need_buffer) {
                    parser.body_into(sink);
                    ec = {};
                    continue;
                }
                if (ec == bhttp::error::need_more) {
                    ec = {};
                    break;
                }
                if (ec || n == 0 || parser.is_done()) break;
            }
            if (ec) break;
        }
        if (!ec && !parser.is_done()) ec = bhttp::error::need_more;
        EXPECT_EQ(ec, whole_ec) << "split at " << split << " of " << wire.size();
    }
    return whole_ec;
}

struct FramingCase {
    const char* name;
    std::string wire;
    error_code expected;
};

class RequestFraming : public ::testing::TestWithParam<FramingCase> {};

TEST_P(RequestFraming, IsRefusedWithItsReason) {
    const auto& c = GetParam();
    EXPECT_EQ(parse_all<true>(c.wire), c.expected) << c.name;
}

const std::string chunked_head = "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

INSTANTIATE_TEST_SUITE_P(
    MessageParser, RequestFraming,
    ::testing::Values(
        FramingCase{"obs-fold with a space", "GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n", make_error_code(FramingErrc::obs_fold)},
        FramingCase{"obs-fold with a tab", "GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n\ttwo\r\n\r\n", make_error_code(FramingErrc::obs_fold)},
        FramingCase{"obs-fold after an empty first line", "GET / HTTP/1.1\r\nHost: h\r\nX-A:\r\n two\r\n\r\n",
                    make_error_code(FramingErrc::obs_fold)},
        FramingCase{"a folded Transfer-Encoding",
                    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n",
                    make_error_code(FramingErrc::obs_fold)},
        FramingCase{"Transfer-Encoding in HTTP/1.0",
                    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    make_error_code(FramingErrc::transfer_encoding_in_http10)},
        FramingCase{"a coding before chunked",
                    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                    make_error_code(FramingErrc::unsupported_transfer_coding)},
        FramingCase{"identity", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n",
                    make_error_code(FramingErrc::unsupported_transfer_coding)},
        FramingCase{"two Transfer-Encoding fields",
                    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "0\r\n\r\n",
                    bhttp::error::bad_transfer_encoding},  // Beast's own refusal comes first
        FramingCase{"two equal Content-Length fields",
                    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
                    make_error_code(FramingErrc::repeated_content_length)},
        FramingCase{"a Content-Length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\na",
                    make_error_code(FramingErrc::repeated_content_length)},
        FramingCase{"no Host in HTTP/1.1", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", make_error_code(FramingErrc::missing_host)},
        FramingCase{"two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", make_error_code(FramingErrc::repeated_host)},
        FramingCase{"a long chunk extension",
                    chunked_head + "1;ext=" + std::string(300, 'e') + "\r\na\r\n0\r\n\r\n",
                    make_error_code(FramingErrc::chunk_extension_too_long)},
        FramingCase{"a large trailer section",
                    chunked_head + "1\r\na\r\n0\r\nX-T: " + std::string(5000, 't') + "\r\n\r\n",
                    make_error_code(FramingErrc::trailer_too_large)},
        FramingCase{"obs-fold in a trailer", chunked_head + "1\r\na\r\n0\r\nX-T: a\r\n b\r\n\r\n",
                    make_error_code(FramingErrc::obs_fold)}));

TEST(MessageParser, AcceptsHttp10WithoutHostAndOrdinaryBlankPadding) {
    EXPECT_FALSE(parse_all<true>("GET / HTTP/1.0\r\n\r\n"));
    EXPECT_FALSE(parse_all<true>("GET / HTTP/1.1\r\nHost:   h  \r\nX-Empty:\r\nX-Tab:\tv\r\n\r\n"));
    EXPECT_FALSE(parse_all<true>(chunked_head + "3;name=value\r\nabc\r\n0\r\n\r\n"));
}

TEST(MessageParser, DropsTrailerFieldsInsteadOfAddingThemToTheHead) {
    RequestParser parser;
    parser.eager(true);
    std::string body;
    parser.body_into_string(body);
    error_code ec;
    feed(parser, chunked_head + "3\r\nabc\r\n0\r\nX-Trailer: t\r\nX-Checksum: 42\r\n\r\n", ec);
    ASSERT_FALSE(ec) << ec.message();
    ASSERT_TRUE(parser.is_done());
    EXPECT_EQ(body, "abc");
    EXPECT_FALSE(parser.request().headers.contains("X-Trailer"));
    EXPECT_FALSE(parser.request().headers.contains("X-Checksum"));
    // Framing fields have no place in a trailer at all.
    EXPECT_TRUE(parse_all<true>(chunked_head + "3\r\nabc\r\n0\r\nContent-Length: 99\r\n\r\n"));
}

TEST(MessageParser, HoldsAnswersFromUpstreamToTheSameRules) {
    EXPECT_EQ(parse_all<false>("HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n"),
              make_error_code(FramingErrc::obs_fold));
    EXPECT_EQ(parse_all<false>("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
              make_error_code(FramingErrc::unsupported_transfer_coding));
    EXPECT_EQ(parse_all<false>("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
              make_error_code(FramingErrc::transfer_encoding_in_http10));
    EXPECT_EQ(parse_all<false>("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab"),
              make_error_code(FramingErrc::repeated_content_length));
    EXPECT_FALSE(parse_all<false>("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab"));
}

}  // namespace
}  // namespace icg::http
