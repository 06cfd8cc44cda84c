#pragma once
// Feeds a wire to one of our Beast-based parsers the way a socket does: in two reads (cut at
// `split`), each read's bytes in an exact-size copy so ASan sees any read past them, the body
// into `piece` when it is not empty, then the peer's close. The request and the response parser
// targets drive their parsers alike; only what they note of the head differs (`capture_head`).
//
// `Outcome` has: ec, header_done, head_bytes, body, keep_alive, done.
#include "fuzz_check.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

template <typename Parser, typename Outcome, typename CaptureHead>
void feed_in_two_reads(Parser& parser, std::string_view wire, std::size_t split, std::vector<char>& piece, Outcome& out,
                       const CaptureHead& capture_head) {
    namespace bhttp = boost::beast::http;
    using boost::beast::error_code;
    std::string pending;  // received and not yet consumed, as in a read buffer
    std::size_t received = 0;
    std::size_t consumed = 0;
    const std::size_t reads[2] = {split, wire.size()};
    for (const std::size_t upto : reads) {
        // A read gives the parser more bytes, never the same ones again: Beast asserts on that.
        if (upto == received && received != 0) continue;
        pending.append(wire.substr(received, upto - received));
        received = upto;
        for (int round = 0; !parser.is_done(); ++round) {
            FUZZ_CHECK(round < 100000);
            // An exact-size copy, so ASan reports any read past what arrived.
            const std::unique_ptr<char[]> bytes(new char[pending.size()]);
            std::memcpy(bytes.get(), pending.data(), pending.size());
            error_code ec;
            const std::size_t n = parser.put(boost::asio::buffer(bytes.get(), pending.size()), ec);
            FUZZ_CHECK(n <= pending.size());
            pending.erase(0, n);
            consumed += n;
            if (!piece.empty()) {
                FUZZ_CHECK(parser.body_filled() <= piece.size());
                out.body.append(piece.data(), parser.body_filled());
                parser.body_into(piece);
            }
            if (parser.is_header_done() && !out.header_done) {
                out.header_done = true;
                out.head_bytes = consumed;
                capture_head();
            }
            if (ec == bhttp::error::need_buffer) continue;
            if (ec == bhttp::error::need_more) break;
            if (ec) {
                out.ec = ec;
                if (out.header_done) out.keep_alive = parser.keep_alive();
                return;
            }
            if (n == 0) break;  // nothing more to take from what arrived
        }
    }
    if (!parser.is_done() && parser.got_some()) {
        error_code ec;
        parser.put_eof(ec);  // the client closed the connection
        out.ec = ec;
    }
    out.done = parser.is_done();
    // At the end: a Connection field among chunked trailer fields still counts (as in Beast).
    if (out.header_done) out.keep_alive = parser.keep_alive();
}
