#pragma once
// The two calls the login makes to Intercom: code → token, and token → who is this (/me).
#include "core/secret.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/result.hpp>

#include <string>

namespace icg::upstream {

class HttpsClient;

struct IntercomAdmin {
    std::string id;
    std::string name;
    std::string email;
    std::string workspace_id;
    std::string workspace_name;
};

class IntercomOAuthClient {
public:
    virtual ~IntercomOAuthClient() = default;
    virtual boost::asio::awaitable<boost::system::result<core::Secret>> exchange_code(const core::Secret& code) = 0;
    virtual boost::asio::awaitable<boost::system::result<IntercomAdmin>> fetch_me(const core::Secret& token) = 0;
};

struct IntercomEndpoints {
    std::string token_url;
    std::string api_base;
    std::string client_id;
    core::Secret client_secret;
};

class HttpIntercomOAuthClient final : public IntercomOAuthClient {
public:
    HttpIntercomOAuthClient(const HttpsClient& client, IntercomEndpoints endpoints);

    boost::asio::awaitable<boost::system::result<core::Secret>> exchange_code(const core::Secret& code) override;
    boost::asio::awaitable<boost::system::result<IntercomAdmin>> fetch_me(const core::Secret& token) override;

private:
    const HttpsClient& client_;
    IntercomEndpoints endpoints_;
};

}  // namespace icg::upstream
