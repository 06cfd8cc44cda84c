#include "observability/coroutine_exit.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace icg::observability {
namespace {

namespace asio = boost::asio;

asio::awaitable<void> throws(const char* what) {
    throw std::runtime_error(what);
    co_return;
}

asio::awaitable<void> finishes() {
    co_return;
}

TEST(CoroutineExit, AConnectionThatThrowsIsReportedInOneLogLine) {
    asio::io_context io;
    asio::co_spawn(io, throws("parser exploded"), LogCoroutineFailure("client connection"));
    ::testing::internal::CaptureStdout();
    io.run();  // must not throw out of run(): the handler took the exception
    const std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_NE(out.find("\"level\":\"error\""), std::string::npos) << out;
    EXPECT_NE(out.find("client connection ended by an exception: parser exploded"), std::string::npos) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST(CoroutineExit, ACoroutineThatFinishesSaysNothing) {
    asio::io_context io;
    asio::co_spawn(io, finishes(), LogCoroutineFailure("client connection"));
    asio::co_spawn(io, finishes(), StopProcessOnFailure("Redis client"));
    ::testing::internal::CaptureStdout();
    io.run();
    EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
}

TEST(CoroutineExitDeathTest, ALoopTheGatewayDependsOnStopsTheProcessWhenItThrows) {
    EXPECT_EXIT(
        {
            asio::io_context io;
            asio::co_spawn(io, throws("reply decoder broke"), StopProcessOnFailure("Redis client"));
            io.run();
            std::exit(0);  // not reached: the handler ends the process with 70
        },
        ::testing::ExitedWithCode(70), "");
}

}  // namespace
}  // namespace icg::observability
