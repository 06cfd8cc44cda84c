#pragma once
// A browser or curl pointed at the TLS port with http:// sends a plain request where a TLS
// ClientHello belongs. Instead of an empty reply (the handshake just fails), it gets a short 400
// saying the port speaks HTTPS.
#include "net/tls_stream.hpp"

#include <boost/asio/awaitable.hpp>

namespace icg::server {

// Whether the bytes waiting on the socket begin a plain HTTP request rather than a TLS record.
// Looks without taking them (MSG_PEEK).
bool plain_http_waiting(net::TlsStream& stream);

// Answers 400 "this port speaks HTTPS" on the bare socket and reads what the client sent (so the
// close does not turn into a reset that loses the answer), under the stream's deadline.
boost::asio::awaitable<void> refuse_plain_http(net::TlsStream& stream);

}  // namespace icg::server
