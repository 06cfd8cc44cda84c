#pragma once
// HTTPS requests with a single deadline covering resolve, connect, handshake and response; used
// for the OAuth token exchange and /me. Verified TLS, SNI, host name check. Connections are kept
// alive a while per origin, so a burst of logins does not pay a TLS handshake per call.
#include "http/message.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace icg::upstream {

class ConnectionPool;

struct HttpsRequest {
    std::string method = "GET";
    std::string url;  // absolute https URL
    http::Headers headers;
    std::string body;
};

struct HttpsResponse {
    unsigned status = 0;
    http::Headers headers;
    std::string body;
};

class HttpsClient {
public:
    HttpsClient(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls,
                std::chrono::milliseconds timeout, std::size_t max_response_bytes = 1024 * 1024);
    ~HttpsClient();
    HttpsClient(const HttpsClient&) = delete;
    HttpsClient& operator=(const HttpsClient&) = delete;

    // Never throws; errors are UpstreamErrc values. A request that went out on a kept-alive
    // connection the server had meanwhile closed, with nothing back, goes again on a new one.
    boost::asio::awaitable<boost::system::result<HttpsResponse>> send(HttpsRequest request) const;

    // Kept-alive connections: at most this many idle per origin, for at most idle_timeout (well
    // under common server keep-alive timeouts, so a server rarely closes one first).
    static constexpr std::size_t max_idle = 4;
    static constexpr std::chrono::seconds idle_timeout{15};
    // Open connections per origin; a login burst beyond it waits (within the deadline).
    static constexpr std::size_t max_connections = 64;

private:
    ConnectionPool& pool_for(const std::string& host, const std::string& port) const;

    boost::asio::any_io_executor executor_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::chrono::milliseconds timeout_;
    std::size_t max_response_bytes_;
    mutable std::mutex pools_mutex_;
    mutable std::map<std::string, std::unique_ptr<ConnectionPool>> pools_;  // by host:port
};

}  // namespace icg::upstream
