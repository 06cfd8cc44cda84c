#include "net/resolve_within.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <memory>

namespace icg::net {
namespace asio = boost::asio;
using boost::system::error_code;

Lookup system_lookup(asio::any_io_executor executor) {
    return [executor](const std::string& host, const std::string& port, LookupHandler handler) {
        // The resolver lives until its handler has run, however late that is.
        auto resolver = std::make_shared<asio::ip::tcp::resolver>(executor);
        resolver->async_resolve(host, port,
                                [resolver, handler = std::move(handler)](error_code ec, ResolveResults results) {
                                    handler(ec, std::move(results));
                                });
    };
}

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// The race: whichever of the lookup and the timer ends first completes the caller's handler;
// the other finds it spent. A named type rather than a lambda inside the coroutine: GCC 12
// mis-destroys init-captures there.
struct RaceInitiation {
    const Lookup& lookup;
    std::string host;
    std::string port;
    asio::any_io_executor executor;
    std::chrono::milliseconds timeout;

    template <typename Handler>
    void operator()(Handler handler) {
        struct Race {
            // The timer's wait and cancel() run on one strand: they never overlap, whatever thread
            // the lookup answers on.
            explicit Race(Handler h, const asio::any_io_executor& ex)
                : handler(std::move(h)), timer(asio::make_strand(ex)) {}
            Handler handler;
            asio::steady_timer timer;
            std::atomic<bool> spent{false};
            void finish(error_code ec, ResolveResults results) {
                if (spent.exchange(true)) return;
                auto target = asio::get_associated_executor(handler, timer.get_executor());
                asio::post(target, [h = std::move(handler), ec, results = std::move(results)]() mutable {
                    std::move(h)(ec, std::move(results));
                });
            }
        };
        auto race = std::make_shared<Race>(std::move(handler), executor);
        race->timer.expires_after(timeout);
        race->timer.async_wait([race](error_code ec) {
            if (!ec) race->finish(asio::error::timed_out, {});
        });
        lookup(host, port, [race](error_code ec, ResolveResults results) {
            // Posted to the timer's strand: the lookup may answer from inside lookup() itself, or
            // from another thread.
            asio::post(race->timer.get_executor(), [race, ec, results = std::move(results)]() mutable {
                race->timer.cancel();
                race->finish(ec, std::move(results));
            });
        });
    }
};

}  // namespace

asio::awaitable<boost::system::result<ResolveResults>> resolve_within(const Lookup& lookup, std::string host,
                                                                      std::string port,
                                                                      std::chrono::milliseconds timeout) {
    // Each step its own statement: GCC 12 mishandles a co_await inside an initializer.
    const asio::any_io_executor executor = co_await asio::this_coro::executor;
    RaceInitiation initiation{lookup, std::move(host), std::move(port), executor, timeout};
    auto [ec, results] = co_await asio::async_initiate<decltype(nothrow), void(error_code, ResolveResults)>(
        std::move(initiation), nothrow);
    if (ec) co_return ec;
    co_return std::move(results);
}

}  // namespace icg::net
