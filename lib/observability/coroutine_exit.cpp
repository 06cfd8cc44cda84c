#include "observability/coroutine_exit.hpp"

#include "observability/access_log.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace icg::observability {

std::string describe_exception(std::exception_ptr failure) noexcept {
    try {
        std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown exception";
    }
}

void LogCoroutineFailure::operator()(std::exception_ptr failure) const noexcept {
    if (!failure) return;
    try {
        log_event("error", std::string(what_) + " ended by an exception: " + describe_exception(failure));
    } catch (...) {  // out of memory while logging: nothing more to do
    }
}

void StopProcessOnFailure::operator()(std::exception_ptr failure) const noexcept {
    if (!failure) return;
    try {
        log_event("fatal", std::string(what_) + " ended by an exception: " + describe_exception(failure) +
                               "; stopping the process");
    } catch (...) {
    }
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(70);
}

}  // namespace icg::observability
