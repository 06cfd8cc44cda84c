#include "core/wakeup.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace icg::core {
namespace asio = boost::asio;

asio::awaitable<void> Wakeup::wait(std::chrono::steady_clock::duration patience) {
    timer_.expires_after(patience);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

void Wakeup::wake(std::shared_ptr<Wakeup> waiter) {
    auto executor = waiter->timer_.get_executor();
    asio::post(executor, [waiter = std::move(waiter)] { waiter->timer_.cancel(); });
}

}  // namespace icg::core
