#pragma once
// A child process started with posix_spawn whose stdout and stderr are captured, so tests can
// wait for what it prints (without sleeping) and show its output when they fail.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace icg::testing {

using Environment = std::vector<std::pair<std::string, std::string>>;

struct ExitStatus {
    bool exited = false;  // false: killed by a signal
    int code = -1;        // exit code when `exited`
    int signal = 0;       // terminating signal otherwise

    bool success() const noexcept { return exited && code == 0; }
    std::string describe() const;
};

struct ProcessOptions {
    std::string name;                // for messages; defaults to the program's file name
    Environment environment;         // added to (or replacing names in) this process's environment
    std::filesystem::path log_file;  // when set, the output is also written here
};

class Process {
public:
    Process(const std::string& program, std::vector<std::string> args, ProcessOptions options = {});
    // Stops the process; prints its output to stderr when the current test has failed.
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const noexcept { return pid_; }
    const std::string& name() const noexcept { return name_; }

    // Everything printed so far (stdout and stderr interleaved as written).
    std::string output() const;
    // Waits until the output contains `needle`; false on timeout or when the process closed its output first.
    // The timeout only bounds a wait for what must come, so it stretches with the time scale
    // (time_scale.hpp): a slow sanitizer build on a busy machine is no failure.
    bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const;
    // The first whole line containing `needle`, waiting as above.
    std::optional<std::string> wait_for_line(std::string_view needle, std::chrono::milliseconds timeout) const;

    // Waits until the process has closed its output (it usually has exited then).
    bool wait_for_output_closed(std::chrono::milliseconds timeout) const;

    bool send_signal(int signal) const noexcept;
    // Waits for the process to end; nullopt when it is still running after `timeout`.
    std::optional<ExitStatus> wait_for_exit(std::chrono::milliseconds timeout);
    // SIGTERM, then SIGKILL if it has not ended within `grace`. Idempotent.
    ExitStatus stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
    bool running();
    std::optional<ExitStatus> exit_status() const noexcept { return status_; }

    // Writes the captured output to stderr with a header naming the process.
    void dump_output() const;

private:
    void read_output();
    void finish_reader();

    std::string name_;
    pid_t pid_ = -1;
    int pidfd_ = -1;
    int output_fd_ = -1;
    int wake_fd_ = -1;  // an eventfd that ends the reader thread when nobody closes the pipe
    std::filesystem::path log_file_;
    std::optional<ExitStatus> status_;

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::string output_;
    bool output_closed_ = false;
    std::thread reader_;
};

// Runs a program to completion (bounded by `timeout`, then killed) and returns its status and output.
struct RunResult {
    ExitStatus status;
    std::string output;
};
RunResult run_to_completion(const std::string& program, std::vector<std::string> args, ProcessOptions options = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace icg::testing
