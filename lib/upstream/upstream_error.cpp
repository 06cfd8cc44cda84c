#include "upstream/upstream_error.hpp"

#include "http/framing_error.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <string>

namespace icg::upstream {
namespace {

class UpstreamCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "upstream"; }
    std::string message(int value) const override {
        switch (static_cast<UpstreamErrc>(value)) {
            case UpstreamErrc::bad_url:
                return "the upstream URL is not valid";
            case UpstreamErrc::resolve_failed:
                return "the upstream host could not be resolved";
            case UpstreamErrc::connect_failed:
                return "the upstream refused or dropped the connection";
            case UpstreamErrc::tls_failed:
                return "the TLS handshake with the upstream failed";
            case UpstreamErrc::timeout:
                return "the upstream did not answer in time";
            case UpstreamErrc::io_failed:
                return "the upstream connection failed mid-exchange";
            case UpstreamErrc::response_too_large:
                return "the upstream response was too large";
            case UpstreamErrc::bad_status:
                return "the upstream answered with an error status";
            case UpstreamErrc::malformed_body:
                return "the upstream answer was not the expected JSON";
            case UpstreamErrc::bad_framing:
                return "the upstream answer was malformed or framed ambiguously";
            case UpstreamErrc::token_refused:
                return "the upstream refused the token (401)";
        }
        return "unknown upstream error";
    }
};

}  // namespace

boost::system::error_code classify_io_error(const boost::system::error_code& ec, UpstreamErrc otherwise) noexcept {
    namespace bhttp = boost::beast::http;
    if (ec == boost::beast::error::timeout || ec == boost::asio::error::operation_aborted ||
        ec == boost::asio::error::timed_out)
        return UpstreamErrc::timeout;
    if (ec.category() == http::framing_category()) return UpstreamErrc::bad_framing;
    // Beast's parser errors, but not the ones that only mean the connection ended early.
    const bool connection_ended = ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message;
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() && !connection_ended)
        return UpstreamErrc::bad_framing;
    return otherwise;
}

const boost::system::error_category& upstream_category() noexcept {
    static const UpstreamCategory category;
    return category;
}

}  // namespace icg::upstream
