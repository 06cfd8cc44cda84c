#include "redis/redis_stream.hpp"

#include "net/tls_client_context.hpp"
#include "net/tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <variant>

namespace icg::redis {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
}

struct RedisStream::Impl {
    std::shared_ptr<asio::ssl::context> tls;  // kept alive for the SSL object made from it
    std::variant<boost::beast::tcp_stream, net::TlsStream> stream;
    bool peer_name_set = true;

    Impl(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> context, const std::string& peer_name)
        : tls(std::move(context)),
          stream(tls ? decltype(stream)(std::in_place_type<net::TlsStream>, executor, tls->native_handle(),
                                        net::TlsRole::client)
                     : decltype(stream)(std::in_place_type<boost::beast::tcp_stream>, executor)) {
        if (auto* secure = std::get_if<net::TlsStream>(&stream))
            peer_name_set = net::set_tls_peer_name(secure->native_handle(), peer_name);
    }
};

RedisStream::RedisStream(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls,
                         const std::string& peer_name)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(tls), peer_name)) {}

RedisStream::~RedisStream() = default;

asio::awaitable<error_code> RedisStream::connect(const net::ResolveResults& addresses,
                                                 std::chrono::milliseconds timeout, std::string& why) {
    if (auto* plain = std::get_if<boost::beast::tcp_stream>(&impl_->stream)) {
        plain->expires_after(timeout);
        auto [ec, connected] = co_await plain->async_connect(addresses, nothrow);
        if (ec) co_return ec;
        error_code ignored;
        plain->socket().set_option(asio::ip::tcp::no_delay(true), ignored);
        co_return error_code{};
    }
    auto& secure = std::get<net::TlsStream>(impl_->stream);
    if (!impl_->peer_name_set) {
        why = "TLS: the server's name cannot be checked";
        co_return asio::error::invalid_argument;
    }
    secure.expires_after(timeout);
    if (auto ec = co_await secure.connect(addresses)) co_return ec;
    if (auto ec = co_await secure.handshake()) {
        const long verdict = SSL_get_verify_result(secure.native_handle());
        why = verdict == X509_V_OK
                  ? "TLS handshake failed: " + ec.message()
                  : std::string("TLS: the server's certificate was refused: ") + X509_verify_cert_error_string(verdict);
        co_return ec;
    }
    co_return error_code{};
}

void RedisStream::expires_after(std::chrono::milliseconds timeout) {
    std::visit([&](auto& s) { s.expires_after(timeout); }, impl_->stream);
}

void RedisStream::expires_never() {
    std::visit([](auto& s) { s.expires_never(); }, impl_->stream);
}

asio::awaitable<std::pair<error_code, std::size_t>> RedisStream::read_some(asio::mutable_buffer into) {
    if (auto* plain = std::get_if<boost::beast::tcp_stream>(&impl_->stream)) {
        auto [ec, n] = co_await plain->async_read_some(into, nothrow);
        co_return std::pair{ec, n};
    }
    auto [ec, n] = co_await std::get<net::TlsStream>(impl_->stream).async_read_some(into, nothrow);
    co_return std::pair{ec, n};
}

asio::awaitable<error_code> RedisStream::write(asio::const_buffer data) {
    if (auto* plain = std::get_if<boost::beast::tcp_stream>(&impl_->stream)) {
        auto [ec, n] = co_await asio::async_write(*plain, data, nothrow);
        co_return ec;
    }
    co_return co_await std::get<net::TlsStream>(impl_->stream).write_all(data);
}

void RedisStream::close() noexcept {
    error_code ignored;
    std::visit([&](auto& s) { s.socket().close(ignored); }, impl_->stream);
}

}  // namespace icg::redis
