#!/usr/bin/env bash
# The container image (deploy/container/Containerfile), built by deploy/container/build and run as
# production would run it: read-only root filesystem without tmpfs, no capabilities, config and
# secrets mounted read-only, secrets through GATEWAY_*_FILE. Against a real redis-server and the
# mock Intercom on the host's loopback (the container shares the host's network), it checks:
# /readyz answers 200; a whole OAuth login through the gateway with curl ends on the SPA served
# from the image; /auth/session and a proxied /intercom/me answer with the mock's admin; the
# process runs as uid/gid 65532 with no capabilities; the root filesystem is read-only; the image
# holds no shell (nor Perl); `podman stop` (SIGTERM) drains (/readyz 503 "draining") and exits 0,
# and the log shows the drain.
#
#   tests/container/container_image.sh MOCK_INTERCOM_BIN
#
# MOCK_INTERCOM_BIN is a mock-intercom built on the host (CTest gives build-asan's). The image is
# built at a lower CPU priority (nice), so tests running beside it keep their share.
set -euo pipefail

readonly uid=65532
readonly image=localhost/intercom-gateway:dev
readonly admin_email=container-test@example.com
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
started=$SECONDS

log() { echo "container_image: $*" >&2; }

(($# == 1)) || { log "usage: tests/container/container_image.sh MOCK_INTERCOM_BIN"; exit 2; }
mock_bin=$1
[[ -x $mock_bin ]] || { log "no mock-intercom at '$mock_bin'"; exit 2; }
for tool in redis-server redis-cli curl openssl flock; do
    command -v "$tool" >/dev/null || { log "needs $tool (tests/run installs it)"; exit 2; }
done

podman=(podman --runtime runc)
limits=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768)
work=$(mktemp -d "${TMPDIR:-/tmp}/icg-container-test.XXXXXX")
container=icg-container-test-$$
redis_pid='' mock_pid='' stop_pid='' container_started=0

cleanup() {
    local code=$?
    if ((container_started)); then "${podman[@]}" rm --force --time 0 "$container" >/dev/null 2>&1 || true; fi
    local pid
    for pid in "$stop_pid" "$mock_pid" "$redis_pid"; do
        [[ -n $pid ]] || continue
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf -- "$work"
    exit "$code"
}
trap cleanup EXIT

fail() {
    log "FAIL: $*"
    if ((container_started)); then
        log "the gateway's log (last 40 lines):"
        "${podman[@]}" logs --tail 40 "$container" 2>&1 | sed 's/^/    /' >&2 || true
    fi
    if [[ -s $work/mock.log ]]; then
        log "mock-intercom's log (last 10 lines):"
        tail -n 10 -- "$work/mock.log" | sed 's/^/    /' >&2
    fi
    exit 1
}

# Polls `$3...` every 0.1 s until it succeeds, for at most $2 seconds; $1 says what is awaited.
wait_for() {
    local what=$1 seconds=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || fail "$what: not within ${seconds} s"
        sleep 0.1
    done
}

alive() { kill -0 "$1" 2>/dev/null; }

# ---- The image ----------------------------------------------------------------------------

build_started=$SECONDS
nice -n 10 "$root/deploy/container/build" || fail "deploy/container/build failed"
build_seconds=$((SECONDS - build_started))

# The image holds no shell and no Perl: a container asked to run one cannot start it (each is
# given a program that would succeed).
for run in "/bin/sh -c true" "/usr/bin/perl -e 1"; do
    read -r interpreter option program <<<"$run"
    code=0
    "${podman[@]}" run --rm --network none "${limits[@]}" --entrypoint "$interpreter" "$image" \
        "$option" "$program" >"$work/interpreter.out" 2>&1 || code=$?
    if ((code != 127)) || ! grep -qiE "$interpreter.*(no such file|not found)" -- "$work/interpreter.out"; then
        fail "the image runs $interpreter (status $code): $(<"$work/interpreter.out")"
    fi
done

# ---- Certificates, secrets and configuration ----------------------------------------------

"$root/deploy/make-dev-certs" "$work/certs" >/dev/null
mkdir -m 700 -- "$work/tls" "$work/secrets"
cp -- "$work/certs/localhost.pem" "$work/certs/localhost.key" "$work/tls/"
cp -- "$work/certs/ca.pem" "$work/ca.pem"
openssl rand -base64 32 >"$work/secrets/session-encryption-key"
openssl rand -hex 32 >"$work/secrets/intercom-client-secret"

# shellcheck source=tests/lib/free_ports.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../lib/free_ports.sh"
pick_free_ports 4
gateway_port=${ports[0]} mock_port=${ports[1]} redis_port=${ports[2]} admin_port=${ports[3]}
printf 'redis://127.0.0.1:%s/0\n' "$redis_port" >"$work/secrets/redis-url"

# Readable by the container's user only, as a Kubernetes secret with its fsGroup would be.
chown -R "$uid:$uid" -- "$work/tls" "$work/secrets"
chmod 500 -- "$work/tls" "$work/secrets"
chmod 400 -- "$work"/tls/* "$work"/secrets/*

cat >"$work/gateway.toml" <<EOF
[server]
listen = "127.0.0.1:${gateway_port}"
public_url = "https://localhost:${gateway_port}"
static_dir = "/usr/local/share/intercom-gateway/static"
threads = 2
drain_delay = "2s"
shutdown_timeout = "5s"

[admin]
listen = "127.0.0.1:${admin_port}"

[tls]
cert_file = "/run/secrets/intercom-gateway-tls/localhost.pem"
key_file = "/run/secrets/intercom-gateway-tls/localhost.key"

[intercom]
client_id = "demo-client"
authorize_url = "https://localhost:${mock_port}/oauth"
token_url = "https://localhost:${mock_port}/auth/eagle/token"
api_base = "https://localhost:${mock_port}"
ca_file = "/etc/intercom-gateway/ca.pem"
EOF
chmod 444 -- "$work/gateway.toml" "$work/ca.pem"

# ---- Redis and the mock Intercom on the host ----------------------------------------------

redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize no \
    --dir "$work" --logfile "$work/redis.log" >/dev/null 2>&1 &
redis_pid=$!
redis_ready() {
    alive "$redis_pid" || fail "redis-server ended: $(tail -n 5 -- "$work/redis.log" 2>/dev/null)"
    [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]]
}
wait_for "redis-server on port $redis_port" 10 redis_ready

MOCK_INTERCOM_CLIENT_SECRET=$(<"$work/secrets/intercom-client-secret") \
    "$mock_bin" --listen "127.0.0.1:${mock_port}" --cert "$work/certs/localhost.pem" \
    --key "$work/certs/localhost.key" --client-id demo-client --admin-email "$admin_email" \
    >"$work/mock.log" 2>&1 &
mock_pid=$!
mock_ready() {
    alive "$mock_pid" || fail "mock-intercom ended"
    grep -qF "mock-intercom listening on 127.0.0.1:${mock_port}" -- "$work/mock.log"
}
wait_for "mock-intercom on port $mock_port" 20 mock_ready

# ---- The gateway in its container ---------------------------------------------------------

secrets=/run/secrets/intercom-gateway
"${podman[@]}" run --detach --name "$container" --network host --log-driver k8s-file \
    --read-only --read-only-tmpfs=false --cap-drop all --security-opt no-new-privileges "${limits[@]}" \
    --volume "$work/gateway.toml:/etc/intercom-gateway/gateway.toml:ro" \
    --volume "$work/ca.pem:/etc/intercom-gateway/ca.pem:ro" \
    --volume "$work/tls:/run/secrets/intercom-gateway-tls:ro" \
    --volume "$work/secrets:$secrets:ro" \
    --env "GATEWAY_INTERCOM_CLIENT_SECRET_FILE=$secrets/intercom-client-secret" \
    --env "GATEWAY_SESSION_ENCRYPTION_KEY_FILE=$secrets/session-encryption-key" \
    --env "GATEWAY_REDIS_URL_FILE=$secrets/redis-url" \
    "$image" >/dev/null || fail "podman run failed"
container_started=1
run_started=$SECONDS

inspect() { "${podman[@]}" inspect --format "$1" "$container"; }
gateway_url=https://localhost:$gateway_port
curl_gateway() { curl -sS --max-time 10 --cacert "$work/ca.pem" "$@"; }

ready() {
    [[ $(inspect '{{.State.Running}}') == true ]] || fail "the container ended (exit code $(inspect '{{.State.ExitCode}}'))"
    [[ $(curl_gateway -o /dev/null -w '%{http_code}' "$gateway_url/readyz" 2>/dev/null) == 200 ]]
}
wait_for "GET /readyz answering 200" 30 ready
log "ready $((SECONDS - run_started)) s after podman run"

# ---- Who runs, and on what filesystem -----------------------------------------------------

pid=$(inspect '{{.State.Pid}}')
[[ $pid =~ ^[1-9][0-9]*$ ]] || fail "podman inspect gave no PID ('$pid')"
[[ $(inspect '{{.Config.User}}') == "$uid:$uid" ]] || fail "the image's user is '$(inspect '{{.Config.User}}')'"
status=$(<"/proc/$pid/status")
field() { awk -v key="$1:" '$1 == key { $1 = ""; print substr($0, 2) }' <<<"$status"; }
[[ $(field Name) == intercom-gatewa* ]] || fail "the container's main process is '$(field Name)', not the gateway"
[[ $(field Uid) == "$uid $uid $uid $uid" ]] || fail "the gateway runs as uids '$(field Uid)', not $uid"
[[ $(field Gid) == "$uid $uid $uid $uid" ]] || fail "the gateway runs as gids '$(field Gid)', not $uid"
[[ $(field CapEff) =~ ^0+$ ]] || fail "the gateway holds capabilities: CapEff $(field CapEff)"
[[ $(field NoNewPrivs) == 1 ]] || fail "no_new_privs is not set"

[[ $(inspect '{{.HostConfig.ReadonlyRootfs}}') == true ]] || fail "HostConfig.ReadonlyRootfs is not true"
# The root mount as the gateway sees it is read-only, and no tmpfs makes /tmp, /run or /var/tmp
# writable (podman adds them to --read-only unless told not to; Kubernetes adds none).
root_options=$(awk '$5 == "/" { print $6 }' "/proc/$pid/mountinfo")
[[ ,$root_options, == *,ro,* ]] || fail "the root filesystem is mounted '$root_options', not read-only"
scratch=$(awk '$5 == "/tmp" || $5 == "/run" || $5 == "/var/tmp" { print $5 }' "/proc/$pid/mountinfo")
[[ -z $scratch ]] || fail "writable folders mounted in the container: $scratch"

# ---- A login, the session and a proxied call ----------------------------------------------

jar=$work/cookies
# /auth/login → the mock's /oauth (approves at once) → /auth/callback → the SPA's page.
login=$(curl_gateway -L --max-redirs 5 -c "$jar" -b "$jar" -o "$work/landing.html" \
    -w '%{http_code} %{num_redirects} %{url_effective}' "$gateway_url/auth/login?return_to=/")
[[ $login == "200 3 $gateway_url/" ]] || fail "the login ended '$login', not '200 3 $gateway_url/'"
grep -qi '<html' -- "$work/landing.html" || fail "the login did not end on the SPA's page"
cmp -s -- "$work/landing.html" "$root/gateway/static/index.html" ||
    fail "the page served is not gateway/static/index.html"
grep -qE $'\t__Host-icg-session\t' -- "$jar" || fail "no session cookie after the login"

session=$(curl_gateway -b "$jar" -w '\n%{http_code}' "$gateway_url/auth/session")
[[ ${session##*$'\n'} == 200 && $session == *'"authenticated":true'* && $session == *"$admin_email"* ]] ||
    fail "GET /auth/session answered '$session'"

me=$(curl_gateway -b "$jar" -w '\n%{http_code}' "$gateway_url/intercom/me")
[[ ${me##*$'\n'} == 200 ]] || fail "GET /intercom/me answered '$me'"
[[ $me == *"\"email\":\"$admin_email\""* && $me == *'"id_code":"ws_demo1"'* ]] ||
    fail "GET /intercom/me did not answer the mock's admin: '$me'"
# A state-changing call needs the CSRF header, and reaches the mock with it.
refused=$(curl_gateway -b "$jar" -o /dev/null -w '%{http_code}' -X POST "$gateway_url/intercom/me")
[[ $refused == 403 ]] || fail "POST /intercom/me without X-CSRF answered $refused, not 403"

# ---- SIGTERM: drain, then exit 0 ----------------------------------------------------------

stop_started=$SECONDS
"${podman[@]}" stop --time 30 "$container" >/dev/null 2>"$work/stop.err" &
stop_pid=$!
draining() {
    local answer
    answer=$(curl_gateway -w ' %{http_code}' "$gateway_url/readyz" 2>/dev/null) || return 1
    [[ $answer == *draining*' 503' ]]
}
wait_for "GET /readyz answering 503 draining after SIGTERM" 10 draining
wait "$stop_pid" || fail "podman stop failed: $(<"$work/stop.err")"
stop_pid=''
stop_seconds=$((SECONDS - stop_started))
[[ $(inspect '{{.State.Running}}') == false ]] || fail "the container still runs after podman stop"
code=$(inspect '{{.State.ExitCode}}')
[[ $code == 0 ]] || fail "the gateway exited $code after SIGTERM (137 would be podman's SIGKILL)"
"${podman[@]}" logs "$container" >"$work/gateway.log" 2>&1
for line in "received SIGTERM; serving new connections for server.drain_delay" \
    "drain delay over: no new connections are accepted" '"stopped"'; do
    grep -qF -- "$line" "$work/gateway.log" || fail "the gateway's log has no line with '$line'"
done

log "image built in ${build_seconds} s; stopped in ${stop_seconds} s; whole test $((SECONDS - started)) s"
log "ok"
