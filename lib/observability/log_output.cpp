#include "observability/log_output.hpp"

#include <unistd.h>

#include <cerrno>

namespace icg::observability {

LogOutput::LogOutput(int fd, std::size_t batch_bytes, std::chrono::milliseconds max_delay)
    : fd_(fd), batch_bytes_(batch_bytes), max_delay_(max_delay) {}

LogOutput::~LogOutput() {
    flush();
}

void LogOutput::set_batching(bool on) {
    const std::lock_guard lock(mutex_);
    batching_ = on;
    if (!on && !pending_.empty()) {
        write_out(pending_);
        pending_.clear();
    }
}

bool LogOutput::batching() const {
    const std::lock_guard lock(mutex_);
    return batching_;
}

void LogOutput::write(std::string_view line, Clock::time_point now) {
    const std::lock_guard lock(mutex_);
    if (!batching_) {
        write_out(line);
        return;
    }
    if (pending_.empty()) {
        pending_.reserve(batch_bytes_ + 1024);
        pending_since_ = now;
    }
    pending_.append(line);
    if (pending_.size() >= batch_bytes_ || now - pending_since_ >= max_delay_) {
        write_out(pending_);
        pending_.clear();
    }
}

void LogOutput::write_now(std::string_view line) {
    const std::lock_guard lock(mutex_);
    if (!pending_.empty()) {
        write_out(pending_);
        pending_.clear();
    }
    write_out(line);
}

void LogOutput::flush() {
    const std::lock_guard lock(mutex_);
    if (pending_.empty()) return;
    write_out(pending_);
    pending_.clear();
}

void LogOutput::write_out(std::string_view bytes) {
    // A log that cannot be written (a closed pipe, a full disk) must not stop the gateway:
    // what is left is dropped.
    while (!bytes.empty()) {
        const auto n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        bytes.remove_prefix(std::size_t(n));
    }
}

LogOutput& standard_output() {
    static LogOutput output(STDOUT_FILENO);
    return output;
}

}  // namespace icg::observability
