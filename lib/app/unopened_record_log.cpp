#include "app/unopened_record_log.hpp"

#include "core/clock.hpp"
#include "observability/access_log.hpp"

namespace icg::app {

UnopenedRecordLog::UnopenedRecordLog(const core::Clock& clock, std::chrono::seconds interval)
    : clock_(clock), interval_(interval) {}

void UnopenedRecordLog::record_unopened(std::string_view named_key_id) {
    if (auto line = count_and_describe(named_key_id)) observability::log_event("warn", *line);
}

std::optional<std::string> UnopenedRecordLog::count_and_describe(std::string_view named_key_id) {
    total_.fetch_add(1, std::memory_order_relaxed);
    const std::lock_guard lock(mutex_);
    ++since_last_line_;
    const auto now = clock_.now();
    if (last_line_ && now - *last_line_ < interval_) return std::nullopt;
    // Ids are checked to be short and plain before a record is opened, but one from Redis is
    // anyone's: only the characters an id may have are shown.
    std::string id;
    for (const char c : named_key_id.substr(0, crypto::SessionCipher::max_key_id_size))
        id += crypto::SessionCipher::is_key_id(std::string_view(&c, 1)) ? c : '?';
    std::string line = std::to_string(since_last_line_) + (since_last_line_ == 1 ? " record" : " records") +
                       " in Redis opened by no key of session.encryption_keys (" +
                       std::to_string(total_.load(std::memory_order_relaxed)) + " since start); the last names key " +
                       (id.empty() ? std::string("none (sealed before key ids)") : "id \"" + id + "\"") +
                       ": was a key removed while records it sealed were still in use?";
    last_line_ = now;
    since_last_line_ = 0;
    return line;
}

}  // namespace icg::app
