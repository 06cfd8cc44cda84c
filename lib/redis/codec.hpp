#pragma once
// RESP encoding and decoding, done by hiredis (0.14 in Debian 12): we use it only as a codec and
// do all I/O ourselves on Asio sockets.
#include "redis/reply.hpp"

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace icg::redis {

std::string format_command(std::span<const std::string> args);

class ReplyReader {
public:
    enum class Status { reply, incomplete, protocol_error };

    ReplyReader();
    ~ReplyReader();
    ReplyReader(const ReplyReader&) = delete;
    ReplyReader& operator=(const ReplyReader&) = delete;

    // Returns false when the reader refuses the data (it is then in the error state).
    bool feed(std::string_view bytes);
    // Takes the next complete reply out of what was fed, if there is one.
    Status next(Reply& out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace icg::redis
