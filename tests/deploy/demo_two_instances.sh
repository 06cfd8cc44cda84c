#!/usr/bin/env bash
# Two demos at once (deploy/local/run) keep their own state and logs: each answers /healthz over
# TLS with the shared demo CA, the first one's logs are intact after the second has started, their
# state folders differ, and Ctrl-C (SIGINT to each process group) leaves no process behind.
#
#   tests/deploy/demo_two_instances.sh [BIN_DIR]
#
# BIN_DIR holds intercom-gateway and mock-intercom already built, passed to deploy/local/run as
# ICG_PREBUILT_BIN_DIR (CTest gives build-asan's); without it the demo builds its own Release
# binaries in build/ first. Both demos use non-default ports, so their state
# is in deploy/local/.state/port-<gateway port>/; the test removes those two folders at the end.
# ICG_DEMO_RUN overrides the script under test (default: deploy/local/run of this repository).
set -euo pipefail

root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
run=${ICG_DEMO_RUN:-$root/deploy/local/run}
state_root=$(cd -- "$(dirname -- "$run")" && pwd)/.state
if (($# >= 1)); then export ICG_PREBUILT_BIN_DIR=$1; fi
work=$(mktemp -d)
readonly ready_seconds=900  # the first demo may have to build the Release binaries

fail() {
    echo "demo_two_instances: FAIL: $*" >&2
    exit 1
}

# shellcheck source=tests/lib/free_ports.sh
source "$root/tests/lib/free_ports.sh"
pick_free_ports 10

pgids=()
cleanup() {
    local g i
    for g in "${pgids[@]}"; do kill -INT -- "-$g" 2>/dev/null || true; done
    for g in "${pgids[@]}"; do
        for ((i = 0; i < 200; i++)); do
            pgrep -g "$g" >/dev/null || break
            sleep 0.1
        done
        if pgrep -g "$g" >/dev/null; then kill -KILL -- "-$g" 2>/dev/null || true; fi
    done
    rm -rf -- "$work" "$state_root/port-${ports[0]}" "$state_root/port-${ports[5]}"
}
trap cleanup EXIT

# Starts one demo in a session of its own (so SIGINT reaches only its group); $1 names it. The
# session leader writes its PID, which is the group's id, before it becomes the script.
start_demo() {
    local name=$1 gateway=$2 mock=$3 internal=$4 redis=$5 admin=$6 i
    # shellcheck disable=SC2016  # $$ and $0 are expanded by the inner bash
    ICG_GATEWAY_PORT=$gateway ICG_MOCK_PORT=$mock ICG_INTERNAL_PORT=$internal ICG_REDIS_PORT=$redis ICG_ADMIN_PORT=$admin \
        setsid bash -c 'echo $$ >"$1"; exec "$0"' "$run" "$work/$name.pgid" >"$work/$name.out" 2>&1 </dev/null &
    for ((i = 0; i < 100; i++)); do
        [[ -s $work/$name.pgid ]] && break
        sleep 0.1
    done
    [[ -s $work/$name.pgid ]] || fail "demo $name did not start"
    pgids+=("$(<"$work/$name.pgid")")
}

# Waits for a demo's banner, failing early when its script ends first.
wait_for_banner() {
    local name=$1 i
    for ((i = 0; i < ready_seconds * 10; i++)); do
        grep -qF "Intercom Gateway demo is running" -- "$work/$name.out" && return 0
        if grep -qE '^run: .*(exited|was not ready|in use|could not)' -- "$work/$name.out"; then
            cat -- "$work/$name.out" >&2
            fail "demo $name did not start"
        fi
        sleep 0.1
    done
    cat -- "$work/$name.out" >&2
    fail "demo $name printed no banner within ${ready_seconds} s"
}

healthz() {
    local port=$1 answer
    answer=$(curl -sS --max-time 5 --cacert "$state_root/certs/ca.pem" "https://localhost:$port/healthz")
    [[ $answer == '{"status":"ok"}' ]] || fail "GET https://localhost:$port/healthz answered '$answer'"
}

a_state=$state_root/port-${ports[0]}
b_state=$state_root/port-${ports[5]}

start_demo a "${ports[0]}" "${ports[1]}" "${ports[2]}" "${ports[3]}" "${ports[4]}"
wait_for_banner a
healthz "${ports[0]}"
grep -qF "Logs         $a_state/logs/" -- "$work/a.out" || fail "demo a does not name its own logs folder"
mkdir -p -- "$work/a-logs"
cp -- "$a_state"/logs/{gateway,redis,mock-intercom}.log "$work/a-logs/"
redis-cli -p "${ports[3]}" set icg-demo-test a >/dev/null

start_demo b "${ports[5]}" "${ports[6]}" "${ports[7]}" "${ports[8]}" "${ports[9]}"
wait_for_banner b
healthz "${ports[5]}"
healthz "${ports[0]}"  # the first demo still serves
# Each has its own admin listener, with its metrics.
for admin in "${ports[4]}" "${ports[9]}"; do
    curl -sf "http://127.0.0.1:$admin/metrics" | grep -q '^intercom_gateway_redis_connected 1' ||
        fail "no metrics on the admin listener at 127.0.0.1:$admin"
done
grep -qF "Logs         $b_state/logs/" -- "$work/b.out" || fail "demo b does not name its own logs folder"

# The first demo's logs were not truncated or rewritten: what they held is still their beginning.
for log in gateway redis mock-intercom; do
    size=$(stat -c %s -- "$work/a-logs/$log.log")
    ((size > 0)) || fail "demo a's $log.log was empty before demo b started"
    cmp -s -n "$size" -- "$work/a-logs/$log.log" "$a_state/logs/$log.log" ||
        fail "demo a's $log.log changed under it when demo b started"
done
grep -qF "listening on 127.0.0.1:${ports[5]} " -- "$b_state/logs/gateway.log" ||
    fail "demo b's gateway.log is not its own"
grep -qF "listening on 127.0.0.1:${ports[5]} " -- "$a_state/logs/gateway.log" &&
    fail "demo b wrote into demo a's gateway.log"
# Separate Redis data folders: each AOF lives under its own demo's state.
[[ -d $a_state/redis/appendonlydir && -d $b_state/redis/appendonlydir ]] ||
    fail "each demo has no Redis data folder of its own"
[[ $(redis-cli -p "${ports[3]}" get icg-demo-test) == a ]] || fail "demo a's Redis lost its data"
[[ -z $(redis-cli -p "${ports[8]}" get icg-demo-test) ]] || fail "demo b's Redis holds demo a's data"
# Separate secrets.
cmp -s -- "$a_state/session-encryption-key" "$b_state/session-encryption-key" &&
    fail "the two demos share a session key"

# Ctrl-C to each: every process of each demo ends, and the first demo's log says it stopped.
for g in "${pgids[@]}"; do kill -INT -- "-$g"; done
for g in "${pgids[@]}"; do
    for ((i = 0; i < 300; i++)); do
        pgrep -g "$g" >/dev/null || break
        sleep 0.1
    done
    if pgrep -g "$g" >/dev/null; then
        ps -o pid,cmd -g "$g" >&2
        fail "process group $g still runs 30 s after SIGINT"
    fi
done
for name in a b; do
    tail -n 1 -- "$work/$name.out" | grep -qF "run: stopped" || fail "demo $name did not report 'run: stopped'"
done
echo "demo_two_instances: ok"
