#pragma once
// The gateway's metrics in Prometheus's text format, kept with prometheus-cpp's core library
// (registry, counters, histograms, serializer). Events come in through the telemetry interfaces
// the units are handed; numbers a unit already keeps (connections open, pool idle, cache size,
// Redis connected) are read from it when scraped, so they can never drift from the truth.
// Thread-safe.
#include "observability/telemetry.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace icg::observability {

class GatewayMetrics final : public RequestTelemetry,
                             public UpstreamTelemetry,
                             public AuthTelemetry,
                             public RedisTelemetry {
public:
    GatewayMetrics();
    ~GatewayMetrics() override;
    GatewayMetrics(const GatewayMetrics&) = delete;
    GatewayMetrics& operator=(const GatewayMetrics&) = delete;

    void request_finished(RouteGroup group, unsigned status, std::chrono::microseconds duration) noexcept override;
    void upstream_call(UpstreamOutcome outcome, std::chrono::microseconds to_head) noexcept override;
    void login(LoginResult result) noexcept override;
    void sessions_ended(SessionEnd cause, std::size_t count) noexcept override;
    void redis_command(std::chrono::microseconds latency, bool failed) noexcept override;

    // Hits and misses of one cache, labelled cache="<name>"; `name` is a fixed word.
    CacheTelemetry& cache(std::string_view name);

    // A value read when scraped: a gauge, or a counter the unit counts itself. `labels` are fixed
    // pairs chosen by the gateway. Register before the first scrape; `read` must be thread-safe.
    enum class Kind { gauge, counter };
    using Labels = std::vector<std::pair<std::string, std::string>>;
    void add_sampled(std::string name, std::string help, Kind kind, Labels labels, std::function<double()> read);

    // Everything, in the text exposition format (version 0.0.4), process_* included.
    std::string scrape() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace icg::observability
