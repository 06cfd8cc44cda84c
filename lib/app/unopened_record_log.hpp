#pragma once
// Records that no key of the session key ring opens are counted and logged, at most one line per
// interval, naming the key id the last one names: after a key was removed too early, the operator
// sees why users are logged out instead of guessing. Never logs any secret.
#include "crypto/session_cipher.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace icg::core {
class Clock;
}

namespace icg::app {

class UnopenedRecordLog final : public crypto::UnopenedRecordObserver {
public:
    explicit UnopenedRecordLog(const core::Clock& clock, std::chrono::seconds interval = std::chrono::seconds(60));

    void record_unopened(std::string_view named_key_id) override;

    // Counts the record; returns the line to log when one is due.
    std::optional<std::string> count_and_describe(std::string_view named_key_id);

    std::uint64_t unopened() const noexcept { return total_.load(std::memory_order_relaxed); }

private:
    const core::Clock& clock_;
    const std::chrono::seconds interval_;
    std::atomic<std::uint64_t> total_{0};
    std::mutex mutex_;
    std::optional<std::chrono::system_clock::time_point> last_line_;
    std::uint64_t since_last_line_ = 0;
};

}  // namespace icg::app
