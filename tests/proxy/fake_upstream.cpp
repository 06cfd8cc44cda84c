#include "proxy/fake_upstream.hpp"

#include <algorithm>
#include <cstring>

namespace icg::proxy::testing {
namespace asio = boost::asio;
using boost::system::error_code;
using boost::system::result;

namespace {

class FakeCall final : public upstream::UpstreamCall {
public:
    FakeCall(const ScriptedAnswer& answer, SeenByUpstream& seen) : answer_(answer), seen_(seen) {
        for (const auto& [name, value] : answer.headers) headers_.add(name, value);
    }

    asio::awaitable<error_code> write_body(std::span<const char> piece) override {
        seen_.body.append(piece.data(), piece.size());
        co_return error_code{};
    }
    asio::awaitable<error_code> finish_body() override {
        seen_.body_finished = true;
        co_return error_code{};
    }
    asio::awaitable<error_code> read_head() override { co_return error_code{}; }
    unsigned status() const override { return answer_.status; }
    const http::Headers& headers() const override { return headers_; }
    std::optional<std::uint64_t> content_length() const override {
        if (answer_.chunked) return std::nullopt;
        return answer_.body.size();
    }
    bool no_body() const override { return answer_.status == 204 || answer_.status == 304; }
    bool body_done() const override { return sent_ == answer_.body.size(); }
    asio::awaitable<result<std::size_t>> read_body(std::span<char> into) override {
        if (answer_.body_error && sent_ > 0) co_return answer_.body_error;
        // Small pieces, so the relay's loops are exercised.
        const std::size_t n = std::min({into.size(), answer_.body.size() - sent_, std::size_t{1000}});
        std::memcpy(into.data(), answer_.body.data() + sent_, n);
        sent_ += n;
        co_return n;
    }
    std::span<char> relay_buffer() override { return relay_; }
    void finish() override { seen_.connection_kept = true; }

private:
    const ScriptedAnswer& answer_;
    SeenByUpstream& seen_;
    http::Headers headers_;
    std::size_t sent_ = 0;
    std::vector<char> relay_ = std::vector<char>(16 * 1024);
};

}  // namespace

asio::awaitable<result<std::unique_ptr<upstream::UpstreamCall>>> FakeUpstreamClient::start(
    const upstream::RequestHead& head, const upstream::CallTimeouts&) {
    ++seen.calls;
    seen.method = head.method;
    seen.target = head.target;
    seen.fields = head.fields;
    seen.content_length = head.content_length;
    seen.resend_if_stale = head.resend_if_stale;
    if (answer.start_error) co_return answer.start_error;
    co_return std::unique_ptr<upstream::UpstreamCall>(std::make_unique<FakeCall>(answer, seen));
}

asio::awaitable<result<std::size_t>> FakeExchange::read_request_body(std::span<char> into) {
    const std::size_t n = std::min({into.size(), request_body_.size() - read_, std::size_t{700}});
    std::memcpy(into.data(), request_body_.data() + read_, n);
    read_ += n;
    co_return n;
}

asio::awaitable<error_code> FakeExchange::write_response(server::ResponseHead head, std::span<const char> data) {
    status = head.status;
    headers = std::move(head.headers);
    log_note = std::move(head.log_note);
    body.assign(data.data(), data.size());
    finished = true;
    co_return error_code{};
}

asio::awaitable<error_code> FakeExchange::write_response_head(server::ResponseHead head) {
    status = head.status;
    headers = std::move(head.headers);
    log_note = std::move(head.log_note);
    co_return error_code{};
}

asio::awaitable<error_code> FakeExchange::write_response_body(std::span<const char> data) {
    body.append(data.data(), data.size());
    co_return error_code{};
}

asio::awaitable<error_code> FakeExchange::finish_response() {
    finished = true;
    co_return error_code{};
}

asio::awaitable<void> FakeExchange::respond(http::Response response) {
    status = response.status;
    headers = std::move(response.headers);
    body = std::move(response.body);
    log_note = std::move(response.log_note);
    finished = true;
    co_return;
}

asio::awaitable<http::Response> FakeCaller::token_refused() {
    if (refused_count_) ++*refused_count_;
    http::Response r = http::json_response(401, R"({"error":"fake_refused"})");
    co_return r;
}

asio::awaitable<Resolution> FakeCallerResolver::resolve(http::Request&, std::string_view api_path) {
    last_api_path = std::string(api_path);
    if (refusal) co_return *refusal;
    co_return std::make_unique<FakeCaller>(token, &refused_tokens, workspace);
}

}  // namespace icg::proxy::testing
