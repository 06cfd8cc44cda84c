#pragma once
// Fakes for the proxy's edges: an upstream that answers from a script and records what it was
// sent, an exchange that hands out a request body and keeps the response, and a caller.
#include "proxy/caller.hpp"
#include "server/exchange.hpp"
#include "upstream/upstream_client.hpp"
#include "upstream/upstream_error.hpp"

#include <optional>
#include <string>
#include <vector>

namespace icg::proxy::testing {

struct ScriptedAnswer {
    unsigned status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool chunked = false;                   // answer without Content-Length
    boost::system::error_code start_error;  // the call cannot start (no connection, …)
    boost::system::error_code body_error;   // reading the body fails after its first piece
};

// What the upstream saw.
struct SeenByUpstream {
    std::string method;
    std::string target;
    http::Headers fields;
    std::optional<std::uint64_t> content_length;
    bool resend_if_stale = false;
    std::string body;
    bool body_finished = false;
    bool connection_kept = false;  // finish() was called
    int calls = 0;
};

class FakeUpstreamClient final : public upstream::UpstreamClient {
public:
    ScriptedAnswer answer;
    SeenByUpstream seen;

    boost::asio::awaitable<boost::system::result<std::unique_ptr<upstream::UpstreamCall>>> start(
        const upstream::RequestHead& head, const upstream::CallTimeouts& timeouts) override;
};

class FakeExchange final : public server::Exchange {
public:
    explicit FakeExchange(std::string request_body = {}, bool chunked = false)
        : request_body_(std::move(request_body)), chunked_(chunked) {}

    std::optional<std::uint64_t> request_content_length() const override {
        if (chunked_) return std::nullopt;
        return request_body_.size();
    }
    bool request_body_done() const override { return read_ == request_body_.size(); }
    boost::asio::awaitable<boost::system::result<std::size_t>> read_request_body(std::span<char> into) override;

    boost::asio::awaitable<boost::system::error_code> write_response(server::ResponseHead head,
                                                                     std::span<const char> body) override;
    boost::asio::awaitable<boost::system::error_code> write_response_head(server::ResponseHead head) override;
    boost::asio::awaitable<boost::system::error_code> write_response_body(std::span<const char> data) override;
    boost::asio::awaitable<boost::system::error_code> finish_response() override;
    boost::asio::awaitable<void> respond(http::Response response) override;
    bool response_started() const override { return status != 0; }

    // The response as the client would have got it.
    unsigned status = 0;
    http::Headers headers;
    std::string body;
    std::string log_note;
    bool finished = false;

private:
    std::string request_body_;
    bool chunked_;
    std::size_t read_ = 0;
};

class FakeCaller final : public Caller {
public:
    explicit FakeCaller(std::string token, int* refused_count = nullptr, std::string workspace = "ws_fake")
        : token_(std::move(token)), refused_count_(refused_count), workspace_(std::move(workspace)) {}
    std::string_view bearer_token() const noexcept override { return token_; }
    std::uint64_t concurrency_key() const noexcept override { return 42; }
    std::string_view workspace_id() const noexcept override { return workspace_; }
    boost::asio::awaitable<http::Response> token_refused() override;

private:
    std::string token_;
    int* refused_count_;
    std::string workspace_;
};

// Resolves every request to a FakeCaller with `token`, or refuses with `refusal` when set.
class FakeCallerResolver final : public CallerResolver {
public:
    std::string token = "tok-fake-0123456789";
    std::string workspace = "ws_fake";
    std::optional<http::Response> refusal;
    int refused_tokens = 0;
    std::string last_api_path;

    boost::asio::awaitable<Resolution> resolve(http::Request& head, std::string_view api_path) override;
};

}  // namespace icg::proxy::testing
