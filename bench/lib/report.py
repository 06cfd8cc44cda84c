#!/usr/bin/env python3
"""Turns bench/run's measurements into bench/results/<date>.{json,md} and a latency plot.

  report.py record RUNS.jsonl --peer P --run R [--round N] --connections N --wrk-threads N
                    --wrk-output FILE --clk-tck T --cpu-ticks N --redis-cpu-ticks N
                    --upstream-cpu-ticks N --peak-rss-kib N [--log-bytes N] [--wait-calls N]
      appends one run (wrk's BENCH_RESULT line plus the process figures) to RUNS.jsonl; --round
      numbers the interleaved browser/service pairs (runs pair-browser-64 and pair-service-64),
      the access-log rounds (runs log-on-64 and log-off-64) and the replica-ack rounds (runs
      ack0-login, ack0-proxy-64, ack1-login, ack1-proxy-64), --log-bytes what the run's access log
      grew, --wait-calls how many WAIT commands the Redis master ran during it
  report.py build RUNS.jsonl --micro MICRO.json --env ENV.json --out-dir DIR --date YYYY-MM-DD
      writes DIR/DATE.json, DIR/DATE.md and DIR/DATE-latency.svg (gnuplot)
  report.py access-log RUNS.jsonl --env ENV.json --out-dir DIR --date YYYY-MM-DD
      writes DIR/DATE-access-log.json and DIR/DATE-access-log.md (bench/run --access-log-cost)
  report.py check-replica-run RUNS.jsonl --run R --round N --min-replicas-ack A
      fails (exit 1, the reason on stderr) unless the recorded run had no failed login, no non-2xx
      answer and no socket error, and the master ran WAIT as A says: never with 0, at least once
      per login with 1 or more
  report.py replica-ack RUNS.jsonl --env ENV.json --out-dir DIR --date YYYY-MM-DD
      writes DIR/DATE-replica-ack.json and DIR/DATE-replica-ack.md (bench/run --replica-ack)
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile

PEERS = ["nginx-static-token", "node-bff", "intercom-gateway"]
RUN_LABELS = {
    "proxy-64": "GET /intercom/me, 64 connections",
    "proxy-1000": "GET /intercom/me, 1,000 connections",
    "service-1000": "service path: GET /intercom/me, 1,000 connections",
    "login": "login flow (login → callback → session)",
}
# The runs the gateway ÷ peer ratios compare (the peers have no service path).
RATIO_RUNS = ["proxy-64", "proxy-1000", "login"]
# The gateway's browser and service paths at 64 connections, one of each per round (bench/run
# --rounds), in alternating order; compared round by round, not put in the table of runs.
PAIR_RUNS = {"browser": "pair-browser-64", "service": "pair-service-64"}
SERVICE_TARGET_RATIO = 0.95
# bench/run --access-log-cost: one run per configuration and round, the access log on or off.
LOG_RUNS = {"on": "log-on-64", "off": "log-off-64"}
LOG_PEERS = ["intercom-gateway", "nginx-static-token"]
# The bound on what the gateway's access-log line may add to the CPU per request.
LOG_COST_TARGET = 0.03
# bench/run --replica-ack: per round and redis.min_replicas_ack value, a login-flow run and a proxied run.
REPLICA_ACKS = [0, 1]
REPLICA_RUNS = {ack: {"login": f"ack{ack}-login", "proxy": f"ack{ack}-proxy-64"} for ack in REPLICA_ACKS}
REPLICA_RUN_NAMES = [name for runs in REPLICA_RUNS.values() for name in runs.values()]
# The figures whose medians the replica-ack report gives, and the error counts it totals.
REPLICA_MEDIANS = ["logins_per_s", "login_p50_ms", "login_p99_ms", "cpu_ms_per_1k_logins", "redis_cpu_ms_per_1k_logins",
                   "wait_calls_per_login", "requests_per_s", "p50_ms", "p99_ms", "p99.9_ms", "cpu_ms_per_1k"]
REPLICA_ERRORS = ["failed_logins", "login_status_ge_400", "login_socket_errors", "non_2xx", "proxy_status_ge_400",
                  "proxy_socket_errors"]
# Runs of the login flow (bench/wrk/login.lua), counted in logins.
LOGIN_RUNS = ["login", *(runs["login"] for runs in REPLICA_RUNS.values())]
PLOT_PERCENTILES = ["50", "75", "90", "95", "99", "99.9", "99.99"]


def wrk_result(path):
    for line in pathlib.Path(path).read_text().splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):])
    sys.exit(f"report.py: no BENCH_RESULT line in {path} (did wrk fail?)")


def read_runs(path):
    return [json.loads(l) for l in pathlib.Path(path).read_text().splitlines() if l.strip()]


def record(args):
    rounded_runs = [*PAIR_RUNS.values(), *LOG_RUNS.values(), *REPLICA_RUN_NAMES]
    if (args.round is not None) != (args.run in rounded_runs):
        sys.exit(f"report.py: --round goes with runs {', '.join(rounded_runs)}, and only with them")
    wrk = wrk_result(args.wrk_output)
    seconds = wrk["duration_us"] / 1e6
    socket_errors = wrk["connect_errors"] + wrk["read_errors"] + wrk["write_errors"] + wrk["timeouts"]
    run = {
        "peer": args.peer,
        "run": args.run,
        "connections": args.connections,
        "wrk_threads": args.wrk_threads,
        "seconds": round(seconds, 3),
        "requests": wrk["requests"],
        "requests_per_s": round(wrk["requests"] / seconds, 1),
        "latency_ms": {k: round(v / 1000, 3) for k, v in wrk["latency_us"].items()},
        "latency_mean_ms": round(wrk["latency_mean_us"] / 1000, 3),
        "latency_max_ms": round(wrk["latency_max_us"] / 1000, 3),
        "socket_errors": {k: wrk[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")},
        # wrk's own count: a 503 shows here whatever the script made of it.
        "status_ge_400": wrk["status_ge_400"],
        "peak_rss_mib": round(args.peak_rss_kib / 1024, 1),
    }
    if args.round is not None:
        run["round"] = args.round
    if args.log_bytes is not None:
        run["log_bytes"] = args.log_bytes
        run["log_bytes_per_request"] = round(args.log_bytes / max(wrk["requests"], 1), 1)
    if args.wait_calls is not None:
        run["wait_calls"] = args.wait_calls
    cpu = args.cpu_ticks / args.clk_tck
    if args.run in LOGIN_RUNS:
        logins = wrk["logins"]
        run["logins"] = logins
        run["logins_per_s"] = round(logins / seconds, 1)
        run["failed_logins"] = wrk["failed_logins"]
        run["errors"] = socket_errors + wrk["failed_logins"]
        unit = max(logins, 1)
        run["cpu_s_per_10k_logins"] = round(cpu / unit * 10000, 3)
        run["redis_cpu_s_per_10k_logins"] = round(args.redis_cpu_ticks / args.clk_tck / unit * 10000, 3)
        run["upstream_cpu_s_per_10k_logins"] = round(args.upstream_cpu_ticks / args.clk_tck / unit * 10000, 3)
        if args.run in REPLICA_RUN_NAMES:
            # The finer units the replica-ack comparison reads.
            run["cpu_ms_per_1k_logins"] = round(cpu / unit * 1e6, 3)
            run["redis_cpu_ms_per_1k_logins"] = round(args.redis_cpu_ticks / args.clk_tck / unit * 1e6, 3)
            if args.wait_calls is not None:
                run["wait_calls_per_login"] = round(args.wait_calls / unit, 3)
    else:
        run["non_2xx"] = wrk["non2xx"]
        run["errors"] = socket_errors + wrk["non2xx"]
        unit = max(wrk["requests"], 1)
        run["cpu_s_per_10k"] = round(cpu / unit * 10000, 3)
        run["redis_cpu_s_per_10k"] = round(args.redis_cpu_ticks / args.clk_tck / unit * 10000, 3)
        run["upstream_cpu_s_per_10k"] = round(args.upstream_cpu_ticks / args.clk_tck / unit * 10000, 3)
        if args.run in LOG_RUNS.values() or args.run in REPLICA_RUN_NAMES:
            # The finer unit the access-log and replica-ack comparisons read (the tick is 1/CLK_TCK s).
            run["cpu_ms_per_1k"] = round(cpu / unit * 1e6, 3)
    with open(args.runs, "a") as out:
        out.write(json.dumps(run) + "\n")
    rate = f"{run['logins_per_s']} logins/s" if args.run in LOGIN_RUNS else f"{run['requests_per_s']} req/s"
    print(f"bench:   {rate}, p50 {run['latency_ms']['50']} ms, p99 {run['latency_ms']['99']} ms, "
          f"p99.9 {run['latency_ms']['99.9']} ms, errors {run['errors']}, peak RSS {run['peak_rss_mib']} MiB")


def find(runs, peer, run):
    for r in runs:
        if r["peer"] == peer and r["run"] == run:
            return r
    return None


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def service_rounds(runs):
    """The gateway's complete browser/service rounds, by round number: each with both runs, which
    went first, and the service ÷ browser throughput ratio (unrounded)."""
    by_round = {}
    for index, r in enumerate(runs):
        if r["peer"] != "intercom-gateway" or r["run"] not in PAIR_RUNS.values() or r.get("round") is None:
            continue
        path = "browser" if r["run"] == PAIR_RUNS["browser"] else "service"
        by_round.setdefault(r["round"], {})[path] = (index, r)
    out = []
    for number in sorted(by_round):
        pair = by_round[number]
        if "browser" not in pair or "service" not in pair:
            continue
        (bi, browser), (si, service) = pair["browser"], pair["service"]
        out.append({"round": number, "first": "browser" if bi < si else "service", "browser": browser,
                    "service": service,
                    "ratio": service["requests_per_s"] / browser["requests_per_s"] if browser["requests_per_s"] else None})
    return out


def median_ratio(rounds):
    ratios = [r["ratio"] for r in rounds if r["ratio"] is not None]
    return statistics.median(ratios) if ratios else None


def targets(runs):
    """The gateway's figures targets (issue 5), each pass, fail or not measured."""
    gw64 = find(runs, "intercom-gateway", "proxy-64")
    ng64 = find(runs, "nginx-static-token", "proxy-64")
    nd64 = find(runs, "node-bff", "proxy-64")
    gw1k = find(runs, "intercom-gateway", "proxy-1000")
    out = []

    def add(text, value, ok):
        out.append({"target": text, "value": value, "pass": ok})

    rps = lambda r: r["requests_per_s"] if r else None  # noqa: E731
    p99 = lambda r: r["latency_ms"]["99"] if r else None  # noqa: E731
    t = ratio(rps(gw64), rps(ng64))
    add("throughput ≥ 0.85 × nginx-static-token (64 connections)", f"{t} ×" if t is not None else None,
        None if t is None else t >= 0.85)
    t = ratio(rps(gw64), rps(nd64))
    add("throughput ≥ 10 × node-bff (64 connections)", f"{t} ×" if t is not None else None,
        None if t is None else t >= 10)
    t = ratio(p99(gw64), p99(ng64))
    add("p99 ≤ 1.3 × nginx-static-token (64 connections)", f"{t} ×" if t is not None else None,
        None if t is None else t <= 1.3)
    add("1,000 connections with no errors", f"{gw1k['errors']} errors" if gw1k else None,
        None if not gw1k else gw1k["errors"] == 0)
    add("gateway peak RSS < 40 MiB (1,000 connections)", f"{gw1k['peak_rss_mib']} MiB" if gw1k else None,
        None if not gw1k else gw1k["peak_rss_mib"] < 40)
    rounds = service_rounds(runs)
    m = median_ratio(rounds)
    add(f"service path throughput ≥ {SERVICE_TARGET_RATIO} × browser path (64 connections, median of "
        f"{len(rounds) or 'R'} interleaved rounds)", f"{m:.3f} ×" if m is not None else None,
        None if m is None else m >= SERVICE_TARGET_RATIO)
    return out


def micro_results(path):
    if not path or not pathlib.Path(path).exists():
        return []
    data = json.loads(pathlib.Path(path).read_text())
    out = []
    for b in data.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        out.append({"name": b["name"], "ns_per_op": round(b["real_time"] if b["time_unit"] == "ns" else
                                                         b["real_time"] * {"us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]], 1),
                    "cpu_ns_per_op": round(b["cpu_time"] if b["time_unit"] == "ns" else
                                           b["cpu_time"] * {"us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]], 1),
                    "iterations": b["iterations"]})
    return out


def fmt(v, digits=2):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def markdown(report):
    env = report["environment"]
    runs = report["runs"]
    lines = [f"# Benchmark {report['date']}", ""]
    lines += [f"`bench/run` ({'quick' if env['quick'] else 'full'} run: {env['warmup_s']} s warm-up, "
              f"{env['duration_s']} s measured per run) on {env['cpu_model']} × {env['cores']} cores, "
              f"load average {env['load_before']} before and {env['load_after']} after.", ""]
    lines += [f"CPU pinning: {env['pinning']}", ""]
    lines += ["Method: every peer verifies the upstream's TLS against the bench CA. The upstream (nginx over TLS)",
              "answers `GET /me` (~1 KiB JSON) for the one bench token and 401 otherwise, and also serves the",
              "login's `/oauth` and token exchange (mock-intercom issues a random token per login, which the",
              "upstream could not know). Peers log in through the real flow first (curl), then wrk loads",
              "`GET /intercom/me` with the session cookie; the login-flow run is 3 requests per login on",
              "the peer (see bench/wrk/login.lua). Micro-benchmarks: Debian's libbenchmark says it was built",
              "as DEBUG; that is the library's own build, the measured code is Release.", ""]
    lines += ["| peer | run | req/s | logins/s | p50 ms | p99 ms | p99.9 ms | CPU s / 10k | peak RSS MiB | errors |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for run_name in RUN_LABELS:
        for peer in PEERS:
            r = find(runs, peer, run_name)
            if not r:
                continue
            cpu = r.get("cpu_s_per_10k", r.get("cpu_s_per_10k_logins"))
            lines.append(f"| {peer} | {RUN_LABELS[run_name]} | {fmt(r['requests_per_s'], 0)} | "
                         f"{fmt(r.get('logins_per_s'), 0)} | {fmt(r['latency_ms']['50'])} | {fmt(r['latency_ms']['99'])} | "
                         f"{fmt(r['latency_ms']['99.9'])} | {fmt(cpu, 3)} | {fmt(r['peak_rss_mib'], 1)} | {r['errors']} |")
    lines += ["", "CPU s / 10k: the peer's own processes (user + system) per 10,000 requests (per 10,000 logins for the",
              "login flow); Redis and the upstream are counted apart in the JSON. Peak RSS: VmHWM, reset before the",
              "measured run, so the largest resident size during it, never less than at its start (nginx: its",
              "worker). Errors: socket errors plus non-2xx answers (failed logins for the login flow).",
              "In the login flow each login is three requests on the peer, and req/s counts all three.", ""]
    lines += ["## Ratios", "", "| ratio | 64 connections | 1,000 connections | login flow |", "|---|---:|---:|---:|"]
    for other in ("nginx-static-token", "node-bff"):
        for what, key in (("throughput", "requests_per_s"), ("p99", None)):
            cells = []
            for run_name in RATIO_RUNS:
                g, o = find(runs, "intercom-gateway", run_name), find(runs, other, run_name)
                if not g or not o:
                    cells.append("—")
                    continue
                if key:
                    a, b = (g.get("logins_per_s"), o.get("logins_per_s")) if run_name == "login" else (g[key], o[key])
                else:
                    a, b = g["latency_ms"]["99"], o["latency_ms"]["99"]
                cells.append(fmt(ratio(a, b)))
            lines.append(f"| {what}: gateway ÷ {other} | " + " | ".join(cells) + " |")
    lines += service_section(runs)
    lines += ["", "## Targets", ""]
    for t in report["targets"]:
        mark = {True: "PASS", False: "FAIL", None: "NOT MEASURED"}[t["pass"]]
        lines.append(f"- **{mark}** {t['target']}: {t['value'] if t['value'] is not None else '—'}")
    if report["micro"]:
        lines += ["", "## Micro-benchmarks (Google Benchmark, pinned to CPU 0)", "",
                  "| benchmark | ns / op | CPU ns / op |", "|---|---:|---:|"]
        for m in report["micro"]:
            lines.append(f"| {m['name']} | {fmt(m['ns_per_op'], 1)} | {fmt(m['cpu_ns_per_op'], 1)} |")
    lines += ["", "## Versions", ""]
    for k, v in env["versions"].items():
        lines.append(f"- {k}: {v}")
    lines += ["", f"![latency percentiles]({report['date']}-latency.svg)", ""]
    return "\n".join(lines)


def service_section(runs):
    """Markdown lines comparing the gateway's service path with its browser path, every round."""
    rounds = service_rounds(runs)
    if not rounds:
        return []
    lines = ["", "## Service path vs browser path", "",
             "intercom-gateway only, `GET /intercom/me` at 64 connections with the same wrk settings: the browser",
             "path on the public listener with the session cookie, the service path on the internal listener (TLS)",
             "with a service key and `Intercom-Workspace-Id`, proxied with the token the login recorded for that",
             "workspace. One run of each per round, which goes first alternating; the ratio is service ÷ browser",
             "in the same round, and the median row takes the median of each column.", "",
             "| round | first | browser req/s | service req/s | service ÷ browser | browser p99 ms | service p99 ms | errors (browser / service) |",
             "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rounds:
        b, s = r["browser"], r["service"]
        lines.append(f"| {r['round']} | {r['first']} | {fmt(b['requests_per_s'], 0)} | {fmt(s['requests_per_s'], 0)} | "
                     f"{fmt(r['ratio'], 3)} | {fmt(b['latency_ms']['99'])} | {fmt(s['latency_ms']['99'])} | "
                     f"{b['errors']} / {s['errors']} |")

    def med(path, value):
        return statistics.median(value(r[path]) for r in rounds)

    rps = lambda r: r["requests_per_s"]  # noqa: E731
    p99 = lambda r: r["latency_ms"]["99"]  # noqa: E731
    lines.append(f"| **median** | | {fmt(med('browser', rps), 0)} | {fmt(med('service', rps), 0)} | "
                 f"**{fmt(median_ratio(rounds), 3)}** | {fmt(med('browser', p99))} | {fmt(med('service', p99))} | |")
    s1k = find(runs, "intercom-gateway", "service-1000")
    if s1k:
        lines += ["", f"Service path at 1,000 connections: {fmt(s1k['requests_per_s'], 0)} req/s, "
                      f"p99 {fmt(s1k['latency_ms']['99'])} ms, {s1k['errors']} errors."]
    return lines


def access_log_cost(runs):
    """The --access-log-cost figures: per peer and switch, every round's CPU ms per 1,000 requests and
    req/s with their medians; per peer the line's cost, (on − off) ÷ off, from the medians and round
    by round."""
    configs = {}
    for peer in LOG_PEERS:
        for switch, run_name in LOG_RUNS.items():
            rounds = sorted((r for r in runs if r["peer"] == peer and r["run"] == run_name), key=lambda r: r["round"])
            if not rounds:
                continue
            configs[f"{peer} {switch}"] = {
                "peer": peer, "access_log": switch,
                "rounds": [{"round": r["round"], "cpu_ms_per_1k": r["cpu_ms_per_1k"],
                            "requests_per_s": r["requests_per_s"], "p99_ms": r["latency_ms"]["99"],
                            "errors": r["errors"], "log_bytes_per_request": r.get("log_bytes_per_request")}
                           for r in rounds],
                "median_cpu_ms_per_1k": statistics.median(r["cpu_ms_per_1k"] for r in rounds),
                "median_requests_per_s": statistics.median(r["requests_per_s"] for r in rounds),
                "median_p99_ms": statistics.median(r["latency_ms"]["99"] for r in rounds),
                "errors": sum(r["errors"] for r in rounds),
            }
    costs = {}
    for peer in LOG_PEERS:
        on, off = configs.get(f"{peer} on"), configs.get(f"{peer} off")
        if not on or not off:
            continue
        off_by_round = {r["round"]: r for r in off["rounds"]}
        pairwise = [{"round": r["round"],
                     "cpu": r["cpu_ms_per_1k"] / off_by_round[r["round"]]["cpu_ms_per_1k"] - 1,
                     "requests_per_s": r["requests_per_s"] / off_by_round[r["round"]]["requests_per_s"] - 1}
                    for r in on["rounds"] if r["round"] in off_by_round]
        costs[peer] = {
            "cpu_from_medians": on["median_cpu_ms_per_1k"] / off["median_cpu_ms_per_1k"] - 1,
            "cpu_ms_per_1k_added": on["median_cpu_ms_per_1k"] - off["median_cpu_ms_per_1k"],
            "requests_per_s_from_medians": on["median_requests_per_s"] / off["median_requests_per_s"] - 1,
            "pairwise": pairwise,
            "median_pairwise_cpu": statistics.median(p["cpu"] for p in pairwise) if pairwise else None,
        }
    gateway = costs.get("intercom-gateway")
    target = {"target": f"the gateway's access-log line costs ≤ {LOG_COST_TARGET * 100:g} % of the request path "
                        "(CPU per 1,000 requests, on ÷ off − 1, medians)",
              "value": pct(gateway["cpu_from_medians"]) if gateway else None,
              "pass": None if not gateway else gateway["cpu_from_medians"] <= LOG_COST_TARGET}
    return configs, costs, target


def pct(v):
    return "—" if v is None else f"{v * 100:+.1f} %"


def mode_header(report, title, flag):
    """The title, the command line and the machine, for the report of a mode of its own."""
    env = report["environment"]
    return [f"# {title} {report['date']}", "",
            f"`bench/run {flag} --rounds {env['rounds']} --duration {env['duration_s']}"
            f"{' --quick' if env['quick'] else ''}` ({env['warmup_s']} s warm-up, {env['duration_s']} s measured "
            f"per run) on {env['cpu_model']} × {env['cores']} cores, load average {env['load_before']} before "
            f"and {env['load_after']} after.", "",
            f"CPU pinning: {env['pinning']}", ""]


def access_log_markdown(report):
    env = report["environment"]
    configs, costs = report["configurations"], report["cost"]
    lines = mode_header(report, "Access-log cost", "--access-log-cost")
    lines += ["Method: `GET /intercom/me` at 64 connections (wrk -t2, bench/wrk/proxy.lua; the gateway with a",
              "logged-in session cookie, nginx-static-token anonymous) against four configurations, one at a",
              "time, each started fresh for its run and stopped after it (the gateway reads its switch only",
              "at start; nginx is treated alike). Order per round: gateway on, gateway off, nginx on, nginx",
              "off, reversed every other round, so a drift in the machine's speed falls on all four alike.",
              f"Access logs: intercom-gateway {env['access_logs']['intercom-gateway']}; nginx-static-token "
              f"{env['access_logs']['nginx-static-token']}. CPU is the peer's own processes (user + system,",
              "from /proc, in 1/100 s ticks) over the measured run, per 1,000 requests. The cost of the line",
              "is (on − off) ÷ off of the medians; the per-round column divides the two runs of that round.",
              "No log held the token, the service key or the session cookie (checked after every run).", ""]
    t = report["target"]
    mark = {True: "PASS", False: "FAIL", None: "NOT MEASURED"}[t["pass"]]
    lines += ["## Result", "", f"- **{mark}** {t['target']}: {t['value'] or '—'}"]
    for peer, c in costs.items():
        lines.append(f"- {peer}: {pct(c['cpu_from_medians'])} CPU per request "
                     f"({c['cpu_ms_per_1k_added']:+.2f} ms per 1,000 requests), median of the per-round "
                     f"figures {pct(c['median_pairwise_cpu'])}; throughput {pct(c['requests_per_s_from_medians'])}")
    lines += ["", "## CPU ms per 1,000 requests", ""]
    names = list(configs)
    rounds = sorted({r["round"] for c in configs.values() for r in c["rounds"]})
    cost_cols = [p for p in LOG_PEERS if p in costs]
    lines += ["| round | first | " + " | ".join(names) + " | " + " | ".join(f"{p} on ÷ off − 1" for p in cost_cols) + " |",
              "|---:|---|" + "---:|" * (len(names) + len(cost_cols))]
    for number in rounds:
        cells = []
        for n in names:
            r = next((r for r in configs[n]["rounds"] if r["round"] == number), None)
            cells.append(fmt(r["cpu_ms_per_1k"]) if r else "—")
        for p in cost_cols:
            pw = next((x for x in costs[p]["pairwise"] if x["round"] == number), None)
            cells.append(pct(pw["cpu"]) if pw else "—")
        first = "gateway on" if number % 2 else "nginx off"
        lines.append(f"| {number} | {first} | " + " | ".join(cells) + " |")
    lines.append("| **median** | | " + " | ".join(f"**{fmt(configs[n]['median_cpu_ms_per_1k'])}**" for n in names) +
                 " | " + " | ".join(f"**{pct(costs[p]['cpu_from_medians'])}** (of medians)" for p in cost_cols) + " |")
    lines += ["", "## Requests per second", "",
              "| round | " + " | ".join(names) + " |", "|---:|" + "---:|" * len(names)]
    for number in rounds:
        cells = []
        for n in names:
            r = next((r for r in configs[n]["rounds"] if r["round"] == number), None)
            cells.append(fmt(r["requests_per_s"], 0) if r else "—")
        lines.append(f"| {number} | " + " | ".join(cells) + " |")
    lines.append("| **median** | " + " | ".join(f"**{fmt(configs[n]['median_requests_per_s'], 0)}**" for n in names) + " |")
    lines += ["", "## Per configuration", "",
              "| configuration | median p99 ms | log bytes per request (median) | errors (all rounds) |",
              "|---|---:|---:|---:|"]
    for n, c in configs.items():
        per_request = [r["log_bytes_per_request"] for r in c["rounds"] if r["log_bytes_per_request"] is not None]
        lines.append(f"| {n} | {fmt(c['median_p99_ms'])} | "
                     f"{fmt(statistics.median(per_request), 1) if per_request else '—'} | {c['errors']} |")
    lines += ["", "Log bytes per request: what the configuration's log file grew during the measured run, divided by",
              "its requests (the gateway's file is its stdout, so its few event lines count too).", ""]
    lines += ["## Versions", ""]
    for k in ("intercom-gateway", "nginx", "wrk", "openssl"):
        lines.append(f"- {k}: {env['versions'][k]}")
    lines.append("")
    return "\n".join(lines)


def build_access_log(args):
    runs = read_runs(args.runs)
    env = json.loads(pathlib.Path(args.env).read_text())
    configs, costs, target = access_log_cost(runs)
    report = {"date": args.date, "environment": env, "configurations": configs, "cost": costs, "target": target,
              "runs": runs}
    out = pathlib.Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.date}-access-log.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / f"{args.date}-access-log.md").write_text(access_log_markdown(report))
    print(access_log_markdown(report))


def check_replica_run(args):
    run = next((r for r in read_runs(args.runs) if r["run"] == args.run and r.get("round") == args.round), None)
    if run is None:
        sys.exit(f"report.py: no run {args.run} in round {args.round} in {args.runs}")
    login = args.run in LOGIN_RUNS
    problems = []
    if run["errors"]:
        refused = f"{run['failed_logins']} failed logins" if login else f"{run['non_2xx']} non-2xx answers"
        problems.append(f"{refused}, {run['status_ge_400']} answers ≥ 400 (a 503: too few replicas confirmed), "
                        f"{sum(run['socket_errors'].values())} socket errors")
    waits = run.get("wait_calls")
    if waits is None:
        problems.append("no WAIT count recorded")
    elif args.min_replicas_ack == 0 and waits:
        problems.append(f"the master ran {waits} WAIT commands with redis.min_replicas_ack 0")
    elif args.min_replicas_ack > 0 and login and not (run["logins"] and waits >= run["logins"]):
        problems.append(f"the master ran {waits} WAIT commands for {run['logins']} logins with "
                        f"redis.min_replicas_ack {args.min_replicas_ack}: fewer than one a login")
    if problems:
        sys.exit(f"report.py: {args.run}, round {args.round}: " + "; ".join(problems))


def replica_ack(runs):
    """The --replica-ack figures: per redis.min_replicas_ack value every round's login-flow and proxied
    figures with their medians; per figure the ratio ack 1 ÷ ack 0, from the medians and round by round."""
    gateway = [(index, r) for index, r in enumerate(runs) if r["peer"] == "intercom-gateway"]
    configs = {}
    for ack in REPLICA_ACKS:
        names = REPLICA_RUNS[ack]
        logins = {r["round"]: (i, r) for i, r in gateway if r["run"] == names["login"]}
        proxied = {r["round"]: r for _, r in gateway if r["run"] == names["proxy"]}
        rounds = []
        for number in sorted(logins.keys() & proxied.keys()):
            (index, l), p = logins[number], proxied[number]
            rounds.append({
                "round": number, "index": index,
                "logins_per_s": l["logins_per_s"], "login_p50_ms": l["latency_ms"]["50"],
                "login_p99_ms": l["latency_ms"]["99"], "cpu_ms_per_1k_logins": l["cpu_ms_per_1k_logins"],
                "redis_cpu_ms_per_1k_logins": l["redis_cpu_ms_per_1k_logins"],
                "wait_calls_per_login": l.get("wait_calls_per_login"),
                "failed_logins": l["failed_logins"], "login_status_ge_400": l["status_ge_400"],
                "login_socket_errors": sum(l["socket_errors"].values()),
                "requests_per_s": p["requests_per_s"], "p50_ms": p["latency_ms"]["50"],
                "p99_ms": p["latency_ms"]["99"], "p99.9_ms": p["latency_ms"]["99.9"],
                "cpu_ms_per_1k": p["cpu_ms_per_1k"], "proxy_wait_calls": p.get("wait_calls"),
                "non_2xx": p["non_2xx"], "proxy_status_ge_400": p["status_ge_400"],
                "proxy_socket_errors": sum(p["socket_errors"].values()),
            })
        if not rounds:
            continue
        medians = {key: round(statistics.median(r[key] for r in rounds), 3)
                   for key in REPLICA_MEDIANS if all(r[key] is not None for r in rounds)}
        totals = {key: sum(r[key] for r in rounds) for key in REPLICA_ERRORS}
        configs[str(ack)] = {"min_replicas_ack": ack, "rounds": rounds, "medians": medians, "errors": totals}
    ratios = {}
    if "0" in configs and "1" in configs:
        zero, one = configs["0"], configs["1"]
        zero_by_round = {r["round"]: r for r in zero["rounds"]}
        for key in ("logins_per_s", "requests_per_s", "cpu_ms_per_1k_logins", "cpu_ms_per_1k"):
            pairwise = [{"round": r["round"], "ratio": round(r[key] / zero_by_round[r["round"]][key], 4)}
                        for r in one["rounds"] if r["round"] in zero_by_round and zero_by_round[r["round"]][key]]
            ratios[key] = {
                "from_medians": round(one["medians"][key] / zero["medians"][key], 4) if zero["medians"][key] else None,
                "pairwise": pairwise,
                "median_pairwise": round(statistics.median(x["ratio"] for x in pairwise), 4) if pairwise else None,
            }
    for c in configs.values():
        for r in c["rounds"]:
            # Which configuration ran first in the round, read off the order the runs were recorded in.
            other = configs.get("1" if c["min_replicas_ack"] == 0 else "0")
            twin = next((o for o in other["rounds"] if o["round"] == r["round"]), None) if other else None
            r["first"] = twin is None or r["index"] < twin["index"]
    for c in configs.values():
        for r in c["rounds"]:
            del r["index"]
    return configs, ratios


def replica_ack_markdown(report):
    env = report["environment"]
    configs, ratios = report["configurations"], report["ratios"]
    lines = mode_header(report, "Cost of redis.min_replicas_ack", "--replica-ack")
    lines += ["Method: a Redis master and one replica (`--replicaof`, both without persistence) on 127.0.0.1;",
              "intercom-gateway's redis.url is the master. Two configurations, redis.min_replicas_ack 0 and 1",
              "(GATEWAY_REDIS_MIN_REPLICAS_ACK; redis.replica_ack_timeout at its default, 500 ms): with 1, each new",
              "session and workspace connection written at login is followed by `WAIT 1 500` on a Redis connection",
              "of its own. Each configuration is started fresh on an emptied Redis (FLUSHALL, which the replica",
              "follows) and logs in once with curl; then the login flow (wrk -t8 -c8, bench/wrk/login.lua: login →",
              "callback with the upstream's token exchange → session, three requests a login; each connection holds",
              "one unfinished login so that the callback sets the session cookie only, see login.lua), then `GET",
              "/intercom/me` at 64 connections with that session cookie (wrk -t2, bench/wrk/proxy.lua); then it",
              "is stopped. Order per round: ack 0, ack 1, reversed every other round, so a drift in the machine's",
              "speed falls on both alike. CPU is the gateway's own process (user + system, from /proc, in 1/100 s",
              "ticks) over the measured run, per 1,000 logins or requests; Redis CPU counts the master and the",
              "replica. Ratios are ack 1 ÷ ack 0 of the medians; the per-round columns divide the two runs of that",
              "round. Login-flow latencies are per request of the flow. Checked for every run: no failed login, no",
              "non-2xx answer, no socket error; the master ran no WAIT with ack 0 and at least one a login with",
              "ack 1; after every run with ack 1 the replica held as many session keys as the master.", ""]

    def ratio_line(what, key):
        r = ratios.get(key)
        if not r:
            return f"- {what}: —"
        zero, one = configs["0"]["medians"][key], configs["1"]["medians"][key]
        return (f"- {what}: ack 1 ÷ ack 0 = **{fmt(r['from_medians'], 3)}** (medians {fmt(zero, 0)} → {fmt(one, 0)}; "
                f"median of the per-round ratios {fmt(r['median_pairwise'], 3)})")

    lines += ["## Result", "", ratio_line("logins/s", "logins_per_s"), ratio_line("proxied req/s", "requests_per_s")]
    for what, key, unit, digits in (("gateway CPU per login", "cpu_ms_per_1k_logins", "ms per 1,000 logins", 1),
                                    ("gateway CPU per proxied request", "cpu_ms_per_1k", "ms per 1,000 requests", 2)):
        r = ratios.get(key)
        if r and r["from_medians"] is not None:
            lines.append(f"- {what}: {pct(r['from_medians'] - 1)} ({fmt(configs['0']['medians'][key], digits)} → "
                         f"{fmt(configs['1']['medians'][key], digits)} {unit}, medians)")
    waits = configs.get("1", {}).get("medians", {}).get("wait_calls_per_login")
    if waits is not None:
        lines.append(f"- WAIT commands per login with ack 1: {fmt(waits)} (median)")
    names = [n for n in ("0", "1") if n in configs]

    def table(title, columns, ratio_key):
        out = ["", f"## {title}", "",
               "| round | first | " + " | ".join(f"ack {n} {label}" for label, _, _ in columns for n in names) +
               (" | ack 1 ÷ ack 0 |" if ratio_key in ratios else " |"),
               "|---:|---|" + "---:|" * (len(columns) * len(names) + (ratio_key in ratios))]
        for number in sorted({r["round"] for n in names for r in configs[n]["rounds"]}):
            row = {n: next((r for r in configs[n]["rounds"] if r["round"] == number), None) for n in names}
            first = next((f"ack {n}" for n in names if row[n] and row[n]["first"]), "—")
            cells = [fmt(row[n][key], digits) if row[n] else "—" for _, key, digits in columns for n in names]
            if ratio_key in ratios:
                pw = next((x for x in ratios[ratio_key]["pairwise"] if x["round"] == number), None)
                cells.append(fmt(pw["ratio"], 3) if pw else "—")
            out.append(f"| {number} | {first} | " + " | ".join(cells) + " |")
        cells = [f"**{fmt(configs[n]['medians'].get(key), digits)}**" for _, key, digits in columns for n in names]
        if ratio_key in ratios:
            cells.append(f"**{fmt(ratios[ratio_key]['from_medians'], 3)}** (of medians)")
        out.append("| **median** | | " + " | ".join(cells) + " |")
        return out

    lines += table("Login flow (wrk -t8 -c8, bench/wrk/login.lua)",
                   [("logins/s", "logins_per_s", 0), ("p99 ms", "login_p99_ms", 2),
                    ("CPU ms / 1k logins", "cpu_ms_per_1k_logins", 1),
                    ("Redis CPU ms / 1k logins", "redis_cpu_ms_per_1k_logins", 1)], "logins_per_s")
    lines += table("Proxied GET /intercom/me (64 connections, wrk -t2, bench/wrk/proxy.lua)",
                   [("req/s", "requests_per_s", 0), ("p50 ms", "p50_ms", 2), ("p99 ms", "p99_ms", 2),
                    ("CPU ms / 1k", "cpu_ms_per_1k", 2)], "requests_per_s")
    lines += ["", "## Errors (all rounds)", "",
              "| configuration | failed logins | login answers ≥ 400 | login socket errors | proxied non-2xx | "
              "proxied answers ≥ 400 | proxied socket errors |", "|---|" + "---:|" * len(REPLICA_ERRORS)]
    for n in names:
        lines.append(f"| redis.min_replicas_ack {n} | " +
                     " | ".join(str(configs[n]["errors"][key]) for key in REPLICA_ERRORS) + " |")
    lines += ["", "A login the replicas did not confirm in time answers 503 and counts as a failed login and an answer",
              "≥ 400; any error stops bench/run, so a report holds none.", ""]
    lines += ["## Versions", ""]
    for k in ("intercom-gateway", "redis-server", "nginx", "wrk", "openssl"):
        lines.append(f"- {k}: {env['versions'][k]}")
    lines.append("")
    return "\n".join(lines)


def build_replica_ack(args):
    runs = read_runs(args.runs)
    env = json.loads(pathlib.Path(args.env).read_text())
    configs, ratios = replica_ack(runs)
    report = {"date": args.date, "environment": env, "configurations": configs, "ratios": ratios, "runs": runs}
    out = pathlib.Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.date}-replica-ack.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / f"{args.date}-replica-ack.md").write_text(replica_ack_markdown(report))
    print(replica_ack_markdown(report))


def plot(report, svg_path):
    runs = [r for r in report["runs"] if r["run"] in ("proxy-64", "proxy-1000")]
    if not runs:
        return
    with tempfile.TemporaryDirectory() as tmp:
        series = []
        for r in runs:
            data = pathlib.Path(tmp) / f"{r['peer']}-{r['run']}.dat"
            with open(data, "w") as out:
                for i, p in enumerate(PLOT_PERCENTILES):
                    out.write(f"{i} {r['latency_ms'][p]} \"p{p}\"\n")
            dash = 1 if r["run"] == "proxy-64" else 2
            color = {"nginx-static-token": "#1b9e77", "node-bff": "#d95f02", "intercom-gateway": "#7570b3"}[r["peer"]]
            series.append(f"'{data}' using 1:2:xtic(3) with linespoints dashtype {dash} lw 2 lc rgb '{color}' "
                          f"title '{r['peer']}, {r['connections']} conn'")
        script = "\n".join([
            "set terminal svg size 900,540 dynamic font 'sans,11'",
            f"set output '{svg_path}'",
            f"set title 'GET /intercom/me latency percentiles ({report['date']})'",
            "set xlabel 'percentile'",
            "set ylabel 'latency (ms, log scale)'",
            "set logscale y",
            "set grid",
            "set key top left",
            "plot " + ", \\\n     ".join(series),
        ])
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


def build(args):
    runs = read_runs(args.runs)
    env = json.loads(pathlib.Path(args.env).read_text())
    report = {"date": args.date, "environment": env, "runs": runs, "targets": targets(runs),
              "micro": micro_results(args.micro)}
    out = pathlib.Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.date}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / f"{args.date}.md").write_text(markdown(report))
    plot(report, out / f"{args.date}-latency.svg")
    print(markdown(report))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record")
    r.add_argument("runs")
    r.add_argument("--peer", required=True)
    r.add_argument("--run", required=True,
                   choices=list(RUN_LABELS) + list(PAIR_RUNS.values()) + list(LOG_RUNS.values()) + REPLICA_RUN_NAMES)
    r.add_argument("--round", type=int, help="the round of a pair-*-64, log-*-64 or ack*-* run")
    r.add_argument("--connections", type=int, required=True)
    r.add_argument("--wrk-threads", type=int, required=True)
    r.add_argument("--wrk-output", required=True)
    r.add_argument("--clk-tck", type=int, required=True)
    r.add_argument("--cpu-ticks", type=int, required=True)
    r.add_argument("--redis-cpu-ticks", type=int, required=True)
    r.add_argument("--upstream-cpu-ticks", type=int, required=True)
    r.add_argument("--peak-rss-kib", type=int, required=True)
    r.add_argument("--log-bytes", type=int, help="what the run's access log grew, in bytes")
    r.add_argument("--wait-calls", type=int, help="the WAIT commands the Redis master ran during the run")
    b = sub.add_parser("build")
    b.add_argument("runs")
    b.add_argument("--micro")
    b.add_argument("--env", required=True)
    b.add_argument("--out-dir", required=True)
    b.add_argument("--date", required=True)
    a = sub.add_parser("access-log")
    a.add_argument("runs")
    a.add_argument("--env", required=True)
    a.add_argument("--out-dir", required=True)
    a.add_argument("--date", required=True)
    c = sub.add_parser("check-replica-run")
    c.add_argument("runs")
    c.add_argument("--run", required=True, choices=REPLICA_RUN_NAMES)
    c.add_argument("--round", type=int, required=True)
    c.add_argument("--min-replicas-ack", type=int, required=True)
    q = sub.add_parser("replica-ack")
    q.add_argument("runs")
    q.add_argument("--env", required=True)
    q.add_argument("--out-dir", required=True)
    q.add_argument("--date", required=True)
    args = parser.parse_args()
    {"record": record, "build": build, "access-log": build_access_log, "check-replica-run": check_replica_run,
     "replica-ack": build_replica_ack}[args.command](args)


if __name__ == "__main__":
    main()
