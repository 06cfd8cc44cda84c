#pragma once
// Which of Redis Cluster's 16,384 hash slots a key belongs to: CRC16 (XMODEM) of the key, or of
// its hash tag (the text between the first '{' and the next '}', when not empty), modulo 16,384.
#include <cstdint>
#include <string_view>

namespace icg::redis {

inline constexpr std::uint16_t cluster_slots = 16384;

std::uint16_t key_slot(std::string_view key) noexcept;

}  // namespace icg::redis
