#include "traffic.hpp"

#include "support/mock_intercom.hpp"
#include "support/streaming_client.hpp"
#include "support/test_client.hpp"

#include <rapidjson/document.h>

#include <array>
#include <iostream>
#include <memory>

namespace icg::soak {
namespace {

using testing::Framing;
using testing::StreamingConnection;
using testing::StreamingRequest;

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;

// Per read or write, not per body: long enough for a loaded ASan build, short enough that a hung
// request ends well before CTest's timeout.
constexpr auto kClientTimeout = std::chrono::seconds(15);
// Upload sizes: empty, tiny, around the gateway's 16 KiB relay buffer and 4 KiB upstream records,
// and up to 1 MiB. Odd sizes keep chunk and record edges from lining up.
constexpr std::array<std::uint64_t, 9> kUploadSizes{
    0, 1, 17, 4 * KiB, 16 * KiB, 16 * KiB + 1, 65 * KiB + 3, 300 * KiB + 7, MiB};
constexpr std::array<std::size_t, 3> kPieceSizes{1024, 10'007, 64 * 1024};
// Download sizes: a few of them, so the mock (which hashes each length once) and we (likewise)
// spend little on digests.
constexpr std::array<std::uint64_t, 4> kStreamSizes{MiB + 1, 2 * MiB + 7, 3 * MiB + 5, 4 * MiB};
// What an abandoned transfer announces; the client leaves after 1 byte to 2 MiB of it.
constexpr std::uint64_t kAbandonedSize = 4 * MiB;

template <class T, std::size_t N>
const T& any_of(const std::array<T, N>& choices, std::mt19937& random) {
    return choices[std::uniform_int_distribution<std::size_t>(0, N - 1)(random)];
}

std::string cookie_header(const PooledSession& session) {
    return std::string(kSessionCookie) + "=" + session.cookie;
}

// GET /contacts: Intercom's list with the mock's two contacts; /contacts/<id>: that contact.
bool contacts_body(const std::string& body, const std::string& id) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("type") || !doc["type"].IsString()) return false;
    if (id.empty())
        return std::string_view(doc["type"].GetString()) == "list" && doc.HasMember("data") && doc["data"].IsArray() &&
               doc["data"].Size() == 2;
    return std::string_view(doc["type"].GetString()) == "contact" && doc.HasMember("id") && doc["id"].IsString() &&
           doc["id"].GetString() == id;
}

// GET /me: the mock's admin.
bool me_body(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("type") && doc["type"].IsString() &&
           std::string_view(doc["type"].GetString()) == "admin" && doc.HasMember("email") && doc["email"].IsString() &&
           std::string_view(doc["email"].GetString()) == "ada@example.com";
}

}  // namespace

Traffic::Traffic(const Endpoints& endpoints, SessionPool& pool, RequestLog& log, const RunClock& clock, double deadline,
                 std::uint32_t seed)
    : endpoints_(endpoints),
      pool_(pool),
      log_(log),
      clock_(clock),
      deadline_(deadline),
      seed_(seed),
      login_flow_(endpoints, log, clock) {
    for (const auto length : kStreamSizes) stream_digests_[length] = testing::pattern_sha256(length);
}

Traffic::~Traffic() {
    join();
}

void Traffic::start(std::stop_token stop) {
    using Loop = void (Traffic::*)(std::stop_token, std::mt19937&);
    const std::array<std::pair<const char*, Loop>, 6> loops{{
        {"logins", &Traffic::login_loop},
        {"api-1", &Traffic::api_loop},
        {"api-2", &Traffic::api_loop},
        {"uploads", &Traffic::upload_loop},
        {"downloads", &Traffic::download_loop},
        {"aborts", &Traffic::abort_loop},
    }};
    std::uint32_t stream = 0;
    for (const auto& [name, loop] : loops)
        threads_.emplace_back([this, name, loop, stop, stream = stream++] { guarded(name, stop, loop, stream); });
}

void Traffic::join() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

bool Traffic::running(const std::stop_token& stop) const {
    return !stop.stop_requested() && clock_.now() < deadline_;
}

// A loop that throws is a bug in the soak, not in the gateway: said loudly, and the loop's
// silence then shows in the report's per-kind counts.
void Traffic::guarded(const char* name, std::stop_token stop, void (Traffic::*loop)(std::stop_token, std::mt19937&),
                      std::uint32_t stream) {
    // One generator per thread, from the run's seed: the same seed gives each loop the same choices.
    std::mt19937 random(seed_ + 7919 * stream);
    try {
        if (loop != &Traffic::login_loop && !pool_.wait_for_first(stop, clock_.at(deadline_))) return;
        (this->*loop)(stop, random);
    } catch (const std::exception& e) {
        std::cerr << "soak: the " << name << " loop stopped: " << e.what() << std::endl;
    }
}

void Traffic::note(RequestKind kind, double start, unsigned status, unsigned expected, bool body_ok,
                   std::string detail) {
    const auto outcome = classify(status, expected, body_ok);
    log_.record(kind, outcome, status, start, clock_.now(), outcome == Outcome::ok ? std::string() : std::move(detail));
}

void Traffic::note_failure(RequestKind kind, double start, const std::exception& e) {
    log_.record(kind, Outcome::transport_error, 0, start, clock_.now(), e.what());
}

void Traffic::login_loop(std::stop_token stop, std::mt19937& random) {
    std::bernoulli_distribution logs_out(0.25);
    while (running(stop)) {
        testing::TestClient browser(endpoints_.gateway_port, endpoints_.ca_file);
        const auto cookie = login_flow_.log_in(browser);
        if (!cookie) continue;
        const auto number = ++logins_;
        if (logs_out(random)) {
            ++logouts_;
            login_flow_.log_out(browser, *cookie);
        } else {
            pool_.add({*cookie, int(number), clock_.now()});
        }
    }
}

void Traffic::api_loop(std::stop_token stop, std::mt19937& random) {
    std::unique_ptr<testing::HttpsConnection> connection;
    std::uniform_int_distribution<int> percent(0, 99);
    while (running(stop)) {
        const auto session = pool_.pick(random);
        if (!session) break;
        const int roll = percent(random);
        const bool me = roll < 35;
        // Intercom's contact ids are 24 hex digits; the mock answers any id.
        const std::string id = roll >= 80 ? "65f1c0a8e4b0d2a1c3f4e5" + std::to_string(10 + roll) : std::string();
        const std::string target = me ? "/intercom/me" : "/intercom/contacts" + (id.empty() ? "" : "/" + id);
        const auto kind = me ? RequestKind::api_me : RequestKind::api_contacts;
        const double start = clock_.now();
        try {
            if (!connection)
                connection = std::make_unique<testing::HttpsConnection>(endpoints_.gateway_port, endpoints_.ca_file,
                                                                        kClientTimeout);
            const auto response = connection->request("GET", target, {{"Cookie", cookie_header(*session)}});
            const bool body_ok = me ? me_body(response.body) : contacts_body(response.body, id);
            note(kind, start, response.status, 200, body_ok, target + ": " + excerpt(response.body));
            if (!response.keep_alive) connection.reset();
        } catch (const std::exception& e) {
            note_failure(kind, start, e);
            connection.reset();
        }
    }
}

void Traffic::upload_loop(std::stop_token stop, std::mt19937& random) {
    std::unique_ptr<StreamingConnection> connection;
    std::uint64_t n = 0;
    while (running(stop)) {
        const auto session = pool_.pick(random);
        if (!session) break;
        StreamingRequest request;
        request.method = "POST";
        const std::string path = "/echo/soak-" + std::to_string(++n);
        request.target = "/intercom" + path;
        request.headers = {
            {"Cookie", cookie_header(*session)}, {"X-CSRF", "1"}, {"Content-Type", "application/octet-stream"}};
        request.body = any_of(kUploadSizes, random);
        request.framing = std::bernoulli_distribution(0.5)(random) ? Framing::chunked : Framing::content_length;
        request.piece_size = any_of(kPieceSizes, random);
        const std::string what = "POST " + request.target + " (" + std::to_string(*request.body) + " B, " +
                                 (request.framing == Framing::chunked ? "chunked" : "Content-Length") + ")";
        const double start = clock_.now();
        testing::SentBody sent;
        try {
            if (!connection)
                connection =
                    std::make_unique<StreamingConnection>(endpoints_.gateway_port, endpoints_.ca_file, kClientTimeout);
            try {
                sent = connection->write_request(request);
            } catch (const std::exception&) {
                // The gateway may have answered before taking the whole body (503 without Redis)
                // and closed: its answer, when it can still be read, says more than the broken write.
                const auto early = connection->read_response();
                connection.reset();
                note(RequestKind::api_echo, start, early.status, 200, false,
                     what + ": answered early: " + excerpt(early.body));
                continue;
            }
            const auto response = connection->read_response();
            const auto echo = response.status == 200 ? testing::parse_seen_request(response.body) : std::nullopt;
            const bool body_ok = response.complete && echo && echo->method == "POST" && echo->path == path &&
                                 std::uint64_t(echo->body_length) == sent.length && echo->body_sha256 == sent.sha256;
            note(RequestKind::api_echo, start, response.status, 200, body_ok, what + ": " + excerpt(response.body));
            if (!response.complete || !response.keep_alive) connection.reset();
        } catch (const std::exception& e) {
            note_failure(RequestKind::api_echo, start, e);
            connection.reset();
        }
    }
}

void Traffic::download_loop(std::stop_token stop, std::mt19937& random) {
    std::unique_ptr<StreamingConnection> connection;
    while (running(stop)) {
        const auto session = pool_.pick(random);
        if (!session) break;
        const auto length = any_of(kStreamSizes, random);
        const bool chunked = std::bernoulli_distribution(0.5)(random);
        StreamingRequest request;
        request.target = "/intercom/stream?bytes=" + std::to_string(length) + (chunked ? "&chunked=1" : "");
        request.headers = {{"Cookie", cookie_header(*session)}};
        const double start = clock_.now();
        try {
            if (!connection)
                connection =
                    std::make_unique<StreamingConnection>(endpoints_.gateway_port, endpoints_.ca_file, kClientTimeout);
            testing::ReadOptions options;
            options.keep = 512;  // only for the report; the body is checked by its hash
            const auto response = connection->exchange(request, options);
            const auto& expected = stream_digests_.at(length);
            const bool body_ok = response.complete && response.body_length == length &&
                                 response.body_sha256 == expected && response.header("X-Body-Sha256") == expected;
            std::string detail = "GET " + request.target;
            if (response.status == 200 && !body_ok)
                detail += ": " + std::to_string(response.body_length) + " bytes, sha256 " + response.body_sha256 +
                          ", expected " + expected + (response.complete ? "" : " (incomplete)");
            else
                detail += ": " + excerpt(response.body);
            note(RequestKind::api_stream, start, response.status, 200, body_ok, std::move(detail));
            if (!response.complete || !response.keep_alive) connection.reset();
        } catch (const std::exception& e) {
            note_failure(RequestKind::api_stream, start, e);
            connection.reset();
        }
    }
}

void Traffic::abort_loop(std::stop_token stop, std::mt19937& random) {
    for (bool upload = true; running(stop); upload = !upload) {
        const auto session = pool_.pick(random);
        if (!session) break;
        if (upload)
            abort_upload(random, *session);
        else
            abort_download(random, *session);
    }
}

// Sends part of a 4 MiB body, then resets the connection: the gateway must drop the upstream
// request it had begun (never complete it) and free both connections.
void Traffic::abort_upload(std::mt19937& random, const PooledSession& session) {
    StreamingRequest request;
    request.method = "POST";
    request.target = "/intercom/echo/soak-abandoned";
    request.headers = {
        {"Cookie", cookie_header(session)}, {"X-CSRF", "1"}, {"Content-Type", "application/octet-stream"}};
    request.body = kAbandonedSize;
    request.framing = std::bernoulli_distribution(0.5)(random) ? Framing::chunked : Framing::content_length;
    request.stop_body_after = std::uniform_int_distribution<std::uint64_t>(1, 2 * MiB)(random);
    const double start = clock_.now();
    try {
        StreamingConnection connection(endpoints_.gateway_port, endpoints_.ca_file, kClientTimeout);
        try {
            connection.write_request(request);
        } catch (const std::exception&) {
            const auto early = connection.read_response();
            note(RequestKind::abort_upload, start, early.status, 0, false, "answered early: " + excerpt(early.body));
            return;
        }
        connection.abort();
        log_.record(RequestKind::abort_upload, Outcome::aborted, 0, start, clock_.now());
    } catch (const std::exception& e) {
        note_failure(RequestKind::abort_upload, start, e);
    }
}

// Reads the head and part of a 4 MiB body, then resets the connection: the gateway must stop
// relaying, and drop the upstream connection it can no longer reuse.
void Traffic::abort_download(std::mt19937& random, const PooledSession& session) {
    StreamingRequest request;
    const bool chunked = std::bernoulli_distribution(0.5)(random);
    request.target = "/intercom/stream?bytes=" + std::to_string(kAbandonedSize) + (chunked ? "&chunked=1" : "");
    request.headers = {{"Cookie", cookie_header(session)}};
    testing::ReadOptions options;
    options.keep = 512;
    options.stop_after = std::uniform_int_distribution<std::uint64_t>(1, 2 * MiB)(random);
    const double start = clock_.now();
    try {
        StreamingConnection connection(endpoints_.gateway_port, endpoints_.ca_file, kClientTimeout);
        const auto response = connection.exchange(request, options);
        connection.abort();
        if (response.status == 200)
            log_.record(RequestKind::abort_download, Outcome::aborted, 200, start, clock_.now());
        else
            note(RequestKind::abort_download, start, response.status, 200, false, excerpt(response.body));
    } catch (const std::exception& e) {
        note_failure(RequestKind::abort_download, start, e);
    }
}

}  // namespace icg::soak
