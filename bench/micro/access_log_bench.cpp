// One access-log line: formatted and handed to the batched output, as the server does per request.
// The output descriptor is /dev/null for the measured loop, so this is the line's own cost with
// its share of the batched write(2).
#include "observability/access_log.hpp"
#include "observability/log_output.hpp"

#include <benchmark/benchmark.h>

#include <fcntl.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

void BM_AccessLogLine(benchmark::State& state) {
    using icg::observability::standard_output;
    // Standard output goes to /dev/null while the loop runs; Google Benchmark's report does not.
    std::fflush(stdout);
    const int saved = ::dup(STDOUT_FILENO);
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ::dup2(null, STDOUT_FILENO);
    standard_output().set_batching(true);
    const icg::observability::AccessLogEntry entry{
        .remote = "203.0.113.7",
        .method = "GET",
        .path = "/intercom/contacts/65f1c0a8e4b0d2a1c3f4e501",
        .status = 200,
        .bytes_in = 412,
        .bytes_out = 1873,
        .duration = 1234us,
        .note = "proxied",
        .request_id = "-qcv4EEFRkqdcTbrBmUEXg",
        .upstream_time = 987us,
        .caller = {},
        .workspace = {},
    };
    for (auto _ : state) icg::observability::write_access_log(entry);
    standard_output().set_batching(false);
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    ::close(null);
}
BENCHMARK(BM_AccessLogLine);

}  // namespace
