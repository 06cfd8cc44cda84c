#pragma once
// Completion handlers for coroutines started with co_spawn: asio::detached would swallow an
// exception that escapes one. These report it in one log line and then either let the coroutine
// end (a connection: only its client is affected) or stop the process (a loop the whole gateway
// depends on, such as the Redis client's: better restarted by the supervisor than left half-dead,
// answering 503 forever without saying why).
#include <exception>
#include <string>

namespace icg::observability {

// Logs an escaped exception as an error; the coroutine has ended.
class LogCoroutineFailure {
public:
    explicit LogCoroutineFailure(const char* what) noexcept : what_(what) {}
    void operator()(std::exception_ptr failure) const noexcept;

private:
    const char* what_;  // a fixed name such as "client connection"
};

// Logs an escaped exception and ends the process with exit status 70 (EX_SOFTWARE).
class StopProcessOnFailure {
public:
    explicit StopProcessOnFailure(const char* what) noexcept : what_(what) {}
    void operator()(std::exception_ptr failure) const noexcept;

private:
    const char* what_;
};

// The message of an exception, for one log line; "unknown exception" when it is not a std::exception.
std::string describe_exception(std::exception_ptr failure) noexcept;

}  // namespace icg::observability
