#include "core/flat_json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace icg::core {

struct FlatJsonWriter::Impl {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
    bool finished = false;
};

FlatJsonWriter::FlatJsonWriter() : impl_(std::make_unique<Impl>()) {
    impl_->writer.StartObject();
}

FlatJsonWriter::~FlatJsonWriter() {
    // The buffer held the record in clear: zero it before it goes back to the allocator.
    char* bytes = const_cast<char*>(impl_->buffer.GetString());
    std::fill(bytes, bytes + impl_->buffer.GetSize(), '\0');
}

void FlatJsonWriter::text(std::string_view key, std::string_view value) {
    impl_->writer.Key(key.data(), rapidjson::SizeType(key.size()));
    impl_->writer.String(value.data(), rapidjson::SizeType(value.size()));
}

void FlatJsonWriter::number(std::string_view key, std::int64_t value) {
    impl_->writer.Key(key.data(), rapidjson::SizeType(key.size()));
    impl_->writer.Int64(value);
}

Secret FlatJsonWriter::finish() {
    if (!impl_->finished) impl_->writer.EndObject();
    impl_->finished = true;
    return Secret(std::string(impl_->buffer.GetString(), impl_->buffer.GetSize()));
}

struct FlatJsonReader::Impl {
    rapidjson::Document doc;
};

FlatJsonReader::FlatJsonReader(std::string_view json) : impl_(std::make_unique<Impl>()) {
    if (json.empty()) return;  // rapidjson would offset a null pointer
    impl_->doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
}

FlatJsonReader::~FlatJsonReader() = default;

bool FlatJsonReader::is_object() const noexcept {
    return !impl_->doc.HasParseError() && impl_->doc.IsObject();
}

bool FlatJsonReader::text(const char* key, std::string& out) const {
    if (!is_object()) return false;
    auto it = impl_->doc.FindMember(key);
    if (it == impl_->doc.MemberEnd() || !it->value.IsString()) return false;
    out.assign(it->value.GetString(), it->value.GetStringLength());
    return true;
}

bool FlatJsonReader::number(const char* key, std::int64_t& out) const {
    if (!is_object()) return false;
    auto it = impl_->doc.FindMember(key);
    if (it == impl_->doc.MemberEnd() || !it->value.IsInt64()) return false;
    out = it->value.GetInt64();
    return true;
}

}  // namespace icg::core
