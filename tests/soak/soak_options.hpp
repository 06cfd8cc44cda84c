#pragma once
// The soak's command line, read into a plain validated struct before anything starts.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

namespace icg::soak {

struct SoakOptions {
    std::chrono::seconds duration{600};
    std::chrono::seconds progress_every{10};
    std::optional<std::filesystem::path> json_file;
    std::optional<std::filesystem::path> logs_dir;  // the peers' logs are copied here at the end
    std::uint32_t seed = 0;                         // 0: a random one (printed, so a run can be repeated)
    // Limits on the trend after warm-up; see soak_usage() for why these values. Unset: the
    // default for the run's length (rss_slope_limit()).
    std::optional<double> max_rss_slope_kib_per_min;
    double max_fd_slope_per_min = 5;
};

// The RSS slope limit in force: the one given, else 2 MiB/min for runs of 5 minutes or more and
// 6 MiB/min for shorter ones, whose trend still holds the allocator's first minutes.
double rss_slope_limit(const SoakOptions& options);

// `args` excludes the program name. nullopt for --help; throws std::invalid_argument naming the flag.
std::optional<SoakOptions> parse_soak_options(std::span<const char* const> args);

// "60s", "10m", "1h" or a bare number of seconds; nullopt when malformed.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

std::string_view soak_usage();

}  // namespace icg::soak
