// Fuzzes the login's two answers from Intercom as HttpIntercomOAuthClient reads them
// (lib/upstream/intercom_oauth_client.*): the token exchange's JSON and /me's JSON.
//
// Their parsing sits inside exchange_code() and fetch_me(), which only take answers from an
// HttpsClient round trip, so this target answers over real (loopback) TLS: an in-process server
// with a throw-away certificate, trusted through the same make_tls_client_context the gateway
// uses, on 127.0.0.1 in the fuzzer's own thread. Connections are kept alive between inputs, as
// the gateway keeps them.
//
// Input: [flags][length high][length low] token answer (length bytes), /me answer (the rest)
//   flags bits 0-1  the token answer: 0 → 200, 1 → 201, 2 → 400, 3 → 200 too, or with bit 5 set,
//                   the bytes are the whole HTTP answer (the server closes the connection after
//                   it, so the next call pays a TLS handshake: kept rare)
//   flags bits 2-3  the /me answer: 0 → 200, 1 → 203, 2 → 500, 3 → 200, or with bit 6 set the
//                   whole HTTP answer
//   flags bit 4     wrapped answers are sent chunked (two chunks) instead of with Content-Length
#include "core/secret.hpp"
#include "fuzz_check.hpp"
#include "net/tls_stream.hpp"
#include "server/tls_server_context.hpp"
#include "upstream/https_client.hpp"
#include "upstream/intercom_oauth_client.hpp"
#include "net/tls_client_context.hpp"
#include "upstream/upstream_error.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using asio::ip::tcp;
using boost::system::result;
using icg::core::Secret;
using icg::upstream::IntercomAdmin;
using icg::upstream::UpstreamErrc;

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// A self-signed certificate for IP 127.0.0.1 and its key, written as PEM files.
void make_certificate(const fs::path& cert_file, const fs::path& key_file) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    FUZZ_CHECK(key && cert);
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("icg fuzz"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    for (const auto& [nid, value] :
         {std::pair{NID_basic_constraints, "critical,CA:TRUE"}, std::pair{NID_subject_alt_name, "IP:127.0.0.1"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        FUZZ_CHECK(ext);
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }
    FUZZ_CHECK(X509_sign(cert, key, EVP_sha256()) > 0);
    FILE* c = std::fopen(cert_file.c_str(), "w");
    FILE* k = std::fopen(key_file.c_str(), "w");
    FUZZ_CHECK(c && k);
    FUZZ_CHECK(PEM_write_X509(c, cert) == 1);
    FUZZ_CHECK(PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    std::fclose(c);
    std::fclose(k);
    X509_free(cert);
    EVP_PKEY_free(key);
}

struct Answer {
    std::string bytes;   // the whole HTTP answer
    bool close = false;  // the server closes the connection after it
};

// The loopback Intercom, the gateway's HTTPS client and its OAuth client, made once.
struct Harness {
    asio::io_context io{1};
    std::shared_ptr<asio::ssl::context> server_tls;
    tcp::acceptor acceptor{io};
    std::unique_ptr<icg::upstream::HttpsClient> https;
    std::unique_ptr<icg::upstream::HttpIntercomOAuthClient> oauth;
    Answer token_answer;
    Answer me_answer;

    Harness() {
        const fs::path dir = fs::temp_directory_path() / ("icg-fuzz-oauth-" + std::to_string(::getpid()));
        fs::create_directories(dir);
        make_certificate(dir / "cert.pem", dir / "key.pem");
        server_tls =
            icg::server::make_tls_server_context((dir / "cert.pem").string(), (dir / "key.pem").string(), "1.2");
        auto client_tls = icg::net::make_tls_client_context({.ca_file = (dir / "cert.pem").string()});
        fs::remove_all(dir);  // both contexts hold what they loaded

        const tcp::endpoint at(asio::ip::make_address("127.0.0.1"), 0);
        acceptor.open(at.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen();
        const std::string origin = "https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
        asio::co_spawn(io, accept_loop(), rethrow);

        https = std::make_unique<icg::upstream::HttpsClient>(io.get_executor(), client_tls, 5s);
        icg::upstream::IntercomEndpoints endpoints;
        endpoints.token_url = origin + "/auth/eagle/token";
        endpoints.api_base = origin;
        endpoints.client_id = "client-fuzz";
        endpoints.client_secret = Secret(std::string("cs-fuzz"));
        oauth = std::make_unique<icg::upstream::HttpIntercomOAuthClient>(*https, std::move(endpoints));
    }

    static void rethrow(std::exception_ptr e) {
        if (e) std::rethrow_exception(e);  // nothing may die silently
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(nothrow);
            if (ec) continue;
            socket.set_option(tcp::no_delay(true), ec);  // as the gateway's sockets: no Nagle delay before a close
            asio::co_spawn(io, serve(std::move(socket)), rethrow);
        }
    }

    asio::awaitable<void> serve(tcp::socket socket) {
        icg::net::TlsStream stream(std::move(socket), server_tls->native_handle(), icg::net::TlsRole::server);
        stream.expires_after(10s);
        if (co_await stream.handshake()) co_return;
        boost::beast::flat_buffer buffer;
        for (;;) {
            bhttp::request<bhttp::string_body> request;
            stream.expires_after(60s);  // longer than the client keeps a connection idle
            auto [read_ec, n] = co_await bhttp::async_read(stream, buffer, request, nothrow);
            if (read_ec) co_return;
            const bool is_token = request.target().ends_with("/auth/eagle/token");
            const Answer answer = is_token ? token_answer : me_answer;  // a copy: inputs change meanwhile
            stream.expires_after(10s);
            if (co_await stream.write_all(asio::buffer(answer.bytes))) co_return;
            if (answer.close) {
                co_await stream.shutdown();
                co_return;
            }
        }
    }
};

Harness& harness() {
    static Harness* h = new Harness;  // lives as long as the process; never torn down mid-run
    return *h;
}

Answer make_answer(unsigned mode, unsigned ok_status, unsigned other_status, unsigned error_status,
                   std::string_view body, bool chunked) {
    if (mode == 3) return {std::string(body), true};
    const unsigned status = mode == 0 ? ok_status : mode == 1 ? other_status : error_status;
    std::string out = "HTTP/1.1 " + std::to_string(status) + " Fuzz\r\nContent-Type: application/json\r\n";
    if (chunked) {
        const std::string_view first = body.substr(0, body.size() / 2);
        const std::string_view second = body.substr(body.size() / 2);
        out += "Transfer-Encoding: chunked\r\n\r\n";
        for (const auto piece : {first, second}) {
            if (piece.empty()) continue;
            char size[24];
            std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
            out.append(size).append(piece).append("\r\n");
        }
        out += "0\r\n\r\n";
    } else {
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
        out.append(body);
    }
    return {std::move(out), false};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    Harness& h = harness();
    const unsigned flags = data[0];
    const std::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
    const std::size_t token_size = std::min<std::size_t>((std::size_t{data[1]} << 8) | data[2], rest.size());
    const std::string_view token_body = rest.substr(0, token_size);
    const std::string_view me_body = rest.substr(token_size);
    unsigned token_mode = flags & 3;
    if (token_mode == 3 && (flags & 0x20) == 0) token_mode = 0;
    unsigned me_mode = (flags >> 2) & 3;
    if (me_mode == 3 && (flags & 0x40) == 0) me_mode = 0;
    const bool chunked = (flags & 0x10) != 0;
    h.token_answer = make_answer(token_mode, 200, 201, 400, token_body, chunked);
    h.me_answer = make_answer(me_mode, 200, 203, 500, me_body, chunked);

    std::optional<result<Secret>> token;
    std::optional<result<IntercomAdmin>> admin;
    bool done = false;
    auto login = [&]() -> asio::awaitable<void> {
        token = co_await h.oauth->exchange_code(Secret(std::string("code-fuzz")));
        admin = co_await h.oauth->fetch_me(Secret(std::string("tok-fuzz")));
        done = true;
    };
    asio::co_spawn(h.io, login(), Harness::rethrow);
    const auto started = std::chrono::steady_clock::now();
    while (!done) {
        h.io.run_one_for(1s);
        // Each call keeps to the client's 5 s deadline; a wait beyond both is a hang.
        FUZZ_CHECK(std::chrono::steady_clock::now() - started < 15s);
    }

    FUZZ_CHECK(token && admin);
    if (*token) {
        FUZZ_CHECK(token_mode == 0 || token_mode == 1 || token_mode == 3);
        FUZZ_CHECK(!(*token)->empty() && (*token)->size() <= 4096);
    } else if (token_mode == 2) {
        FUZZ_CHECK(token->error() == UpstreamErrc::bad_status);
    }
    if (*admin) {
        FUZZ_CHECK(me_mode == 0 || me_mode == 3);
        FUZZ_CHECK(!(*admin)->id.empty() && !(*admin)->workspace_id.empty());
    } else if (me_mode == 1 || me_mode == 2) {
        FUZZ_CHECK(admin->error() == UpstreamErrc::bad_status);
    }
    // Failures are upstream errors, which the login maps to its 502 page.
    if (!*token) FUZZ_CHECK(token->error().category() == icg::upstream::upstream_category());
    if (!*admin) FUZZ_CHECK(admin->error().category() == icg::upstream::upstream_category());
    return 0;
}
