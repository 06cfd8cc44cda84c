#include "support/process.hpp"

#include "support/time_scale.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace icg::testing {
namespace {

std::vector<std::string> merged_environment(const Environment& extra) {
    std::vector<std::string> out;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string_view entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        bool replaced = false;
        for (const auto& [k, v] : extra) replaced = replaced || k == name;
        if (!replaced) out.emplace_back(entry);
    }
    for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
    return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

ExitStatus decode(int wait_status) {
    ExitStatus s;
    if (WIFEXITED(wait_status)) {
        s.exited = true;
        s.code = WEXITSTATUS(wait_status);
    } else if (WIFSIGNALED(wait_status)) {
        s.signal = WTERMSIG(wait_status);
    }
    return s;
}

// setpriv's --pdeathsig (PR_SET_PDEATHSIG) fires when the *thread* that started the child ends,
// not the process: a child started from a short-lived thread (an EventLoop's, a helper's) would
// be killed as that thread finished. So every child is started from this one thread, which lasts
// as long as the test process (it is never joined: it ends with the process).
int spawn_from_lasting_thread(const std::function<int()>& spawn) {
    struct Spawner {
        std::mutex mutex;
        std::condition_variable wake;
        std::deque<std::packaged_task<int()>> tasks;
        Spawner() {
            std::thread([this] {
                for (;;) {
                    std::unique_lock lock(mutex);
                    wake.wait(lock, [this] { return !tasks.empty(); });
                    auto task = std::move(tasks.front());
                    tasks.pop_front();
                    lock.unlock();
                    task();
                }
            }).detach();
        }
    };
    static Spawner* const spawner = new Spawner;  // never destroyed: its thread outlives main's statics
    std::packaged_task<int()> task(spawn);
    auto result = task.get_future();
    {
        const std::lock_guard lock(spawner->mutex);
        spawner->tasks.push_back(std::move(task));
    }
    spawner->wake.notify_one();
    return result.get();
}

}  // namespace

std::string ExitStatus::describe() const {
    if (exited) return "exit code " + std::to_string(code);
    return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
}

Process::Process(const std::string& program, std::vector<std::string> args, ProcessOptions options)
    : name_(options.name.empty() ? std::filesystem::path(program).filename().string() : options.name),
      log_file_(std::move(options.log_file)) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2: " + std::string(strerror(errno)));

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
    // Nothing else of the test process reaches the child, whatever a library opened without
    // O_CLOEXEC: a socket or pipe kept open there would keep its peer from seeing it close.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);

    // The child starts with default signal handling and nothing blocked, whatever the test runner did.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<std::string> argv_strings;
    // Through setpriv, so the child is killed if the test process dies first (a CTest timeout, a
    // crash): no orphaned servers keep ports after a run. setpriv execs the program in place.
    static const bool have_setpriv = ::access("/usr/bin/setpriv", X_OK) == 0;
    if (have_setpriv) argv_strings = {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--"};
    argv_strings.push_back(program);
    for (auto& a : args) argv_strings.push_back(std::move(a));
    auto argv = pointers(argv_strings);
    auto env_strings = merged_environment(options.environment);
    auto envp = pointers(env_strings);

    const int rc = spawn_from_lasting_thread([&] {
        return ::posix_spawn(&pid_, argv_strings.front().c_str(), &actions, &attributes, argv.data(), envp.data());
    });
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(pipe_fds[1]);
    if (rc != 0) {
        ::close(pipe_fds[0]);
        throw std::runtime_error("cannot start " + program + ": " + strerror(rc));
    }
    output_fd_ = pipe_fds[0];
    // glibc 2.36 declares pidfd_open without C linkage in C++; the raw system call avoids that.
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    reader_ = std::thread([this] { read_output(); });
}

Process::~Process() {
    stop();
    finish_reader();
    if (::testing::Test::HasFailure()) dump_output();
    if (pidfd_ >= 0) ::close(pidfd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    if (output_fd_ >= 0) ::close(output_fd_);
}

void Process::read_output() {
    std::ofstream log;
    if (!log_file_.empty()) log.open(log_file_, std::ios::binary | std::ios::app);
    char buffer[8192];
    for (;;) {
        pollfd fds[2] = {{output_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents == 0 && fds[1].revents != 0) break;
        const ssize_t n = ::read(output_fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (log.is_open()) log.write(buffer, n).flush();
        std::lock_guard lock(mutex_);
        output_.append(buffer, std::size_t(n));
        changed_.notify_all();
    }
    std::lock_guard lock(mutex_);
    output_closed_ = true;
    changed_.notify_all();
}

void Process::finish_reader() {
    if (!reader_.joinable()) return;
    // The child is gone; give the reader a bounded chance to drain what is left, then wake it.
    wait_for_output_closed(std::chrono::seconds(2));
    const std::uint64_t one = 1;
    [[maybe_unused]] auto ignored = ::write(wake_fd_, &one, sizeof one);
    reader_.join();
}

std::string Process::output() const {
    std::lock_guard lock(mutex_);
    return output_;
}

bool Process::wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, scaled(timeout), [&] {
        return output_.find(needle) != std::string::npos || output_closed_;
    }) && output_.find(needle) != std::string::npos;
}

std::optional<std::string> Process::wait_for_line(std::string_view needle, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    std::optional<std::string> line;
    auto complete_line = [&] {
        const auto at = output_.find(needle);
        if (at == std::string::npos) return false;
        const auto end = output_.find('\n', at);
        if (end == std::string::npos && !output_closed_) return false;
        const auto begin = output_.rfind('\n', at);
        const auto from = begin == std::string::npos ? 0 : begin + 1;
        line = output_.substr(from, end == std::string::npos ? std::string::npos : end - from);
        return true;
    };
    changed_.wait_for(lock, scaled(timeout), [&] { return complete_line() || output_closed_; });
    return line;
}

bool Process::wait_for_output_closed(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return output_closed_; });
}

bool Process::send_signal(int signal) const noexcept {
    if (status_) return false;
    return ::kill(pid_, signal) == 0;
}

std::optional<ExitStatus> Process::wait_for_exit(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    if (pidfd_ >= 0) {
        pollfd fd{pidfd_, POLLIN, 0};
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            const int rc = ::poll(&fd, 1, int(std::max<long long>(0, left.count())));
            if (rc > 0) break;
            if (rc == 0) return std::nullopt;
            if (errno != EINTR) break;
        }
    }
    int wait_status = 0;
    pid_t r;
    do {
        r = ::waitpid(pid_, &wait_status, pidfd_ >= 0 ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return std::nullopt;
    status_ = r == pid_ ? decode(wait_status) : ExitStatus{};
    return status_;
}

ExitStatus Process::stop(std::chrono::milliseconds grace) {
    if (status_) return *status_;
    if (send_signal(SIGTERM)) {
        if (auto s = wait_for_exit(grace)) return *s;
    }
    send_signal(SIGKILL);
    if (auto s = wait_for_exit(std::chrono::seconds(10))) return *s;
    return ExitStatus{};
}

bool Process::running() {
    return !wait_for_exit(std::chrono::milliseconds(0)).has_value();
}

void Process::dump_output() const {
    std::cerr << "----- output of " << name_ << " (pid " << pid_ << ") -----\n"
              << output() << "\n----- end of " << name_ << " -----\n";
}

RunResult run_to_completion(const std::string& program, std::vector<std::string> args, ProcessOptions options,
                            std::chrono::milliseconds timeout) {
    Process process(program, std::move(args), std::move(options));
    auto status = process.wait_for_exit(timeout);
    if (!status) {
        ADD_FAILURE() << process.name() << " did not finish within " << timeout.count() << " ms";
        status = process.stop(std::chrono::seconds(1));
    }
    // The exit came before the last bytes may have been read: wait for the pipe to close.
    process.wait_for_output_closed(std::chrono::seconds(2));
    return {*status, process.output()};
}

}  // namespace icg::testing
