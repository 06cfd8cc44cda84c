#include "http/framing_error.hpp"

#include <string>

namespace icg::http {
namespace {

class FramingCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "icg.framing"; }
    std::string message(int value) const override {
        switch (static_cast<FramingErrc>(value)) {
            case FramingErrc::obs_fold: return "obsolete line folding in a field";
            case FramingErrc::transfer_encoding_in_http10: return "Transfer-Encoding in an HTTP/1.0 message";
            case FramingErrc::unsupported_transfer_coding: return "a transfer coding other than chunked";
            case FramingErrc::repeated_transfer_encoding: return "more than one Transfer-Encoding field";
            case FramingErrc::repeated_content_length: return "more than one Content-Length";
            case FramingErrc::missing_host: return "an HTTP/1.1 request without Host";
            case FramingErrc::repeated_host: return "more than one Host field";
            case FramingErrc::chunk_extension_too_long: return "chunk extension too long";
            case FramingErrc::trailer_too_large: return "trailer section too large";
        }
        return "faulty message framing";
    }
};

}  // namespace

const boost::system::error_category& framing_category() noexcept {
    static const FramingCategory category;
    return category;
}

}  // namespace icg::http
