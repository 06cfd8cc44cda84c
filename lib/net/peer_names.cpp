#include "net/peer_names.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace icg::net {

namespace {

// A URI SAN must start with a scheme and a DNS SAN hold no ':' or '/', so neither passes for the
// other: a CA whose name constraints limit one type may still write any name of the other type.
bool has_scheme(std::string_view uri) {
    const auto colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(uri[0])))
        return false;
    return std::all_of(uri.begin(), uri.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    });
}

bool is_host_name(std::string_view dns) {
    return dns.find_first_of(":/") == std::string_view::npos;
}

}  // namespace

std::shared_ptr<const std::vector<std::string>> verified_peer_names(ssl_st* ssl) {
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return nullptr;
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (!names) return nullptr;
    auto out = std::make_shared<std::vector<std::string>>();
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
        if (name->type != GEN_URI && name->type != GEN_DNS) continue;
        const ASN1_IA5STRING* text = name->type == GEN_URI ? name->d.uniformResourceIdentifier : name->d.dNSName;
        // A name with an embedded NUL could pose as another; it names nothing.
        const std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)), ASN1_STRING_length(text));
        const bool typed = name->type == GEN_URI ? has_scheme(value) : is_host_name(value);
        if (value.find('\0') == std::string::npos && !value.empty() && typed) out->push_back(value);
    }
    GENERAL_NAMES_free(names);
    if (out->empty()) return nullptr;
    return out;
}

}  // namespace icg::net
