#include "net/plain_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace icg::net {
namespace asio = boost::asio;

asio::awaitable<boost::system::error_code> PlainStream::write_all(asio::const_buffer data) {
    auto [ec, n] = co_await asio::async_write(*this, data, asio::as_tuple(asio::use_awaitable));
    co_return ec;
}

asio::awaitable<void> PlainStream::shutdown() {
    boost::system::error_code ignored;
    socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    co_return;
}

}  // namespace icg::net
