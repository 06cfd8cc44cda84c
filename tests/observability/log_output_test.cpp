// LogOutput: lines written at once, or batched until a size, a delay or a flush; event lines
// (write_now) carry what is batched out ahead of them, so the order always holds.
#include "observability/log_output.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

namespace icg::observability {
namespace {

using namespace std::chrono_literals;

class LogOutputTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_EQ(::pipe2(fds_, O_NONBLOCK | O_CLOEXEC), 0); }
    void TearDown() override {
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    // Everything written to the pipe so far.
    std::string written() {
        std::string out;
        char buf[4096];
        for (ssize_t n; (n = ::read(fds_[0], buf, sizeof buf)) > 0;) out.append(buf, std::size_t(n));
        return out;
    }
    int fd() const { return fds_[1]; }

    const LogOutput::Clock::time_point t0{};

private:
    int fds_[2] = {-1, -1};
};

TEST_F(LogOutputTest, WithoutBatchingEveryLineGoesOutAtOnce) {
    LogOutput output(fd());
    output.write("a\n", t0);
    EXPECT_EQ(written(), "a\n");
    output.write_now("b\n");
    EXPECT_EQ(written(), "b\n");
}

TEST_F(LogOutputTest, ABatchGoesOutWhenItReachesItsSize) {
    LogOutput output(fd(), 10, 100ms);
    output.set_batching(true);
    output.write("12345\n", t0);
    EXPECT_EQ(written(), "");
    output.write("6789\n", t0);  // 11 bytes: over the size
    EXPECT_EQ(written(), "12345\n6789\n");
}

TEST_F(LogOutputTest, ALineArrivingAfterTheDelayCarriesTheBatchOut) {
    LogOutput output(fd(), 1024, 100ms);
    output.set_batching(true);
    output.write("first\n", t0);
    output.write("second\n", t0 + 99ms);
    EXPECT_EQ(written(), "");
    output.write("third\n", t0 + 100ms);
    EXPECT_EQ(written(), "first\nsecond\nthird\n");
    // The next batch's delay counts from its own first line.
    output.write("fourth\n", t0 + 150ms);
    output.write("fifth\n", t0 + 240ms);
    EXPECT_EQ(written(), "");
}

TEST_F(LogOutputTest, FlushAndEventLinesWriteWhatIsBatchedInOrder) {
    LogOutput output(fd(), 1024, 100ms);
    output.set_batching(true);
    output.write("access 1\n", t0);
    output.flush();
    EXPECT_EQ(written(), "access 1\n");
    output.flush();
    EXPECT_EQ(written(), "") << "nothing left to flush";
    output.write("access 2\n", t0);
    output.write_now("event\n");
    EXPECT_EQ(written(), "access 2\nevent\n");
}

TEST_F(LogOutputTest, TurningBatchingOffOrDestroyingTheOutputWritesWhatWaits) {
    {
        LogOutput output(fd(), 1024, 100ms);
        output.set_batching(true);
        output.write("a\n", t0);
        output.set_batching(false);
        EXPECT_EQ(written(), "a\n");
        output.set_batching(true);
        output.write("b\n", t0);
        EXPECT_EQ(written(), "");
    }
    EXPECT_EQ(written(), "b\n");
}

}  // namespace
}  // namespace icg::observability
