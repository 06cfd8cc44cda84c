#pragma once
// Why an upstream call failed; mapped to 502 or 504 at the edge.
#include <boost/system/error_code.hpp>

namespace icg::upstream {

enum class UpstreamErrc {
    bad_url = 1,
    resolve_failed,
    connect_failed,
    tls_failed,
    timeout,
    io_failed,
    response_too_large,
    bad_status,      // the upstream answered, but not 2xx
    malformed_body,  // not the JSON we expected
    bad_framing,     // a malformed or ambiguously framed answer, or one over the read buffer
    token_refused,   // 401: the token no longer works (the workspace revoked the app)
};

const boost::system::error_category& upstream_category() noexcept;

inline boost::system::error_code make_error_code(UpstreamErrc e) noexcept {
    return {static_cast<int>(e), upstream_category()};
}

// A socket or parser error as an upstream error: deadlines become timeout, a malformed answer
// bad_framing, anything else `otherwise`.
boost::system::error_code classify_io_error(const boost::system::error_code& ec, UpstreamErrc otherwise) noexcept;

}  // namespace icg::upstream

template <>
struct boost::system::is_error_code_enum<icg::upstream::UpstreamErrc> : std::true_type {};
