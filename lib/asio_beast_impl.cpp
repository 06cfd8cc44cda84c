// The one translation unit that compiles Asio, Asio-SSL and Beast (separate compilation), so the
// rest of the project only parses their declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
