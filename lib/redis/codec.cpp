#include "redis/codec.hpp"

#include <hiredis/hiredis.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace icg::redis {
namespace {

struct ReaderDeleter {
    void operator()(redisReader* r) const noexcept { redisReaderFree(r); }
};
struct ReplyDeleter {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};

// hiredis 0.14 (Debian 12) allocates room for an array's announced element count before any
// element arrives, and the count may be up to INT_MAX: "*999999999\r\n" from a hostile or broken
// server would ask for 8 GB (found by fuzzing). hiredis 1.x has maxelements for this; here the
// reader's array constructor is wrapped instead, and a larger array is a protocol error.
constexpr int max_reply_elements = 1 << 20;

// hiredis keeps its default constructors private; a reader made with them points at them.
const redisReplyObjectFunctions& default_functions() {
    static const redisReplyObjectFunctions functions = [] {
        std::unique_ptr<redisReader, ReaderDeleter> probe{redisReaderCreate()};
        if (!probe || !probe->fn) throw std::bad_alloc();
        return *probe->fn;
    }();
    return functions;
}

void* create_bounded_array(const redisReadTask* task, int elements) {
    if (elements > max_reply_elements) return nullptr;  // hiredis reports it as out of memory: an error
    return default_functions().createArray(task, elements);
}

redisReplyObjectFunctions* bounded_functions() {
    static redisReplyObjectFunctions functions = [] {
        redisReplyObjectFunctions f = default_functions();
        f.createArray = create_bounded_array;
        return f;
    }();
    return &functions;
}

Reply convert(const redisReply& r) {
    Reply out;
    switch (r.type) {
        case REDIS_REPLY_STRING:
            out.type = Reply::Type::string;
            out.text.assign(r.str, r.len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = Reply::Type::status;
            out.text.assign(r.str, r.len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = Reply::Type::error;
            out.text.assign(r.str, r.len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = Reply::Type::integer;
            out.integer = r.integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = Reply::Type::array;
            out.elements.reserve(r.elements);
            for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
            break;
        default:
            out.type = Reply::Type::nil;
    }
    return out;
}

}  // namespace

std::string format_command(std::span<const std::string> args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    char* raw = nullptr;
    const int n = redisFormatCommandArgv(&raw, int(argv.size()), argv.data(), lengths.data());
    if (n < 0 || raw == nullptr) throw std::bad_alloc();
    std::string out(raw, std::size_t(n));
    redisFreeCommand(raw);
    return out;
}

struct ReplyReader::Impl {
    std::unique_ptr<redisReader, ReaderDeleter> reader{redisReaderCreateWithFunctions(bounded_functions())};
};

ReplyReader::ReplyReader() : impl_(std::make_unique<Impl>()) {
    if (!impl_->reader) throw std::bad_alloc();
}

ReplyReader::~ReplyReader() = default;

bool ReplyReader::feed(std::string_view bytes) {
    return redisReaderFeed(impl_->reader.get(), bytes.data(), bytes.size()) == REDIS_OK;
}

ReplyReader::Status ReplyReader::next(Reply& out) {
    void* raw = nullptr;
    if (redisReaderGetReply(impl_->reader.get(), &raw) != REDIS_OK) return Status::protocol_error;
    if (raw == nullptr) return Status::incomplete;
    std::unique_ptr<redisReply, ReplyDeleter> reply(static_cast<redisReply*>(raw));
    out = convert(*reply);
    return Status::reply;
}

}  // namespace icg::redis
