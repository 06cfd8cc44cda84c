// The test harness's child processes: one started from a thread that then ends keeps running
// (setpriv's parent-death signal follows the thread that started the child, not the process).
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <thread>

namespace icg::testing {
namespace {

using namespace std::chrono_literals;

TEST(ProcessTest, AChildOutlivesTheThreadThatStartedIt) {
    std::unique_ptr<Process> child;
    std::thread([&] { child = std::make_unique<Process>("/bin/sleep", std::vector<std::string>{"30"}); }).join();
    // Had the parent-death signal followed the starting thread, the child would be dead by now.
    EXPECT_FALSE(child->wait_for_exit(500ms).has_value()) << "the child died with the thread that started it";
    ASSERT_TRUE(child->send_signal(SIGTERM));
    const auto status = child->wait_for_exit(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(status->signal, SIGTERM);
}

}  // namespace
}  // namespace icg::testing
