#!/usr/bin/env python3
"""bench/run --profile's measurements, and its report: where a proxied request's CPU goes.

  profile_report.py record-cpu RUNS.jsonl --peer P --round N --wrk-output FILE --perf-csv FILE
                    --clk-tck T --ticks-before "USER SYSTEM" --ticks-after "USER SYSTEM"
      appends one measured run: requests (wrk's BENCH_RESULT line), the peer's user and system CPU
      (clock ticks from /proc/<pid>/stat before and after) and what perf stat counted over the run
      (system calls entered, context switches)
  profile_report.py record-instructions RUNS.jsonl --peer P --wrk-output FILE --callgrind FILE
      appends one callgrind run: the instructions the peer ran while instrumented (callgrind's
      totals), those inside TLS handshakes (SSL_do_handshake, inclusive), inside TLS reads and
      writes (SSL_read, SSL_read_ex, SSL_write, SSL_write_ex, inclusive) and inside malloc and free
  profile_report.py build RUNS.jsonl --env ENV.json --out-dir DIR --date YYYY-MM-DD
      writes DIR/DATE-profile.json and DIR/DATE-profile.md
"""
import argparse
import json
import pathlib
import re
import statistics
import subprocess
import sys

from report import wrk_result  # bench/lib/report.py: the BENCH_RESULT line of a wrk run

PEERS = ["nginx-static-token", "intercom-gateway"]
# Inclusive costs read from callgrind_annotate, by the names the peers' builds show.
HANDSHAKE = ["SSL_do_handshake"]
TLS_IO = ["SSL_read", "SSL_read_ex", "SSL_write", "SSL_write_ex"]
ALLOCATOR = ["malloc", "free"]


def errors_of(wrk):
    return wrk["connect_errors"] + wrk["read_errors"] + wrk["write_errors"] + wrk["timeouts"] + wrk["non2xx"]


def perf_counts(path):
    """The counts of perf stat -x, output: event name → count."""
    counts = {}
    for line in pathlib.Path(path).read_text().splitlines():
        fields = line.split(",")
        if len(fields) >= 3 and fields[0].strip().isdigit():
            counts[fields[2]] = int(fields[0])
    for event in ("raw_syscalls:sys_enter", "context-switches"):
        if event not in counts:
            sys.exit(f"profile_report.py: perf stat counted no {event} (see {path})")
    return counts


def append(runs_path, run):
    with open(runs_path, "a") as out:
        out.write(json.dumps(run) + "\n")


def record_cpu(args):
    wrk = wrk_result(args.wrk_output)
    user0, system0 = (int(v) for v in args.ticks_before.split())
    user1, system1 = (int(v) for v in args.ticks_after.split())
    requests = max(wrk["requests"], 1)
    counts = perf_counts(args.perf_csv)
    run = {
        "kind": "cpu", "peer": args.peer, "round": args.round, "requests": wrk["requests"],
        "requests_per_s": round(wrk["requests"] / (wrk["duration_us"] / 1e6), 1),
        "user_us_per_request": round((user1 - user0) / args.clk_tck / requests * 1e6, 2),
        "system_us_per_request": round((system1 - system0) / args.clk_tck / requests * 1e6, 2),
        "syscalls_per_request": round(counts["raw_syscalls:sys_enter"] / requests, 2),
        "context_switches_per_request": round(counts["context-switches"] / requests, 3),
        "errors": errors_of(wrk),
    }
    append(args.runs, run)
    print(f"bench:   {run['requests_per_s']} req/s; per request {run['user_us_per_request']} µs user, "
          f"{run['system_us_per_request']} µs system, {run['syscalls_per_request']} system calls, "
          f"{run['context_switches_per_request']} context switches; errors {run['errors']}")


def inclusive_costs(callgrind_file):
    """Program total and the inclusive cost of each function name, from callgrind_annotate."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", callgrind_file],
                          capture_output=True, text=True, check=True).stdout
    total = None
    costs = {}
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
        if not m:
            continue
        value, where = int(m.group(1).replace(",", "")), m.group(2)
        if where.startswith("PROGRAM TOTALS"):
            total = value
            continue
        # "file:function [object]": the bare function name, without arguments or clone suffixes.
        name = where.split(" [")[0].rsplit(":", 1)[-1].split("(")[0].strip()
        costs[name] = max(costs.get(name, 0), value)
    if total is None:
        sys.exit(f"profile_report.py: no program totals in {callgrind_file}")
    return total, costs


def record_instructions(args):
    wrk = wrk_result(args.wrk_output)
    total, costs = inclusive_costs(args.callgrind)
    requests = wrk["requests"]
    # Per request only when requests are many beside the run's 64 handshakes (left out, but their
    # connections' first records are not).
    if requests < 1000:
        sys.exit(f"profile_report.py: {args.peer} answered only {requests} requests under callgrind: too few "
                 "to give a figure per request")
    handshakes = sum(costs.get(n, 0) for n in HANDSHAKE)
    per_request = lambda v: round(v / requests)  # noqa: E731
    run = {
        "kind": "instructions", "peer": args.peer, "requests": wrk["requests"], "total": total,
        "handshakes": handshakes,
        "per_request": per_request(total - handshakes),
        "tls_per_request": per_request(sum(costs.get(n, 0) for n in TLS_IO)),
        "malloc_free_per_request": per_request(sum(costs.get(n, 0) for n in ALLOCATOR)),
        "errors": errors_of(wrk),
    }
    run["rest_per_request"] = run["per_request"] - run["tls_per_request"]
    append(args.runs, run)
    print(f"bench:   {run['per_request']:,} instructions a request ({run['tls_per_request']:,} in TLS reads "
          f"and writes), over {wrk['requests']:,} requests; errors {run['errors']}")


def summarize(runs):
    cpu_fields = ["requests_per_s", "user_us_per_request", "system_us_per_request", "syscalls_per_request",
                  "context_switches_per_request"]
    summary = {}
    for peer in PEERS:
        mine = [r for r in runs if r["kind"] == "cpu" and r["peer"] == peer]
        instructions = next((r for r in runs if r["kind"] == "instructions" and r["peer"] == peer), None)
        summary[peer] = {
            "rounds": mine,
            "median": {f: statistics.median(r[f] for r in mine) for f in cpu_fields} if mine else {},
            "instructions": instructions,
        }
    ratios = {}
    g, n = summary["intercom-gateway"], summary["nginx-static-token"]
    for f in cpu_fields:
        if f in g["median"] and n["median"].get(f):
            ratios[f] = round(g["median"][f] / n["median"][f], 2)
    if g["instructions"] and n["instructions"]:
        for f in ("per_request", "tls_per_request", "rest_per_request", "malloc_free_per_request"):
            if n["instructions"][f]:
                ratios["instructions_" + f] = round(g["instructions"][f] / n["instructions"][f], 2)
    return summary, ratios


def fmt(v, digits=2):
    if v is None:
        return "—"
    return f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}"


def markdown(report):
    env, summary, ratios = report["environment"], report["peers"], report["ratios"]
    lines = [f"# Profile {report['date']}", "",
             f"`bench/run --profile --rounds {env['rounds']} --duration {env['duration_s']}"
             f"{' --quick' if env['quick'] else ''}` on {env['cpu_model']} × {env['cores']} cores, load average "
             f"{env['load_before']} before and {env['load_after']} after.", "",
             f"CPU pinning: {env['pinning']}", "",
             "Method: `GET /intercom/me` at 64 connections (wrk -t2, bench/wrk/proxy.lua), the gateway with a",
             "logged-in session cookie, nginx-static-token anonymous. Each round runs both peers, one at a",
             "time and started fresh, in an order reversed every round; a run is a warm-up and then the",
             "measured run, over which the peer's user and system CPU come from /proc/<pid>/stat and perf",
             "stat counts its system calls (raw_syscalls:sys_enter) and context switches. Then each peer runs",
             "once more under callgrind (valgrind), instrumented only for a measured run after a warm-up:",
             "instructions per request without the TLS handshakes of the run's 64 new connections, the",
             "part inside TLS reads and writes (SSL_read/SSL_write and their _ex forms, inclusive) and inside",
             "malloc and free. Callgrind counts instructions, not time: the same binary, input and",
             "environment give the same count whatever else the machine does.", ""]
    lines += ["## Per request, medians of the rounds", "",
              "| | nginx-static-token | intercom-gateway | gateway ÷ nginx |", "|---|---:|---:|---:|"]
    rows = [("requests/s", "requests_per_s", 0), ("user CPU µs", "user_us_per_request", 2),
            ("system CPU µs", "system_us_per_request", 2), ("system calls", "syscalls_per_request", 2),
            ("context switches", "context_switches_per_request", 3)]
    for label, f, digits in rows:
        lines.append(f"| {label} | {fmt(summary['nginx-static-token']['median'].get(f), digits)} | "
                     f"{fmt(summary['intercom-gateway']['median'].get(f), digits)} | {fmt(ratios.get(f))} |")
    inst = {p: summary[p]["instructions"] for p in PEERS}
    for label, f in (("instructions (callgrind)", "per_request"), ("of which TLS reads and writes", "tls_per_request"),
                     ("the rest", "rest_per_request"), ("inside malloc and free", "malloc_free_per_request")):
        lines.append(f"| {label} | {fmt(inst['nginx-static-token'][f] if inst['nginx-static-token'] else None)} | "
                     f"{fmt(inst['intercom-gateway'][f] if inst['intercom-gateway'] else None)} | "
                     f"{fmt(ratios.get('instructions_' + f))} |")
    lines += ["", "## Every round", "",
              "| round | peer | req/s | user µs | system µs | system calls | context switches | errors |",
              "|---:|---|---:|---:|---:|---:|---:|---:|"]
    every = sorted((r for p in PEERS for r in summary[p]["rounds"]), key=lambda r: (r["round"], r["peer"]))
    for r in every:
        lines.append(f"| {r['round']} | {r['peer']} | {fmt(r['requests_per_s'], 0)} | {fmt(r['user_us_per_request'])} | "
                     f"{fmt(r['system_us_per_request'])} | {fmt(r['syscalls_per_request'])} | "
                     f"{fmt(r['context_switches_per_request'], 3)} | {r['errors']} |")
    lines += ["", "Callgrind runs: " + "; ".join(
        f"{p}: {inst[p]['requests']:,} requests, {inst[p]['total']:,} instructions, {inst[p]['handshakes']:,} of them "
        f"in handshakes, errors {inst[p]['errors']}" for p in PEERS if inst[p]) + ".", ""]
    lines += ["## Versions", ""]
    for k in ("intercom-gateway", "nginx", "wrk", "openssl", "valgrind", "perf"):
        if k in env["versions"]:
            lines.append(f"- {k}: {env['versions'][k]}")
    lines.append("")
    return "\n".join(lines)


def build(args):
    runs = [json.loads(l) for l in pathlib.Path(args.runs).read_text().splitlines() if l.strip()]
    env = json.loads(pathlib.Path(args.env).read_text())
    summary, ratios = summarize(runs)
    report = {"date": args.date, "environment": env, "peers": summary, "ratios": ratios}
    out = pathlib.Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.date}-profile.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (out / f"{args.date}-profile.md").write_text(markdown(report))
    print(markdown(report))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("record-cpu")
    c.add_argument("runs")
    c.add_argument("--peer", required=True, choices=PEERS)
    c.add_argument("--round", type=int, required=True)
    c.add_argument("--wrk-output", required=True)
    c.add_argument("--perf-csv", required=True)
    c.add_argument("--clk-tck", type=int, required=True)
    c.add_argument("--ticks-before", required=True)
    c.add_argument("--ticks-after", required=True)
    i = sub.add_parser("record-instructions")
    i.add_argument("runs")
    i.add_argument("--peer", required=True, choices=PEERS)
    i.add_argument("--wrk-output", required=True)
    i.add_argument("--callgrind", required=True)
    b = sub.add_parser("build")
    b.add_argument("runs")
    b.add_argument("--env", required=True)
    b.add_argument("--out-dir", required=True)
    b.add_argument("--date", required=True)
    args = parser.parse_args()
    {"record-cpu": record_cpu, "record-instructions": record_instructions, "build": build}[args.command](args)


if __name__ == "__main__":
    main()
