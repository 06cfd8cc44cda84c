#pragma once
// Small helpers for writing mock-intercom's JSON bodies with RapidJSON (private to this program).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace icg::mock {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void put_key(JsonWriter& w, std::string_view key) {
    w.Key(key.data(), rapidjson::SizeType(key.size()));
}

inline void put_string_value(JsonWriter& w, std::string_view value) {
    w.String(value.data(), rapidjson::SizeType(value.size()));
}

// Distinct names: with overloads a string literal would silently pick bool.
inline void put_string(JsonWriter& w, std::string_view key, std::string_view value) {
    put_key(w, key);
    put_string_value(w, value);
}

inline void put_bool(JsonWriter& w, std::string_view key, bool value) {
    put_key(w, key);
    w.Bool(value);
}

inline void put_int(JsonWriter& w, std::string_view key, std::int64_t value) {
    put_key(w, key);
    w.Int64(value);
}

inline void put_null(JsonWriter& w, std::string_view key) {
    put_key(w, key);
    w.Null();
}

inline std::string json_text(const rapidjson::StringBuffer& out) {
    return std::string(out.GetString(), out.GetSize());
}

}  // namespace icg::mock
