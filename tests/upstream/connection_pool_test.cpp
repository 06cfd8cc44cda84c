// The upstream pool against the mock Intercom over real TLS: idle connections are closed once
// they have been idle for idle_timeout, by the sweep, without waiting for the next call.
#include "upstream/connection_pool.hpp"

#include "net/tls_client_context.hpp"
#include "support/certificates.hpp"
#include "support/event_loop.hpp"
#include "support/eventually.hpp"
#include "support/mock_intercom.hpp"
#include "support/temp_dir.hpp"
#include "support/time_scale.hpp"
#include "upstream/upstream_error.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace icg::upstream {
namespace {
using namespace std::chrono_literals;
namespace t = icg::testing;

class ConnectionPoolTest : public ::testing::Test {
protected:
    ConnectionPoolTest()
        : mock_(dir_, t::test_certificates()),
          pool_(loop_.io().get_executor(),
                net::make_tls_client_context({.ca_file = t::test_certificates().ca_file.string()}),
                {.host = "localhost",
                 .port = std::to_string(mock_.port()),
                 .max_idle = 4,
                 .max_connections = 4,
                 .idle_timeout = std::chrono::milliseconds(t::scaled(300)),
                 .connect_timeout = 5s,
                 .handshake_timeout = 5s}) {}

    ~ConnectionPoolTest() override {
        // Connections belong to the loop's thread: they end there.
        loop_.run([this]() -> boost::asio::awaitable<void> {
            pool_.stop_idle_sweep();
            co_return;
        }());
    }

    // Opens `count` connections at once and gives them all back idle.
    void open_idle(int count) {
        loop_.run([this, count]() -> boost::asio::awaitable<void> {
            std::vector<ConnectionPtr> held;
            for (int i = 0; i < count; ++i) {
                auto connection = co_await pool_.acquire();
                EXPECT_TRUE(connection) << connection.error().message();
                if (connection) held.push_back(std::move(*connection));
            }
            for (auto& c : held) pool_.release(std::move(c));
        }());
    }

    std::size_t close_stale_now() {
        return loop_.run([this]() -> boost::asio::awaitable<std::size_t> { co_return pool_.close_stale_idle(); }());
    }

    t::TempDir dir_;
    t::MockIntercom mock_;
    t::EventLoop loop_;
    ConnectionPool pool_;
};

TEST_F(ConnectionPoolTest, AConnectionJustGivenBackIsNotStale) {
    open_idle(2);
    EXPECT_EQ(pool_.stats().idle, 2u);
    EXPECT_EQ(close_stale_now(), 0u);
    EXPECT_EQ(pool_.stats().open, 2u);
}

TEST_F(ConnectionPoolTest, TheSweepClosesIdleConnectionsWithoutAnyCall) {
    open_idle(3);
    ASSERT_EQ(pool_.stats().open, 3u);
    loop_.run([this]() -> boost::asio::awaitable<void> {
        pool_.start_idle_sweep();
        co_return;
    }());
    // Within the idle timeout and one sweep interval after it; bounded, not slept.
    EXPECT_TRUE(t::eventually([&] { return pool_.stats().open == 0; }, 5s, 10ms))
        << "idle " << pool_.stats().idle << ", open " << pool_.stats().open;
    EXPECT_EQ(pool_.stats().idle, 0u);

    // The pool still works after its connections were swept: a new one is opened.
    open_idle(1);
    EXPECT_EQ(pool_.stats().connections_opened, 4u);
}

}  // namespace
}  // namespace icg::upstream

namespace icg::upstream {
namespace {

// A host name whose lookup never answers: the call fails as a timeout at connect_timeout instead
// of waiting for the system resolver's own timeouts.
TEST(ConnectionPoolLookupTest, ALookupThatNeverAnswersFailsAtTheConnectDeadline) {
    t::EventLoop loop;
    std::vector<net::LookupHandler> never_answered;
    ConnectionPool pool(loop.io().get_executor(),
                        net::make_tls_client_context({.ca_file = t::test_certificates().ca_file.string()}),
                        {.host = "api.intercom.internal",
                         .port = "443",
                         .connect_timeout = 150ms,
                         .lookup = [&](const std::string&, const std::string&, net::LookupHandler handler) {
                             never_answered.push_back(std::move(handler));
                         }});
    const auto started = std::chrono::steady_clock::now();
    const auto error = loop.run([&]() -> boost::asio::awaitable<boost::system::error_code> {
        auto connection = co_await pool.acquire();
        co_return connection ? boost::system::error_code() : connection.error();
    }());
    EXPECT_EQ(error, UpstreamErrc::timeout) << error.message();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_EQ(never_answered.size(), 1u);
}

}  // namespace
}  // namespace icg::upstream
