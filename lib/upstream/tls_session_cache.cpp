#include "upstream/tls_session_cache.hpp"

#include <openssl/ssl.h>

namespace icg::upstream {

void TlsSessionCache::SessionFree::operator()(SSL_SESSION* session) const noexcept {
    SSL_SESSION_free(session);
}

TlsSessionCache::TlsSessionCache() = default;
TlsSessionCache::~TlsSessionCache() = default;

void TlsSessionCache::offer(SSL* ssl, const std::string& origin) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(origin);
    if (it != sessions_.end()) SSL_set_session(ssl, it->second.get());
}

void TlsSessionCache::remember(SSL* ssl, const std::string& origin) {
    // A copy: OpenSSL marks a connection's own session unusable when that connection is closed
    // without a TLS shutdown, which is how pooled and one-shot connections end.
    const SSL_SESSION* current = SSL_get0_session(ssl);
    if (!current || !SSL_SESSION_is_resumable(current)) return;
    std::unique_ptr<SSL_SESSION, SessionFree> session(SSL_SESSION_dup(current));
    if (!session) return;
    std::lock_guard lock(mutex_);
    sessions_[origin] = std::move(session);
}

}  // namespace icg::upstream
