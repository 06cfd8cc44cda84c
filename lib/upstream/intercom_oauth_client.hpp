#pragma once
// The calls the gateway makes to Intercom with its app's identity: the login's two (code → token,
// token → who is this, /me) and the uninstall that revokes a token for good.
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
    // UpstreamErrc::token_refused when Intercom answers 401.
    virtual boost::asio::awaitable<boost::system::result<IntercomAdmin>> fetch_me(const core::Secret& token) = 0;
    // Uninstalls the app from the token's workspace (every token of it stops working).
    // UpstreamErrc::token_refused when the token already did not work.
    virtual boost::asio::awaitable<boost::system::result<void>> uninstall(const core::Secret& token) = 0;
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
    boost::asio::awaitable<boost::system::result<void>> uninstall(const core::Secret& token) override;

private:
    const HttpsClient& client_;
    IntercomEndpoints endpoints_;
};

}  // namespace icg::upstream
