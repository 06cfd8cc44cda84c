// Fuzzes icg::http::ResponseParser as the upstream side drives it: the proxy (head first, then
// the body piece by piece into a small buffer, no body limit, skip() for HEAD) and HttpsClient
// (the whole answer into a string under a body limit), the bytes arriving in two reads and the
// connection closing after them. The same bytes are parsed a second time in one read into a
// string, and both parses must agree.
//
// Input: [split][flags] wire...
//   split  where the wire is cut between the two reads (split/255 of its length)
//   flags  bit 0: eager; bits 1-3: body piece size 2^n (0: the whole body into a string);
//          bits 4-5: body limit 64 << 2n bytes; bit 6: no body limit; bit 7: answer to HEAD
#include "fuzz_check.hpp"
#include "http/message_parser.hpp"
#include "two_reads.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace bhttp = boost::beast::http;
using boost::beast::error_code;
using icg::http::ResponseParser;

constexpr std::uint32_t header_limit = 8192;

struct Options {
    std::size_t split = 0;
    bool eager = true;
    std::size_t piece = 0;  // 0: body_into_string
    std::optional<std::uint64_t> body_limit;
    bool head_request = false;
};

struct Outcome {
    error_code ec;
    bool header_done = false;
    bool done = false;
    std::size_t head_bytes = 0;  // bytes consumed up to the end of the head (known when not eager)
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> fields;
    bool chunked = false;
    std::optional<std::uint64_t> content_length;
    bool keep_alive = false;
    std::string body;
};

bool tchar(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    return std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos;
}

std::size_t count_fields(const Outcome& o, std::string_view name) {
    std::size_t n = 0;
    for (const auto& [k, v] : o.fields) n += icg::http::iequals(k, name) ? 1 : 0;
    return n;
}

Outcome parse(std::string_view wire, const Options& options) {
    Outcome out;
    ResponseParser parser;
    parser.header_limit(header_limit);
    parser.body_limit(options.body_limit ? boost::optional<std::uint64_t>(*options.body_limit) : boost::none);
    parser.eager(options.eager);
    if (options.head_request) parser.skip(true);
    std::vector<char> piece(options.piece);
    if (options.piece == 0)
        parser.body_into_string(out.body);
    else
        parser.body_into(piece);

    // The head as it stood when it was complete (a later error in the body does not undo it).
    const auto capture_head = [&] {
        out.status = parser.status();
        for (const auto field : parser.headers()) out.fields.emplace_back(field.name, field.value);
        out.chunked = parser.chunked();
        if (const auto length = parser.content_length()) out.content_length = *length;
    };
    feed_in_two_reads(parser, wire, options.split, piece, out, capture_head);
    return out;
}

void check_outcome(std::string_view wire, const Options& options, const Outcome& o, const icg::http::Headers* headers) {
    if (!o.header_done) return;
    FUZZ_CHECK(o.status <= 999);  // three digits; Beast also takes 000-099
    // No body for HEAD, 1xx, 204 and 304, whatever the head says.
    if (options.head_request || (o.status >= 100 && o.status < 200) || o.status == 204 || o.status == 304)
        FUZZ_CHECK(o.body.empty());
    for (const auto& [name, value] : o.fields) {
        FUZZ_CHECK(!name.empty());
        for (char c : name) FUZZ_CHECK(tchar(c));
        // A value with a line break would split the head when forwarded upstream.
        FUZZ_CHECK(value.find_first_of("\r\n") == std::string::npos);
        FUZZ_CHECK(value.empty() || (value.front() != ' ' && value.front() != '\t'));
        FUZZ_CHECK(value.empty() || (value.back() != ' ' && value.back() != '\t'));
    }
    if (!options.eager) {
        // The head was consumed alone: every field came from it, none from a chunked trailer.
        FUZZ_CHECK(o.head_bytes <= wire.size());
        const std::string_view head = wire.substr(0, o.head_bytes);
        for (const auto& [name, value] : o.fields) {
            FUZZ_CHECK(head.find(name) != std::string_view::npos);
            FUZZ_CHECK(head.find(value) != std::string_view::npos);
        }
    }
    // The stricter framing rules of MessageParser (RFC 9112): framing fields appear at most once.
    if (!o.ec) {
        FUZZ_CHECK(count_fields(o, "Content-Length") <= 1);
        FUZZ_CHECK(count_fields(o, "Transfer-Encoding") <= 1);
    }
    if (options.body_limit) FUZZ_CHECK(o.body.size() <= *options.body_limit);
    const bool bodiless =
        options.head_request || (o.status >= 100 && o.status < 200) || o.status == 204 || o.status == 304;
    if (o.done && !o.ec && o.content_length && !o.chunked && !bodiless) FUZZ_CHECK(o.body.size() == *o.content_length);
    if (headers) {
        // Headers agrees with the fields in arrival order.
        FUZZ_CHECK(headers->size() == o.fields.size());
        for (const auto& [name, value] : o.fields) {
            FUZZ_CHECK(headers->contains(name));
            FUZZ_CHECK(headers->count(name) == count_fields(o, name));
            for (const auto& [first_name, first_value] : o.fields)
                if (icg::http::iequals(first_name, name)) {
                    FUZZ_CHECK(headers->get(name) == first_value);
                    break;
                }
        }
    }
}

bool same(const Outcome& a, const Outcome& b) {
    return a.status == b.status && a.fields == b.fields && a.chunked == b.chunked &&
           a.content_length == b.content_length && a.keep_alive == b.keep_alive && a.body == b.body;
}

std::string describe(const Outcome& o) {
    return "header " + std::string(o.header_done ? "done" : "not done") + ", " + (o.done ? "done" : "not done") +
           ", error '" + o.ec.message() + "', " + std::to_string(o.fields.size()) + " fields, body of " +
           std::to_string(o.body.size()) + " bytes, " + (o.chunked ? "chunked" : "not chunked") + ", length " +
           (o.content_length ? std::to_string(*o.content_length) : std::string("none")) + ", " +
           (o.keep_alive ? "keep-alive" : "close");
}

void print_field_differences(const Outcome& a, const Outcome& b) {
    for (std::size_t i = 0; i < std::min(a.fields.size(), b.fields.size()); ++i)
        if (a.fields[i] != b.fields[i])
            std::fprintf(stderr, "field %zu: [%s: %s] vs [%s: %s]\n", i, a.fields[i].first.c_str(),
                         a.fields[i].second.c_str(), b.fields[i].first.c_str(), b.fields[i].second.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t split = data[0];
    const std::uint8_t flags = data[1];
    const std::string_view wire(reinterpret_cast<const char*>(data + 2), size - 2);

    Options options;
    options.split = wire.size() * split / 255;
    options.eager = (flags & 1) != 0;
    const unsigned piece_bits = (flags >> 1) & 7;
    options.piece = piece_bits == 0 ? 0 : std::size_t{1} << piece_bits;
    if ((flags & 0x40) == 0) options.body_limit = std::uint64_t{64} << (2 * ((flags >> 4) & 3));
    options.head_request = (flags & 0x80) != 0;

    const Outcome split_parse = parse(wire, options);
    check_outcome(wire, options, split_parse, nullptr);

    Options whole = options;
    whole.split = wire.size();
    whole.eager = true;
    whole.piece = 0;
    const Outcome whole_parse = parse(wire, whole);
    check_outcome(wire, whole, whole_parse, nullptr);

    // Headers' own view (get, count, contains) of the fields, from a parser kept alive for it.
    {
        ResponseParser parser;
        parser.header_limit(header_limit);
        error_code ec;
        const std::unique_ptr<char[]> bytes(new char[wire.size()]);
        std::memcpy(bytes.get(), wire.data(), wire.size());
        parser.eager(false);
        if (options.head_request) parser.skip(true);
        parser.put(boost::asio::buffer(bytes.get(), wire.size()), ec);
        if (parser.is_header_done()) {
            Outcome head;
            head.ec = ec;
            head.header_done = true;
            head.status = parser.status();
            for (const auto field : parser.headers()) head.fields.emplace_back(field.name, field.value);
            check_outcome(wire, whole, head, &parser.headers());
        }
    }

    // Beast 1.81 charges a body read until the connection closes against body_limit for every byte
    // it offers, and offers the bytes a full piece did not take again (boostorg/beast#1897): such a
    // body in pieces under a limit ends early with body_limit. The gateway never combines the three
    // (the proxy reads pieces without a limit, HttpsClient whole bodies), so that case is left out.
    const bool to_eof = split_parse.header_done && !split_parse.chunked && !split_parse.content_length;
    if (to_eof && options.piece != 0 && options.body_limit && split_parse.ec == bhttp::error::body_limit) return 0;

    // Cutting the bytes into two reads, or taking the body in pieces, changes nothing.
    const bool split_ok = split_parse.done && !split_parse.ec;
    const bool whole_ok = whole_parse.done && !whole_parse.ec;
    if (split_ok != whole_ok || (split_ok && !same(split_parse, whole_parse))) {
        std::fprintf(stderr, "two reads (cut at %zu): %s\none read: %s\n", options.split, describe(split_parse).c_str(),
                     describe(whole_parse).c_str());
        print_field_differences(split_parse, whole_parse);
    }
    FUZZ_CHECK(split_ok == whole_ok);
    if (split_ok) FUZZ_CHECK(same(split_parse, whole_parse));
    return 0;
}
