// Fuzzes the RESP reply decoder icg::redis::ReplyReader (lib/redis/codec.hpp) with what a Redis
// server (or anything pretending to be one) could send, and format_command → ReplyReader as a
// round trip.
//
// Input: [split] bytes...
//   the bytes are fed in two pieces cut at split/255 of their length, taking every complete reply
//   after each piece, then once more in one piece and (when short) a byte at a time: the replies
//   must be the same. The lines of the bytes are also formatted as a command and read back.
#include "fuzz_check.hpp"
#include "redis/codec.hpp"
#include "redis/reply.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using icg::redis::Reply;
using icg::redis::ReplyReader;

struct Decoded {
    std::vector<Reply> replies;
    bool protocol_error = false;
};

bool same(const Reply& a, const Reply& b) {
    if (a.type != b.type || a.text != b.text || a.integer != b.integer || a.elements.size() != b.elements.size())
        return false;
    for (std::size_t i = 0; i < a.elements.size(); ++i)
        if (!same(a.elements[i], b.elements[i])) return false;
    return true;
}

bool same(const Decoded& a, const Decoded& b) {
    if (a.protocol_error != b.protocol_error || a.replies.size() != b.replies.size()) return false;
    for (std::size_t i = 0; i < a.replies.size(); ++i)
        if (!same(a.replies[i], b.replies[i])) return false;
    return true;
}

void check_reply(const Reply& r, int depth) {
    FUZZ_CHECK(depth < 64);
    switch (r.type) {
        case Reply::Type::nil:
        case Reply::Type::integer:
            FUZZ_CHECK(r.text.empty() && r.elements.empty());
            break;
        case Reply::Type::string:
        case Reply::Type::status:
        case Reply::Type::error:
            FUZZ_CHECK(r.elements.empty());
            break;
        case Reply::Type::array:
            FUZZ_CHECK(r.text.empty());
            for (const auto& e : r.elements) check_reply(e, depth + 1);
            break;
    }
}

// Takes every complete reply out of the reader; false once it reports a protocol error.
bool drain(ReplyReader& reader, Decoded& out) {
    for (int round = 0;; ++round) {
        FUZZ_CHECK(round < 100000);
        Reply reply;
        switch (reader.next(reply)) {
            case ReplyReader::Status::reply:
                check_reply(reply, 0);
                out.replies.push_back(std::move(reply));
                continue;
            case ReplyReader::Status::incomplete:
                return true;
            case ReplyReader::Status::protocol_error:
                out.protocol_error = true;
                // The reader stays in its error state: no reply comes out of it any more.
                FUZZ_CHECK(reader.next(reply) == ReplyReader::Status::protocol_error);
                return false;
        }
    }
}

Decoded decode(std::span<const std::string_view> pieces) {
    Decoded out;
    ReplyReader reader;
    for (const auto piece : pieces) {
        const std::string copy(piece);  // exact size for ASan
        if (!reader.feed(copy)) {
            out.protocol_error = true;
            break;
        }
        if (!drain(reader, out)) break;
    }
    return out;
}

void check_round_trip(std::string_view bytes) {
    std::vector<std::string> args;
    while (!bytes.empty() && args.size() < 32) {
        const auto nl = bytes.find('\n');
        args.emplace_back(bytes.substr(0, nl));
        if (nl == std::string_view::npos) break;
        bytes.remove_prefix(nl + 1);
    }
    if (args.empty()) return;
    const std::string command = icg::redis::format_command(args);
    ReplyReader reader;
    FUZZ_CHECK(reader.feed(command));
    Reply reply;
    FUZZ_CHECK(reader.next(reply) == ReplyReader::Status::reply);
    FUZZ_CHECK(reply.type == Reply::Type::array && reply.elements.size() == args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
        FUZZ_CHECK(reply.elements[i].type == Reply::Type::string);
        FUZZ_CHECK(reply.elements[i].text == args[i]);
    }
    FUZZ_CHECK(reader.next(reply) == ReplyReader::Status::incomplete);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t split = bytes.size() * data[0] / 255;

    const std::string_view two[] = {bytes.substr(0, split), bytes.substr(split)};
    const Decoded in_two = decode(two);
    const std::string_view one[] = {bytes};
    const Decoded in_one = decode(one);
    FUZZ_CHECK(same(in_two, in_one));
    if (bytes.size() <= 256) {
        std::vector<std::string_view> singles;
        for (std::size_t i = 0; i < bytes.size(); ++i) singles.push_back(bytes.substr(i, 1));
        FUZZ_CHECK(same(decode(singles), in_one));
    }
    check_round_trip(bytes);
    return 0;
}
