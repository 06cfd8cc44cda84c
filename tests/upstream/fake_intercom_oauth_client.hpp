#pragma once
// Intercom's OAuth and uninstall calls, faked for unit tests: which tokens work, and what each
// call was asked.
#include "upstream/intercom_oauth_client.hpp"
#include "upstream/upstream_error.hpp"

#include <set>
#include <string>
#include <vector>

namespace icg::testing {

class FakeIntercomOAuthClient final : public upstream::IntercomOAuthClient {
public:
    std::set<std::string> live_tokens;
    bool unreachable = false;
    std::vector<std::string> uninstalled;  // tokens uninstall() was called with
    std::vector<std::string> me_asked;     // tokens fetch_me() was called with
    upstream::IntercomAdmin admin{
        .id = "991", .name = "Grace", .email = "g@example.com", .workspace_id = "ws_acme", .workspace_name = "Acme"};

    boost::asio::awaitable<boost::system::result<core::Secret>> exchange_code(const core::Secret&) override {
        co_return upstream::UpstreamErrc::bad_status;
    }
    boost::asio::awaitable<boost::system::result<upstream::IntercomAdmin>> fetch_me(
        const core::Secret& token) override {
        me_asked.emplace_back(token.expose());
        if (unreachable) co_return upstream::UpstreamErrc::connect_failed;
        if (!live_tokens.contains(std::string(token.expose()))) co_return upstream::UpstreamErrc::token_refused;
        co_return admin;
    }
    boost::asio::awaitable<boost::system::result<void>> uninstall(const core::Secret& token) override {
        uninstalled.emplace_back(token.expose());
        if (unreachable) co_return upstream::UpstreamErrc::connect_failed;
        if (!live_tokens.erase(std::string(token.expose()))) co_return upstream::UpstreamErrc::token_refused;
        co_return boost::system::result<void>{};
    }
};

}  // namespace icg::testing
