#include "soak_report.hpp"

#include "linear_fit.hpp"

#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>
#include <utility>

namespace icg::soak {
namespace {

// Incidents listed one by one in the text report at most; the JSON has them all.
constexpr std::size_t kListed = 20;

std::string format(const char* pattern, double value) {
    char text[64];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

std::string mib(long kib) {
    return format("%.1f MiB", double(kib) / 1024);
}

bool overlaps(const FaultWindow& w, double from, double to, double open_until) {
    const double end = (w.end < 0 ? open_until : w.end) + kWindowGrace;
    return from <= end && to >= w.start;
}

bool in_any_window(const SoakFacts& facts, const Incident& incident) {
    return std::any_of(facts.windows.begin(), facts.windows.end(), [&](const FaultWindow& w) {
        return overlaps(w, incident.start, incident.end, facts.traffic_end);
    });
}

template <class Pick>
std::vector<const Incident*> incidents_where(const SoakFacts& facts, Pick pick) {
    std::vector<const Incident*> out;
    for (const auto& incident : facts.incidents)
        if (pick(incident)) out.push_back(&incident);
    return out;
}

std::vector<const Incident*> outside_windows(const SoakFacts& facts, Outcome outcome) {
    return incidents_where(facts, [&](const Incident& i) { return i.outcome == outcome && !in_any_window(facts, i); });
}

// "504 x6" for the failed answers that overlapped one window, those of its own kind first; a
// neighbour's (a stall's 504s come up to the gateway's response timeout later) after "also".
std::string felt(const SoakFacts& facts, const FaultWindow& w) {
    const auto own = fault_statuses(w.kind);
    std::map<unsigned, std::size_t> statuses;
    for (const auto& i : facts.incidents)
        if ((i.outcome == Outcome::server_error || i.outcome == Outcome::transport_error) &&
            overlaps(w, i.start, i.end, facts.traffic_end))
            ++statuses[i.status];
    std::string mine, others;
    for (const auto& [status, count] : statuses) {
        const bool is_own = std::find(own.begin(), own.end(), status) != own.end();
        std::string& into = is_own ? mine : others;
        if (!into.empty()) into += ", ";
        into += (status == 0 ? std::string("no answer") : std::to_string(status)) + " x" + std::to_string(count);
    }
    if (mine.empty()) mine = "none of its kind";
    return others.empty() ? mine : mine + "; also " + others;
}

// Whether a request in flight during the window got the answer this kind of fault causes.
bool hit(const SoakFacts& facts, const FaultWindow& w) {
    const auto statuses = fault_statuses(w.kind);
    return std::any_of(facts.incidents.begin(), facts.incidents.end(), [&](const Incident& i) {
        return std::find(statuses.begin(), statuses.end(), i.status) != statuses.end() &&
               overlaps(w, i.start, i.end, facts.traffic_end);
    });
}

// "socket 3, anon_inode:[eventfd] 4, ...".
std::string describe_kinds(const std::map<std::string, long>& kinds) {
    std::string out;
    for (const auto& [kind, count] : kinds) out += (out.empty() ? "" : ", ") + kind + " " + std::to_string(count);
    return "(" + out + ")";
}

std::string describe(const Incident& i) {
    std::ostringstream out;
    out << format("%.2f", i.start) << "s-" << format("%.2f", i.end) << "s " << kind_name(i.kind) << ": "
        << (i.status ? std::to_string(i.status) : std::string("no answer")) << " " << i.detail;
    return out.str();
}

template <class T>
T percentile(std::vector<T> values, double p) {
    if (values.empty()) return T{};
    const auto at = std::size_t(p * double(values.size() - 1));
    std::nth_element(values.begin(), values.begin() + long(at), values.end());
    return values[at];
}

Check make_check(std::string name, bool passed, std::string detail) {
    return {std::move(name), passed, std::move(detail)};
}

Check incidents_check(const SoakFacts& facts, std::string name, Outcome outcome) {
    const auto outside = outside_windows(facts, outcome);
    std::string detail = std::to_string(outside.size()) + " outside, " +
                         std::to_string(std::count_if(facts.incidents.begin(), facts.incidents.end(),
                                                      [&](const Incident& i) { return i.outcome == outcome; }) -
                                        long(outside.size())) +
                         " inside";
    for (std::size_t k = 0; k < outside.size() && k < 3; ++k) detail += "; " + describe(*outside[k]);
    return make_check(std::move(name), outside.empty(), std::move(detail));
}

}  // namespace

std::optional<Trend> trend_after(const std::vector<ProcessSample>& samples, double warmup) {
    std::vector<double> t, rss, anon, fds;
    Trend trend;
    for (const auto& s : samples) {
        if (s.t < warmup) continue;
        t.push_back(s.t / 60);  // minutes, so the slopes come out per minute
        rss.push_back(double(s.rss_kib));
        anon.push_back(double(s.anon_kib));
        fds.push_back(double(s.fds));
        trend.max_upstream = std::max(trend.max_upstream, s.upstream);
    }
    const auto rss_fit = least_squares(t, rss);
    const auto anon_fit = least_squares(t, anon);
    const auto fds_fit = least_squares(t, fds);
    if (!rss_fit || !anon_fit || !fds_fit) return std::nullopt;
    trend.points = t.size();
    trend.rss_kib_per_min = rss_fit->slope;
    trend.anon_kib_per_min = anon_fit->slope;
    trend.fds_per_min = fds_fit->slope;
    const std::size_t ends = std::min<std::size_t>(10, rss.size());
    trend.rss_first_kib = long(std::accumulate(rss.begin(), rss.begin() + long(ends), 0.0) / double(ends));
    trend.rss_last_kib = long(std::accumulate(rss.end() - long(ends), rss.end(), 0.0) / double(ends));
    return trend;
}

std::vector<Check> evaluate(const SoakFacts& facts) {
    std::vector<Check> checks;
    checks.push_back(make_check("the gateway served until the end", !facts.gateway_died_at,
                                facts.gateway_died_at
                                    ? "its process vanished at " + format("%.1f", *facts.gateway_died_at) + "s"
                                    : "alive at every sample"));
    checks.push_back(make_check("the gateway exited cleanly on SIGTERM (under ASan: without leaks)",
                                facts.gateway_exit_clean, facts.gateway_exit.value_or("not stopped")));

    checks.push_back(incidents_check(facts, "no 5xx outside fault windows", Outcome::server_error));
    checks.push_back(
        incidents_check(facts, "no request left unanswered outside fault windows", Outcome::transport_error));
    {
        const auto wrong = incidents_where(facts, [](const Incident& i) { return i.outcome == Outcome::wrong_body; });
        std::string detail = std::to_string(wrong.size()) + " wrong";
        for (std::size_t k = 0; k < wrong.size() && k < 3; ++k) detail += "; " + describe(*wrong[k]);
        checks.push_back(make_check("every 2xx/3xx body checked out (hashes, JSON, cookies)", wrong.empty(), detail));
    }
    {
        const auto other =
            incidents_where(facts, [](const Incident& i) { return i.outcome == Outcome::unexpected_status; });
        std::string detail = std::to_string(other.size()) + " unexpected";
        for (std::size_t k = 0; k < other.size() && k < 3; ++k) detail += "; " + describe(*other[k]);
        checks.push_back(make_check("no status other than the expected one or a 5xx", other.empty(), detail));
    }

    {
        std::size_t checked = 0, kept = 0;
        bool each_had_sessions = !facts.redis_restarts.empty();
        bool each_ready = !facts.redis_restarts.empty();
        std::string problems;
        for (const auto& r : facts.redis_restarts) {
            checked += r.sessions_checked;
            kept += r.sessions_kept;
            each_had_sessions = each_had_sessions && r.sessions_checked > 0;
            each_ready = each_ready && r.ready_at >= 0;
            if (!r.error.empty()) problems += "; #" + std::to_string(r.ordinal) + ": " + r.error;
            for (std::size_t k = 0; k < r.lost.size() && k < 3; ++k)
                problems += "; #" + std::to_string(r.ordinal) + " lost login " + std::to_string(r.lost[k].number) +
                            " (" + std::to_string(r.lost[k].status) + " " + r.lost[k].detail + ")";
        }
        checks.push_back(make_check("the gateway was ready again after every Redis restart", each_ready,
                                    std::to_string(facts.redis_restarts.size()) + " restarts" + problems));
        checks.push_back(make_check("every sampled session survived every Redis restart",
                                    each_had_sessions && kept == checked,
                                    std::to_string(kept) + " of " + std::to_string(checked) + " kept over " +
                                        std::to_string(facts.redis_restarts.size()) + " restarts"));
    }
    {
        bool all_felt = true;
        std::string quiet;
        for (const auto& w : facts.windows) {
            if (hit(facts, w)) continue;
            all_felt = false;
            quiet += " " + std::string(fault_name(w.kind)) + " #" + std::to_string(w.ordinal);
        }
        const bool applied = facts.fault_errors.empty() && facts.windows.size() == facts.faults_planned;
        std::string detail =
            std::to_string(facts.windows.size()) + " of " + std::to_string(facts.faults_planned) + " windows";
        for (const auto& e : facts.fault_errors) detail += "; " + e;
        if (!all_felt) detail += "; no answer of the fault's kind during" + quiet;
        checks.push_back(make_check("every planned fault was applied, felt, and removed", applied && all_felt, detail));
    }

    {
        // Every client has closed its connections by then, so the gateway must hold none from
        // them; a connection it never closes is a descriptor leak. (Upstream connections the
        // pools keep are another matter: see notes().)
        const bool measured = !facts.sockets_before.empty() && !facts.sockets_after.empty();
        long clients = 0;
        for (const auto& [kind, count] : facts.sockets_after)
            if (kind.starts_with("client ")) clients += count;
        checks.push_back(make_check(
            "no client connection left open once every client had gone", measured && clients == 0,
            measured ? "TCP sockets " + describe_kinds(facts.sockets_before) + " before the traffic, " +
                           describe_kinds(facts.sockets_after) + " after; descriptors " +
                           describe_kinds(facts.fds_before) + " before, " + describe_kinds(facts.fds_after) + " after"
                     : "the gateway could not be sampled before and after the traffic"));
    }

    const auto trend = trend_after(facts.samples, facts.warmup);
    const double rss_limit = rss_slope_limit(facts.options);
    const double fd_limit = facts.options.max_fd_slope_per_min;
    checks.push_back(make_check(
        "RSS flat after warm-up (slope at most " + format("%.0f", rss_limit) + " KiB/min)",
        trend && trend->rss_kib_per_min <= rss_limit,
        trend ? format("%+.1f KiB/min", trend->rss_kib_per_min) + " over " + std::to_string(trend->points) + " samples"
              : "too few samples"));
    checks.push_back(make_check("descriptors flat after warm-up (slope at most " + format("%.0f", fd_limit) + "/min)",
                                trend && trend->fds_per_min <= fd_limit,
                                trend ? format("%+.2f/min", trend->fds_per_min) : "too few samples"));
    checks.push_back(make_check(
        "upstream connections within proxy.max_connections (" + std::to_string(facts.max_upstream_connections) + ")",
        trend && trend->max_upstream <= facts.max_upstream_connections,
        trend ? "at most " + std::to_string(trend->max_upstream) + " after warm-up" : "too few samples"));
    {
        std::string idle;
        for (std::size_t k = 0; k < kRequestKinds; ++k) {
            const auto& totals = facts.requests[k];
            const auto succeeded =
                totals.outcomes[std::size_t(Outcome::ok)] + totals.outcomes[std::size_t(Outcome::aborted)];
            if (succeeded == 0) idle += " " + std::string(kind_name(RequestKind(k)));
        }
        checks.push_back(
            make_check("every kind of traffic succeeded many times over", idle.empty(),
                       idle.empty() ? "all " + std::to_string(kRequestKinds) + " kinds" : "never succeeded:" + idle));
    }
    return checks;
}

std::vector<std::string> notes(const SoakFacts& facts) {
    std::vector<std::string> out;
    if (facts.after_traffic && !facts.idle_after) {
        const auto& a = *facts.after_traffic;
        out.push_back(std::to_string(a.upstream) + " upstream connections (and " + std::to_string(a.upstream_closing) +
                      " closed by the upstream, not yet by the gateway) were still open " +
                      format("%.0f", facts.idle_seconds_waited) +
                      " s after the traffic, past proxy.pool_idle_timeout and the login client's 15 s: idle "
                      "connections are dropped only when a later request looks at them");
    }
    return out;
}

void print_report(std::ostream& out, const SoakFacts& facts, const std::vector<Check>& checks) {
    out << "\n===== soak report =====\n";
    out << "run: " << facts.options.duration.count() << " s of traffic (ended at " << format("%.1f", facts.traffic_end)
        << " s), seed " << facts.options.seed << "; gateway pid " << facts.gateway_pid << " on port "
        << facts.gateway_port << ", mock-intercom on " << facts.mock_port << ", redis-server on " << facts.redis_port
        << " (append-only, fsync always)\n";
    out << "logins: " << facts.logins << " completed, " << facts.logouts << " of them logged out again\n";

    out << "\nfault windows (an answer in flight up to " << format("%.0f", kWindowGrace)
        << " s after a window's end counts as the window's):\n";
    for (const auto& w : facts.windows) {
        char line[160];
        std::snprintf(line, sizeof line, "  %-15s #%-2d %7.1fs -> %7.1fs  ", std::string(fault_name(w.kind)).c_str(),
                      w.ordinal, w.start, w.end < 0 ? facts.traffic_end : w.end);
        out << line << felt(facts, w) << (w.note.empty() ? "" : "  (" + w.note + ")") << "\n";
    }
    if (facts.windows.empty()) out << "  none\n";
    for (const auto& r : facts.redis_restarts) {
        out << "  redis-restart #" << r.ordinal << ": " << r.sessions_kept << " of " << r.sessions_checked
            << " sampled sessions still signed in afterwards; session keys in Redis " << r.session_keys_before
            << " before, " << r.session_keys_after << " after\n";
        for (std::size_t k = 0; k < r.lost.size() && k < 5; ++k)
            out << "    lost: login " << r.lost[k].number << " (created " << format("%.1f", r.lost[k].created)
                << " s): " << r.lost[k].status << " " << r.lost[k].detail << "\n";
    }

    out << "\nsamples of the gateway (1/s): " << facts.samples.size() << "\n";
    if (!facts.samples.empty()) {
        std::vector<long> rss, anon, fds, upstream;
        for (const auto& s : facts.samples) {
            rss.push_back(s.rss_kib);
            anon.push_back(s.anon_kib);
            fds.push_back(s.fds);
            upstream.push_back(s.upstream);
        }
        const auto [rss_min, rss_max] = std::minmax_element(rss.begin(), rss.end());
        const auto [anon_min, anon_max] = std::minmax_element(anon.begin(), anon.end());
        const auto [fds_min, fds_max] = std::minmax_element(fds.begin(), fds.end());
        const auto [up_min, up_max] = std::minmax_element(upstream.begin(), upstream.end());
        out << "  RSS:         first " << mib(rss.front()) << ", min " << mib(*rss_min) << ", median "
            << mib(percentile(rss, 0.5)) << ", max " << mib(*rss_max) << ", last " << mib(rss.back()) << "\n";
        out << "  RssAnon:     first " << mib(anon.front()) << ", min " << mib(*anon_min) << ", median "
            << mib(percentile(anon, 0.5)) << ", max " << mib(*anon_max) << ", last " << mib(anon.back()) << "\n";
        out << "  descriptors: first " << fds.front() << ", min " << *fds_min << ", median " << percentile(fds, 0.5)
            << ", max " << *fds_max << ", last " << fds.back() << "\n";
        out << "  upstream:    first " << upstream.front() << ", min " << *up_min << ", median "
            << percentile(upstream, 0.5) << ", max " << *up_max << ", last " << upstream.back() << "\n";
    }
    if (facts.before_traffic && facts.after_traffic)
        out << "  idle gateway:  before the traffic RSS " << mib(facts.before_traffic->rss_kib) << ", "
            << facts.before_traffic->fds << " descriptors, " << facts.before_traffic->upstream << " upstream; after it "
            << mib(facts.after_traffic->rss_kib) << ", " << facts.after_traffic->fds << " descriptors, "
            << facts.after_traffic->upstream << " upstream (+" << facts.after_traffic->upstream_closing << " closing)"
            << (facts.idle_after ? " (" + format("%.1f", *facts.idle_after) + " s after the traffic)" : "") << "\n";
    if (const auto trend = trend_after(facts.samples, facts.warmup)) {
        out << "after warm-up (from " << format("%.0f", facts.warmup) << " s, " << trend->points << " samples):\n";
        out << "  RSS slope:         " << format("%+.1f", trend->rss_kib_per_min) << " KiB/min ("
            << mib(trend->rss_first_kib) << " at the start, " << mib(trend->rss_last_kib) << " at the end)\n";
        out << "  RssAnon slope:     " << format("%+.1f", trend->anon_kib_per_min)
            << " KiB/min (RSS without pages mapped from files, such as the binary's code)\n";
        out << "  descriptor slope:  " << format("%+.2f", trend->fds_per_min) << " per min\n";
        out << "  upstream max:      " << trend->max_upstream << " connections\n";
    }

    out << "\nrequests by outcome:\n";
    char head[200];
    std::snprintf(head, sizeof head, "  %-15s %8s %8s %6s %6s %6s %6s %8s  %s\n", "kind", "total", "ok", "5xx", "wrong",
                  "other", "none", "aborted", "ok latency p50/p99/max (ms)");
    out << head;
    std::uint64_t all = 0;
    for (std::size_t k = 0; k < kRequestKinds; ++k) {
        const auto& t = facts.requests[k];
        all += t.total();
        const auto o = [&](Outcome x) { return (unsigned long long)t.outcomes[std::size_t(x)]; };
        const double p50 = double(percentile(t.ok_seconds, 0.5)) * 1000;
        const double p99 = double(percentile(t.ok_seconds, 0.99)) * 1000;
        const double max =
            t.ok_seconds.empty() ? 0 : double(*std::max_element(t.ok_seconds.begin(), t.ok_seconds.end())) * 1000;
        char line[200];
        std::snprintf(line, sizeof line, "  %-15s %8llu %8llu %6llu %6llu %6llu %6llu %8llu  %.0f / %.0f / %.0f\n",
                      std::string(kind_name(RequestKind(k))).c_str(), (unsigned long long)t.total(), o(Outcome::ok),
                      o(Outcome::server_error), o(Outcome::wrong_body), o(Outcome::unexpected_status),
                      o(Outcome::transport_error), o(Outcome::aborted), p50, p99, max);
        out << line;
    }
    out << "  all: " << all << " requests, " << format("%.1f", double(all) / std::max(1.0, facts.traffic_end))
        << " per second\n";
    std::map<unsigned, std::uint64_t> statuses;
    for (const auto& t : facts.requests)
        for (const auto& [status, count] : t.statuses) statuses[status] += count;
    out << "  statuses:";
    for (const auto& [status, count] : statuses)
        out << " " << (status == 0 ? std::string("none") : std::to_string(status)) << " x" << count;
    out << "\n";

    const auto out_5xx = outside_windows(facts, Outcome::server_error);
    const auto out_none = outside_windows(facts, Outcome::transport_error);
    const auto other = incidents_where(facts, [](const Incident& i) {
        return i.outcome == Outcome::wrong_body || i.outcome == Outcome::unexpected_status;
    });
    if (!out_5xx.empty() || !out_none.empty() || !other.empty()) {
        out << "\nanswers that count against the gateway (first " << kListed << " of each):\n";
        for (const auto* list : {&out_5xx, &out_none, &other})
            for (std::size_t k = 0; k < list->size() && k < kListed; ++k) out << "  " << describe(*(*list)[k]) << "\n";
    }
    if (!facts.gateway_output_tail.empty())
        out << "\nthe gateway's last output:\n" << facts.gateway_output_tail << "\n";

    const auto observations = notes(facts);
    if (!observations.empty()) {
        out << "\nnotes (not checks):\n";
        for (const auto& n : observations) out << "  " << n << "\n";
    }

    out << "\nchecks:\n";
    std::size_t passed = 0;
    for (const auto& c : checks) {
        passed += c.passed ? 1 : 0;
        out << "  " << (c.passed ? "PASS" : "FAIL") << "  " << c.name << ": " << c.detail << "\n";
    }
    out << passed << " passed, " << checks.size() - passed << " failed\n" << std::flush;
}

void write_json(const std::filesystem::path& file, const SoakFacts& facts, const std::vector<Check>& checks) {
    std::ofstream stream(file);
    rapidjson::OStreamWrapper wrapper(stream);
    rapidjson::PrettyWriter<rapidjson::OStreamWrapper> w(wrapper);
    const auto key = [&](const char* k) { w.Key(k); };
    const auto str = [&](const std::string& s) { w.String(s.data(), rapidjson::SizeType(s.size())); };
    w.StartObject();
    key("duration_s");
    w.Int64(facts.options.duration.count());
    key("traffic_end_s");
    w.Double(facts.traffic_end);
    key("warmup_s");
    w.Double(facts.warmup);
    key("seed");
    w.Uint(facts.options.seed);
    key("logins");
    w.Uint64(facts.logins);
    key("logouts");
    w.Uint64(facts.logouts);
    key("limits");
    w.StartObject();
    key("rss_slope_kib_per_min");
    w.Double(rss_slope_limit(facts.options));
    key("fd_slope_per_min");
    w.Double(facts.options.max_fd_slope_per_min);
    key("upstream_connections");
    w.Int(facts.max_upstream_connections);
    w.EndObject();
    if (const auto trend = trend_after(facts.samples, facts.warmup)) {
        key("trend");
        w.StartObject();
        key("samples");
        w.Uint64(trend->points);
        key("rss_kib_per_min");
        w.Double(trend->rss_kib_per_min);
        key("anon_kib_per_min");
        w.Double(trend->anon_kib_per_min);
        key("fds_per_min");
        w.Double(trend->fds_per_min);
        key("max_upstream");
        w.Int64(trend->max_upstream);
        w.EndObject();
    }
    // A sample's counts, named once for the columns of "samples" and for the idle samples' keys.
    static constexpr std::pair<const char*, long ProcessSample::*> counts[] = {
        {"rss_kib", &ProcessSample::rss_kib},
        {"anon_kib", &ProcessSample::anon_kib},
        {"fds", &ProcessSample::fds},
        {"upstream", &ProcessSample::upstream},
        {"upstream_closing", &ProcessSample::upstream_closing},
    };
    key("samples");
    w.StartArray();
    for (const auto& s : facts.samples) {
        w.StartArray();
        w.Double(s.t);
        for (const auto& [name, field] : counts) w.Int64(s.*field);
        w.EndArray();
    }
    w.EndArray();
    key("sample_columns");
    w.StartArray();
    w.String("t_s");
    for (const auto& [name, field] : counts) w.String(name);
    w.EndArray();
    const auto idle_sample = [&](const char* name, const std::optional<ProcessSample>& s) {
        if (!s) return;
        key(name);
        w.StartObject();
        for (const auto& [count_name, field] : counts) {
            key(count_name);
            w.Int64((*s).*field);
        }
        w.EndObject();
    };
    idle_sample("before_traffic", facts.before_traffic);
    idle_sample("after_traffic", facts.after_traffic);
    const auto kinds = [&](const char* name, const std::map<std::string, long>& map) {
        key(name);
        w.StartObject();
        for (const auto& [kind, count] : map) {
            str(kind);
            w.Int64(count);
        }
        w.EndObject();
    };
    kinds("descriptors_before_traffic", facts.fds_before);
    kinds("descriptors_after_traffic", facts.fds_after);
    kinds("sockets_before_traffic", facts.sockets_before);
    kinds("sockets_after_traffic", facts.sockets_after);
    key("notes");
    w.StartArray();
    for (const auto& n : notes(facts)) str(n);
    w.EndArray();
    key("windows");
    w.StartArray();
    for (const auto& win : facts.windows) {
        w.StartObject();
        key("kind");
        str(std::string(fault_name(win.kind)));
        key("ordinal");
        w.Int(win.ordinal);
        key("start_s");
        w.Double(win.start);
        key("end_s");
        w.Double(win.end);
        key("felt");
        str(felt(facts, win));
        key("note");
        str(win.note);
        w.EndObject();
    }
    w.EndArray();
    key("redis_restarts");
    w.StartArray();
    for (const auto& r : facts.redis_restarts) {
        w.StartObject();
        key("ordinal");
        w.Int(r.ordinal);
        key("stopped_at_s");
        w.Double(r.stopped_at);
        key("started_at_s");
        w.Double(r.started_at);
        key("ready_at_s");
        w.Double(r.ready_at);
        key("sessions_checked");
        w.Uint64(r.sessions_checked);
        key("sessions_kept");
        w.Uint64(r.sessions_kept);
        key("session_keys_before");
        w.Int64(r.session_keys_before);
        key("session_keys_after");
        w.Int64(r.session_keys_after);
        key("error");
        str(r.error);
        w.EndObject();
    }
    w.EndArray();
    key("requests");
    w.StartObject();
    for (std::size_t k = 0; k < kRequestKinds; ++k) {
        key(std::string(kind_name(RequestKind(k))).c_str());
        w.StartObject();
        for (std::size_t o = 0; o < kOutcomes; ++o) {
            key(std::string(outcome_name(Outcome(o))).c_str());
            w.Uint64(facts.requests[k].outcomes[o]);
        }
        w.EndObject();
    }
    w.EndObject();
    key("incidents");
    w.StartArray();
    for (const auto& i : facts.incidents) {
        w.StartObject();
        key("kind");
        str(std::string(kind_name(i.kind)));
        key("outcome");
        str(std::string(outcome_name(i.outcome)));
        key("status");
        w.Uint(i.status);
        key("start_s");
        w.Double(i.start);
        key("end_s");
        w.Double(i.end);
        key("in_fault_window");
        w.Bool(in_any_window(facts, i));
        key("detail");
        str(i.detail);
        w.EndObject();
    }
    w.EndArray();
    key("checks");
    w.StartArray();
    for (const auto& c : checks) {
        w.StartObject();
        key("name");
        str(c.name);
        key("passed");
        w.Bool(c.passed);
        key("detail");
        str(c.detail);
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    stream << "\n";
}

}  // namespace icg::soak
