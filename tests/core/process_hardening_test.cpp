#include "core/process_hardening.hpp"

#include <gtest/gtest.h>

#include <sys/prctl.h>

#include <cstdlib>

namespace icg::core {
namespace {

// In a child process, so the test binary itself keeps its dumpable flag.
TEST(ProcessHardeningDeathTest, TheProcessBecomesUndumpable) {
    EXPECT_EXIT(
        {
            const bool before = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1;
            const bool done = make_process_undumpable();
            const bool after = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
            std::exit(before && done && after ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace icg::core
