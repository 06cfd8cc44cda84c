#pragma once
// Where the log lines go: a descriptor (stdout), written with write(2), either line by line or
// in batches. Batching is what makes the access log affordable: one system call per request
// cost more than the rest of the line. A batch goes out when it reaches `batch_bytes`, when a
// line arrives `max_delay` after the batch began, when flush() is called (the gateway's timer
// does every `max_delay`, so an idle gateway's lines are never older than that), and before
// any line written with write_now() (event lines: start-up, failures, fatal ends), so the order
// of lines is always the order they were written in. Thread-safe.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace icg::observability {

class LogOutput {
public:
    using Clock = std::chrono::steady_clock;

    explicit LogOutput(int fd, std::size_t batch_bytes = 32 * 1024,
                       std::chrono::milliseconds max_delay = std::chrono::milliseconds(100));
    ~LogOutput();  // flushes
    LogOutput(const LogOutput&) = delete;
    LogOutput& operator=(const LogOutput&) = delete;

    // Off (the default), every line is written at once.
    void set_batching(bool on);
    bool batching() const;
    std::chrono::milliseconds max_delay() const noexcept { return max_delay_; }

    // `line` ends with its newline.
    void write(std::string_view line, Clock::time_point now);
    void write_now(std::string_view line);
    void flush();

private:
    void write_out(std::string_view bytes);  // with mutex_ held

    const int fd_;
    const std::size_t batch_bytes_;
    const std::chrono::milliseconds max_delay_;
    mutable std::mutex mutex_;
    bool batching_ = false;
    std::string pending_;
    Clock::time_point pending_since_{};
};

// The process's standard output, which the access and event logs write to.
LogOutput& standard_output();

}  // namespace icg::observability
