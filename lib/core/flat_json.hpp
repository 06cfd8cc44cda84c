#pragma once
// A flat JSON object of strings and integers: the shape of every record the gateway seals into
// Redis (sessions, workspace connections). RapidJSON stays in the .cpp.
#include "core/secret.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace icg::core {

class FlatJsonWriter {
public:
    FlatJsonWriter();
    ~FlatJsonWriter();
    FlatJsonWriter(const FlatJsonWriter&) = delete;
    FlatJsonWriter& operator=(const FlatJsonWriter&) = delete;

    void text(std::string_view key, std::string_view value);
    void number(std::string_view key, std::int64_t value);
    // The object, as a Secret (records hold tokens); the writer's own copy is wiped.
    Secret finish();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class FlatJsonReader {
public:
    // Parsed iteratively: deep nesting cannot exhaust the stack (found by fuzzing).
    explicit FlatJsonReader(std::string_view json);
    ~FlatJsonReader();
    FlatJsonReader(const FlatJsonReader&) = delete;
    FlatJsonReader& operator=(const FlatJsonReader&) = delete;

    bool is_object() const noexcept;
    // False when the member is missing or of another type; `out` is then unchanged.
    bool text(const char* key, std::string& out) const;
    bool number(const char* key, std::int64_t& out) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace icg::core
