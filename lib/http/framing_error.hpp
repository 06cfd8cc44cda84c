#pragma once
// Why a message's framing was refused: forms RFC 9112 calls faulty, or that two parsers could read
// differently (request smuggling, response splitting). Beast's own errors cover the rest.
#include <boost/system/error_code.hpp>

namespace icg::http {

enum class FramingErrc {
    obs_fold = 1,                    // a field line continued on the next line (obsolete line folding)
    transfer_encoding_in_http10,     // HTTP/1.0 has no Transfer-Encoding
    unsupported_transfer_coding,     // anything but exactly "chunked"
    repeated_transfer_encoding,
    repeated_content_length,         // even with equal values, or as a comma list
    missing_host,                    // an HTTP/1.1 request without Host
    repeated_host,
    chunk_extension_too_long,
    trailer_too_large,
};

const boost::system::error_category& framing_category() noexcept;

inline boost::system::error_code make_error_code(FramingErrc e) noexcept {
    return {static_cast<int>(e), framing_category()};
}

}  // namespace icg::http

template <>
struct boost::system::is_error_code_enum<icg::http::FramingErrc> : std::true_type {};
