#pragma once
// The process_* metrics every Prometheus client exports (CPU seconds, resident and virtual
// memory, descriptors open and allowed, start time), read from /proc when scraped.
namespace icg::observability {

class GatewayMetrics;

void add_process_metrics(GatewayMetrics& metrics);

}  // namespace icg::observability
