#include "fault_injector.hpp"

#include "support/eventually.hpp"
#include "support/mock_intercom.hpp"
#include "support/redis_server.hpp"
#include "support/test_client.hpp"

#include <rapidjson/document.h>

#include <fcntl.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

namespace icg::soak {
namespace {

// How long the gateway may take to be ready again once Redis is back: its reconnect backoff is
// capped well below this.
constexpr auto kReadyAgainWithin = std::chrono::seconds(20);
// How long a Redis restart waits past its planned time for the first session to check.
constexpr double kFirstSessionWithin = 15;
// A sampled session is asked again while the gateway answers 503 (a reconnect still settling),
// for at most this long; then its last answer stands.
constexpr auto kSessionCheckPatience = std::chrono::seconds(10);

// A child inherits every descriptor not marked close-on-exec, and Asio opens sockets without
// SOCK_CLOEXEC: a Redis started mid-run would keep copies of the client connections open at that
// moment, and the gateway would hold them open (as idle keep-alive connections) long after the
// clients closed theirs. So every descriptor is marked just before Redis starts; one a traffic
// thread opens in the moment between can still slip through, and server.idle_timeout ends it.
void keep_descriptors_from_children() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        int fd = -1;
        const auto name = entry.path().filename().string();
        if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc() || fd <= 2) continue;
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC)) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

std::string seconds(double t) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1fs", t);
    return text;
}

bool authenticated(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    return !doc.HasParseError() && doc.IsObject() && doc.HasMember("authenticated") && doc["authenticated"].IsBool() &&
           doc["authenticated"].GetBool();
}

}  // namespace

FaultInjector::FaultInjector(std::vector<PlannedFault> plan, FaultLog& log, const RunClock& clock,
                             const Endpoints& endpoints, testing::RedisServer& redis, testing::MockIntercom& mock,
                             SessionPool& pool, std::function<bool(std::chrono::milliseconds)> wait_until_ready)
    : plan_(std::move(plan)),
      log_(log),
      clock_(clock),
      endpoints_(endpoints),
      redis_(redis),
      mock_(mock),
      pool_(pool),
      wait_until_ready_(std::move(wait_until_ready)) {}

FaultInjector::~FaultInjector() = default;

std::vector<RedisRestartResult> FaultInjector::redis_restarts() const {
    std::lock_guard lock(mutex_);
    return restarts_;
}

std::vector<std::string> FaultInjector::errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
}

void FaultInjector::announce(const std::string& line) const {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "[%6.1fs] ", clock_.now());
    std::cout << (stamp + line + "\n") << std::flush;
}

bool FaultInjector::wait_until(const std::stop_token& stop, double seconds) {
    std::unique_lock lock(mutex_);
    // Nothing to await here: the plan says when. The stop token cuts the wait short.
    wake_.wait_until(lock, stop, clock_.at(seconds), [] { return false; });
    return !stop.stop_requested();
}

void FaultInjector::run(std::stop_token stop) {
    for (const auto& fault : plan_) {
        if (!wait_until(stop, fault.start)) return;
        try {
            if (fault.kind == FaultKind::redis_restart)
                restart_redis(stop, fault);
            else
                upstream_fault(stop, fault);
        } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            errors_.push_back(std::string(fault_name(fault.kind)) + ": " + e.what());
        }
    }
}

long long FaultInjector::session_keys() const {
    try {
        testing::RedisProbe probe(redis_.port());
        return static_cast<long long>(probe.keys("icg:session:*").size());
    } catch (const std::exception&) {
        return -1;
    }
}

void FaultInjector::restart_redis(const std::stop_token& stop, const PlannedFault& fault) {
    RedisRestartResult result;
    // A restart is checked against the sessions made before it: on a slow machine the first
    // login may not be done by the time a short run's first restart is due, so wait for it.
    pool_.wait_for_first(stop, clock_.at(fault.start + kFirstSessionWithin));
    const auto sessions = pool_.snapshot();
    result.session_keys_before = session_keys();
    const auto index = log_.begin(FaultKind::redis_restart, clock_.now());
    result.ordinal = log_.windows()[index].ordinal;
    const std::string name = "redis-restart #" + std::to_string(result.ordinal);
    announce("fault " + name + " begins: Redis stopped for " + seconds(fault.hold) + " (" +
             std::to_string(sessions.size()) + " sessions to check afterwards)");
    result.stopped_at = clock_.now();
    redis_.stop();
    // Redis comes back even when the run is being stopped: the gateway must end with it reachable.
    wait_until(stop, result.stopped_at + fault.hold);
    std::string note;
    try {
        keep_descriptors_from_children();
        redis_.start();
        result.started_at = clock_.now();
        if (wait_until_ready_(kReadyAgainWithin)) result.ready_at = clock_.now();
    } catch (const std::exception& e) {
        result.error = std::string("Redis did not start again: ") + e.what();
    }
    if (result.started_at >= 0 && result.ready_at < 0)
        result.error =
            "the gateway was not ready " + std::to_string(kReadyAgainWithin.count()) + " s after Redis was back";
    if (result.ready_at >= 0)
        note = "down " + seconds(result.started_at - result.stopped_at) + ", gateway ready " +
               seconds(result.ready_at - result.started_at) + " after Redis";
    log_.end(index, clock_.now(), note.empty() ? result.error : note);
    announce("fault " + name + " ends: " + (note.empty() ? result.error : note));

    result.session_keys_after = session_keys();
    if (result.ready_at >= 0) check_sessions(sessions, result);
    announce("after " + name + ": " + std::to_string(result.sessions_kept) + " of " +
             std::to_string(result.sessions_checked) + " sessions still signed in; session keys in Redis " +
             std::to_string(result.session_keys_before) + " before, " + std::to_string(result.session_keys_after) +
             " after");
    std::lock_guard lock(mutex_);
    restarts_.push_back(std::move(result));
}

// Every session in the pool before Redis stopped must still be signed in: GET /auth/session 200.
void FaultInjector::check_sessions(const std::vector<PooledSession>& sessions, RedisRestartResult& result) {
    std::unique_ptr<testing::HttpsConnection> connection;
    for (const auto& session : sessions) {
        ++result.sessions_checked;
        testing::HttpResponse response;
        std::string failure;
        testing::eventually(
            [&] {
                try {
                    if (!connection)
                        connection =
                            std::make_unique<testing::HttpsConnection>(endpoints_.gateway_port, endpoints_.ca_file);
                    response = connection->request("GET", "/auth/session",
                                                   {{"Cookie", std::string(kSessionCookie) + "=" + session.cookie}});
                    failure.clear();
                    if (!response.keep_alive) connection.reset();
                    return response.status != 503;
                } catch (const std::exception& e) {
                    failure = e.what();
                    connection.reset();
                    return false;
                }
            },
            kSessionCheckPatience, std::chrono::milliseconds(200));
        if (failure.empty() && response.status == 200 && authenticated(response.body)) {
            ++result.sessions_kept;
            continue;
        }
        result.lost.push_back({session.number, session.created, failure.empty() ? response.status : 0,
                               failure.empty() ? response.body.substr(0, 160) : failure});
    }
}

void FaultInjector::upstream_fault(const std::stop_token& stop, const PlannedFault& fault) {
    const std::string mode(mock_fault_mode(fault.kind));
    const auto index = log_.begin(fault.kind, clock_.now());
    const std::string name = std::string(fault_name(fault.kind)) + " #" + std::to_string(log_.windows()[index].ordinal);
    announce("fault " + name + " begins: the mock's API answers '" + mode + "' for " + seconds(fault.hold));
    try {
        mock_.set_api_fault(mode);
    } catch (const std::exception&) {
        log_.end(index, clock_.now(), "could not be applied");
        throw;
    }
    const double applied = clock_.now();
    wait_until(stop, applied + fault.hold);
    // The fault must come off even when the run is being stopped; a few tries, as the mock may be busy.
    std::string failure;
    for (int attempt = 0; attempt < 3; ++attempt) {
        try {
            mock_.set_api_fault("none");
            failure.clear();
            break;
        } catch (const std::exception& e) {
            failure = e.what();
        }
    }
    log_.end(index, clock_.now(), failure.empty() ? "" : "could not be removed");
    announce("fault " + name + " ends");
    if (!failure.empty()) throw std::runtime_error("could not remove the fault: " + failure);
}

}  // namespace icg::soak
