#include "observability/gateway_metrics.hpp"

#include "observability/process_stats.hpp"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <array>
#include <deque>
#include <mutex>

namespace icg::observability {
namespace {

using prometheus::Counter;
using prometheus::Histogram;

// Seconds, from a proxied call answered from memory (~0.3 ms here) to a slow upstream.
const Histogram::BucketBoundaries request_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10};
// Redis on loopback answers in ~50 µs; a command past a second has as good as timed out.
const Histogram::BucketBoundaries redis_buckets{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                0.01,   0.025,   0.05,   0.1,   0.25,   1};

double seconds(std::chrono::microseconds d) {
    return double(d.count()) / 1e6;
}

// 1xx … 5xx; anything else (0: the client left before an answer) is "other".
std::size_t status_class_index(unsigned status) {
    return status >= 100 && status < 600 ? status / 100 - 1 : 5;
}
constexpr std::array<std::string_view, 6> status_classes = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

class CacheCounters final : public CacheTelemetry {
public:
    CacheCounters(Counter& hits, Counter& misses) : hits_(hits), misses_(misses) {}
    void cache_lookup(bool hit) noexcept override { (hit ? hits_ : misses_).Increment(); }

private:
    Counter& hits_;
    Counter& misses_;
};

struct Sampled {
    std::string name;
    std::string help;
    GatewayMetrics::Kind kind;
    GatewayMetrics::Labels labels;
    std::function<double()> read;
};

// Values read at scrape time, one family per name, in the order they were added.
class SampledValues final : public prometheus::Collectable {
public:
    void add(Sampled sampled) {
        const std::lock_guard lock(mutex_);
        values_.push_back(std::move(sampled));
    }

    std::vector<prometheus::MetricFamily> Collect() const override {
        const std::lock_guard lock(mutex_);
        std::vector<prometheus::MetricFamily> families;
        for (const auto& v : values_) {
            // One family per name, wherever its values were added: the format allows one HELP.
            auto family =
                std::find_if(families.begin(), families.end(), [&](const auto& f) { return f.name == v.name; });
            if (family == families.end()) {
                family = families.insert(families.end(),
                                         prometheus::MetricFamily{.name = v.name,
                                                                  .help = v.help,
                                                                  .type = v.kind == GatewayMetrics::Kind::counter
                                                                              ? prometheus::MetricType::Counter
                                                                              : prometheus::MetricType::Gauge,
                                                                  .metric = {}});
            }
            prometheus::ClientMetric metric;
            for (const auto& [label, value] : v.labels) metric.label.push_back({label, value});
            const double value = v.read();
            if (v.kind == GatewayMetrics::Kind::counter)
                metric.counter.value = value;
            else
                metric.gauge.value = value;
            family->metric.push_back(std::move(metric));
        }
        return families;
    }

private:
    mutable std::mutex mutex_;
    std::vector<Sampled> values_;
};

}  // namespace

struct GatewayMetrics::Impl {
    prometheus::Registry registry;
    SampledValues sampled;

    // Every label combination is made here, once: the hot path only indexes arrays.
    std::array<std::array<Counter*, status_classes.size()>, route_group_count> requests{};
    std::array<Histogram*, route_group_count> request_seconds{};
    std::array<Counter*, upstream_outcome_count> upstream_calls{};
    std::array<Histogram*, upstream_outcome_count> upstream_head_seconds{};
    std::array<Counter*, login_result_count> logins{};
    std::array<Counter*, session_end_count> sessions_ended{};
    Histogram* redis_seconds = nullptr;
    Counter* redis_errors = nullptr;
    prometheus::Family<Counter>* cache_lookups = nullptr;
    std::mutex caches_mutex;
    std::deque<CacheCounters> caches;  // stable addresses

    Impl() {
        auto& requests_family = prometheus::BuildCounter()
                                    .Name("intercom_gateway_requests_total")
                                    .Help("Requests answered, by route group and status class.")
                                    .Register(registry);
        auto& request_seconds_family =
            prometheus::BuildHistogram()
                .Name("intercom_gateway_request_duration_seconds")
                .Help("Time from a request's first byte to its answer's last, by route group.")
                .Register(registry);
        for (std::size_t g = 0; g < route_group_count; ++g) {
            const std::string group(name_of(RouteGroup(g)));
            for (std::size_t c = 0; c < status_classes.size(); ++c)
                requests[g][c] =
                    &requests_family.Add({{"route", group}, {"status_class", std::string(status_classes[c])}});
            request_seconds[g] = &request_seconds_family.Add({{"route", group}}, request_buckets);
        }

        auto& upstream_family = prometheus::BuildCounter()
                                    .Name("intercom_gateway_upstream_calls_total")
                                    .Help("Calls to Intercom's API, by how they ended.")
                                    .Register(registry);
        auto& upstream_seconds_family = prometheus::BuildHistogram()
                                            .Name("intercom_gateway_upstream_response_head_seconds")
                                            .Help("Time from a call's start to the answer's head (or the failure).")
                                            .Register(registry);
        for (std::size_t o = 0; o < upstream_outcome_count; ++o) {
            const std::string outcome(name_of(UpstreamOutcome(o)));
            upstream_calls[o] = &upstream_family.Add({{"outcome", outcome}});
            upstream_head_seconds[o] = &upstream_seconds_family.Add({{"outcome", outcome}}, request_buckets);
        }

        auto& logins_family = prometheus::BuildCounter()
                                  .Name("intercom_gateway_logins_total")
                                  .Help("Logins, by result.")
                                  .Register(registry);
        for (std::size_t r = 0; r < login_result_count; ++r)
            logins[r] = &logins_family.Add({{"result", std::string(name_of(LoginResult(r)))}});

        auto& ended_family = prometheus::BuildCounter()
                                 .Name("intercom_gateway_sessions_ended_total")
                                 .Help("Browser sessions ended, by cause.")
                                 .Register(registry);
        for (std::size_t c = 0; c < session_end_count; ++c)
            sessions_ended[c] = &ended_family.Add({{"cause", std::string(name_of(SessionEnd(c)))}});

        redis_seconds = &prometheus::BuildHistogram()
                             .Name("intercom_gateway_redis_command_duration_seconds")
                             .Help("Redis commands' round trips.")
                             .Register(registry)
                             .Add({}, redis_buckets);
        redis_errors = &prometheus::BuildCounter()
                            .Name("intercom_gateway_redis_command_errors_total")
                            .Help("Redis commands that failed: no answer in time, connection lost, or an error reply.")
                            .Register(registry)
                            .Add({});
        cache_lookups = &prometheus::BuildCounter()
                             .Name("intercom_gateway_cache_lookups_total")
                             .Help("Lookups in the in-memory caches of Redis records, by cache and result.")
                             .Register(registry);
    }
};

GatewayMetrics::GatewayMetrics() : impl_(std::make_unique<Impl>()) {
    add_process_metrics(*this);
}

GatewayMetrics::~GatewayMetrics() = default;

void GatewayMetrics::request_finished(RouteGroup group, unsigned status, std::chrono::microseconds duration) noexcept {
    const auto g = std::size_t(group);
    if (g >= route_group_count) return;
    impl_->requests[g][status_class_index(status)]->Increment();
    impl_->request_seconds[g]->Observe(seconds(duration));
}

void GatewayMetrics::upstream_call(UpstreamOutcome outcome, std::chrono::microseconds to_head) noexcept {
    const auto o = std::size_t(outcome);
    if (o >= upstream_outcome_count) return;
    impl_->upstream_calls[o]->Increment();
    impl_->upstream_head_seconds[o]->Observe(seconds(to_head));
}

void GatewayMetrics::login(LoginResult result) noexcept {
    if (const auto r = std::size_t(result); r < login_result_count) impl_->logins[r]->Increment();
}

void GatewayMetrics::sessions_ended(SessionEnd cause, std::size_t count) noexcept {
    if (const auto c = std::size_t(cause); c < session_end_count) impl_->sessions_ended[c]->Increment(double(count));
}

void GatewayMetrics::redis_command(std::chrono::microseconds latency, bool failed) noexcept {
    impl_->redis_seconds->Observe(seconds(latency));
    if (failed) impl_->redis_errors->Increment();
}

CacheTelemetry& GatewayMetrics::cache(std::string_view name) {
    const std::lock_guard lock(impl_->caches_mutex);
    auto& hits = impl_->cache_lookups->Add({{"cache", std::string(name)}, {"result", "hit"}});
    auto& misses = impl_->cache_lookups->Add({{"cache", std::string(name)}, {"result", "miss"}});
    return impl_->caches.emplace_back(hits, misses);
}

void GatewayMetrics::add_sampled(std::string name, std::string help, Kind kind, Labels labels,
                                 std::function<double()> read) {
    impl_->sampled.add({std::move(name), std::move(help), kind, std::move(labels), std::move(read)});
}

std::string GatewayMetrics::scrape() const {
    auto families = impl_->registry.Collect();
    auto sampled = impl_->sampled.Collect();
    families.insert(families.end(), std::make_move_iterator(sampled.begin()), std::make_move_iterator(sampled.end()));
    return prometheus::TextSerializer().Serialize(families);
}

}  // namespace icg::observability
