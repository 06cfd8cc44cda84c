#pragma once
// The last resumable TLS session per upstream origin, so a new connection resumes instead of
// paying a full handshake (key exchange and certificate verification). Thread-safe.
#include <map>
#include <memory>
#include <mutex>
#include <string>

struct ssl_st;
struct ssl_session_st;

namespace icg::upstream {

class TlsSessionCache {
public:
    TlsSessionCache();
    ~TlsSessionCache();
    TlsSessionCache(const TlsSessionCache&) = delete;
    TlsSessionCache& operator=(const TlsSessionCache&) = delete;

    // Before the handshake: offers the session remembered for `origin`, if any.
    void offer(ssl_st* ssl, const std::string& origin);
    // After a complete exchange (TLS 1.3 tickets have arrived by then): keeps the connection's
    // session for `origin` when it can be resumed.
    void remember(ssl_st* ssl, const std::string& origin);

private:
    struct SessionFree {
        void operator()(ssl_session_st* session) const noexcept;
    };
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<ssl_session_st, SessionFree>> sessions_;
};

}  // namespace icg::upstream
