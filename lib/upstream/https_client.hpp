#pragma once
// One-shot HTTPS requests with a single deadline covering resolve, connect, handshake and
// response; used for the OAuth token exchange and /me. Verified TLS, SNI, hostname check.
#include "http/message.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace icg::upstream {

class TlsSessionCache;

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
    HttpsClient(std::shared_ptr<boost::asio::ssl::context> tls, std::chrono::milliseconds timeout,
                std::size_t max_response_bytes = 1024 * 1024);

    // Runs on the caller's executor. Never throws; errors are UpstreamErrc values.
    boost::asio::awaitable<boost::system::result<HttpsResponse>> send(HttpsRequest request) const;

private:
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::shared_ptr<TlsSessionCache> sessions_;  // logins resume TLS with Intercom
    std::chrono::milliseconds timeout_;
    std::size_t max_response_bytes_;
};

}  // namespace icg::upstream
