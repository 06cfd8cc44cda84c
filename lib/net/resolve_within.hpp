#pragma once
// A host name lookup that keeps to its deadline even when the lookup does not. Asio's resolver
// runs getaddrinfo on a thread of its own, and cancel() only marks the operation: its handler
// still waits for getaddrinfo to return, which a DNS server that never answers delays by the
// system's own timeouts (5 s per try, per server, per address family). So the lookup is raced
// against a timer instead, and abandoned when the timer wins: the caller resumes at the deadline
// with timed_out, and the lookup's late answer is dropped. Used for Redis and for Intercom's API.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace icg::net {

using ResolveResults = boost::asio::ip::tcp::resolver::results_type;
using LookupHandler = std::function<void(boost::system::error_code, ResolveResults)>;
// Starts one lookup and calls the handler once, whenever it ends (perhaps never). Tests give one
// that never answers; the gateway gives system_lookup.
using Lookup = std::function<void(const std::string& host, const std::string& port, LookupHandler handler)>;

// getaddrinfo through Asio's resolver on `executor`.
Lookup system_lookup(boost::asio::any_io_executor executor);

// The lookup's answer, or boost::asio::error::timed_out once `timeout` has passed, whichever
// comes first; the caller resumes on its own executor.
boost::asio::awaitable<boost::system::result<ResolveResults>> resolve_within(const Lookup& lookup, std::string host,
                                                                             std::string port,
                                                                             std::chrono::milliseconds timeout);

}  // namespace icg::net
