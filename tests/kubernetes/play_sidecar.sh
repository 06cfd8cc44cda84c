#!/usr/bin/env bash
# Runs the sidecar overlay for real with `podman kube play`: the image deploy/container/build
# makes (localhost/intercom-gateway:dev), the SPA's init container (a test image holding the demo
# SPA where the overlay's `cp` expects an SPA's files), a real redis-server with a password and
# mock-intercom on the host's loopback. Then it checks, from the host:
#   - the admin listener: /healthz and /readyz answer 200, /metrics answers Prometheus text;
#   - a full OAuth login through the gateway with curl (the page served from the files the init
#     container copied, /auth/session, a proxied /intercom/me), and the session in Redis;
#   - the hardening as the kernel sees it: uid, no capabilities, no_new_privs, seccomp, a
#     read-only root;
#   - the drain: SIGTERM makes /readyz answer 503 at once while new connections are still served,
#     and the gateway exits 0 after server.drain_delay, within terminationGracePeriodSeconds.
#
#   tests/kubernetes/play_sidecar.sh MOCK_INTERCOM_BIN
#
# What the played copy changes, and why, is in podman_copy.mjs: chiefly the Secrets, which
# podman 4.3's kube play cannot mount, become hostPath volumes of this test's folders with the same
# file names at the same mount paths. Podman runs with runc and capped ulimits through a
# containers.conf of the test's own (CONTAINERS_CONF): crun and the default ulimits fail here.
set -euo pipefail
test_name=kubernetes_podman
fail() {
    echo "$test_name: FAIL: $*" >&2
    exit 1
}
# shellcheck source=tests/kubernetes/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

if (($# != 1)) || [[ ! -x $1 ]]; then fail "usage: play_sidecar.sh MOCK_INTERCOM_BIN"; fi
mock_bin=$1
readonly gateway_image=localhost/intercom-gateway:dev
readonly uid=65532
name=icg-ktest-$$
spa_image=localhost/$name-spa:dev
start=$SECONDS

# catatonit: podman 4.3 builds its pause image with it.
ensure_packages podman runc catatonit redis-server curl openssl
find_kubectl
ensure_node_modules

work=$(mktemp -d)
chmod 755 -- "$work"
export CONTAINERS_CONF=$work/containers.conf
cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
EOF

redis_pid='' mock_pid='' played='' volumes=()
cleanup() {
    local status=$?
    if ((status != 0)) && [[ -n $played ]]; then
        echo "--- podman ps" >&2
        podman ps -a --filter "pod=$name-pod-0" >&2 || true
        for c in $(podman ps -a --filter "pod=$name-pod-0" --format '{{.Names}}' 2>/dev/null); do
            [[ $c == *-infra ]] && continue
            echo "--- podman logs $c (last 30 lines)" >&2
            podman logs "$c" 2>&1 | tail -n 30 >&2 || true
        done
        echo "--- mock-intercom log (last 10 lines)" >&2
        tail -n 10 -- "$work/mock.log" >&2 || true
    fi
    if [[ -n $played ]]; then
        podman kube down "$work/play/deployment.yaml" >/dev/null 2>&1 || true
        podman pod rm -f "$name-pod-0" >/dev/null 2>&1 || true
    fi
    ((${#volumes[@]})) && podman volume rm -f "${volumes[@]}" >/dev/null 2>&1
    podman rmi -f "$spa_image" >/dev/null 2>&1 || true
    [[ -n $mock_pid ]] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
    [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf -- "$work"
}
trap cleanup EXIT

# waits SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.1 s until it succeeds.
wait_for() {
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || fail "$what: not within ${seconds} s"
        sleep 0.1
    done
}

# shellcheck source=tests/lib/free_ports.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/../lib/free_ports.sh"
pick_free_ports 4
gateway_port=${ports[0]} admin_port=${ports[1]} redis_port=${ports[2]} mock_port=${ports[3]}

# ---- the images --------------------------------------------------------------------------------
echo "$test_name: deploy/container/build"
"$root/deploy/container/build" >"$work/build.log" 2>&1 || {
    tail -n 40 -- "$work/build.log" >&2
    fail "deploy/container/build failed"
}
image_user=$(podman image inspect --format '{{.Config.User}}' "$gateway_image")
[[ ${image_user%%:*} == "$uid" ]] || fail "$gateway_image runs as '$image_user', the manifests as $uid"

# The SPA's image as the overlay expects one: its files in /usr/share/nginx/html and a cp.
mkdir -p -- "$work/spa-image"
cp -R -- "$root/gateway/static" "$work/spa-image/html"
cat >"$work/spa-image/Containerfile" <<EOF
FROM $gateway_image
COPY html/ /usr/share/nginx/html/
ENTRYPOINT []
CMD []
EOF
podman build --quiet --tag "$spa_image" "$work/spa-image" >/dev/null || fail "could not build $spa_image"

# ---- the Secrets' files, the CA, Redis and the mock --------------------------------------------
deploy_certs=$work/certs
"$root/deploy/make-dev-certs" "$deploy_certs" >/dev/null
mkdir -p -- "$work/secrets/app" "$work/secrets/tls" "$work/secrets/intercom-ca"
redis_password=$(openssl rand -hex 16)
client_secret=$(openssl rand -hex 32)
printf '%s\n' "$client_secret" >"$work/secrets/app/intercom-client-secret"
openssl rand -base64 32 >"$work/secrets/app/session-encryption-key"
printf 'redis://default:%s@127.0.0.1:%s/0\n' "$redis_password" "$redis_port" >"$work/secrets/app/redis-url"
cp -- "$deploy_certs/localhost.pem" "$work/secrets/tls/tls.crt"
cp -- "$deploy_certs/localhost.key" "$work/secrets/tls/tls.key"
cp -- "$deploy_certs/ca.pem" "$work/secrets/intercom-ca/ca.pem"
# As the kubelet makes a Secret volume with fsGroup and defaultMode 0440: readable by the gateway only.
chown -R "root:$uid" -- "$work/secrets"
chmod 750 -- "$work/secrets" "$work/secrets"/*
find "$work/secrets" -type f -exec chmod 440 {} +

redis-server --bind 127.0.0.1 --port "$redis_port" --requirepass "$redis_password" --save '' \
    --appendonly no --daemonize no --logfile "$work/redis.log" >/dev/null 2>&1 &
redis_pid=$!
redis() { REDISCLI_AUTH=$redis_password redis-cli -h 127.0.0.1 -p "$redis_port" "$@"; }
redis_ready() { [[ $(redis ping 2>/dev/null) == PONG ]]; }
wait_for 10 "redis-server on port $redis_port" redis_ready

MOCK_INTERCOM_CLIENT_SECRET=$client_secret "$mock_bin" --listen "127.0.0.1:$mock_port" \
    --cert "$deploy_certs/localhost.pem" --key "$deploy_certs/localhost.key" --client-id demo-client \
    >"$work/mock.log" 2>&1 &
mock_pid=$!
mock_ready() { grep -qF "mock-intercom listening on 127.0.0.1:$mock_port" -- "$work/mock.log"; }
wait_for 20 "mock-intercom on port $mock_port" mock_ready

# ---- render, copy for podman, play ------------------------------------------------------------
render sidecar "$work/sidecar.yaml"
mkdir -p -- "$work/play"
mapfile -t volumes < <(node "$k8s_tests/podman_copy.mjs" "$work/sidecar.yaml" "$work/play" \
    --name "$name" --uid "$uid" \
    --image "registry.example.com/intercom-gateway:0.1.0=$gateway_image" \
    --image "registry.example.com/my-spa:1.0.0=$spa_image" \
    --secret "intercom-gateway=$work/secrets/app" \
    --secret "intercom-gateway-tls=$work/secrets/tls" \
    --mount "intercom-ca=$work/secrets/intercom-ca:/var/run/secrets/intercom-gateway/intercom-ca" \
    --env "GATEWAY_SERVER_LISTEN=127.0.0.1:$gateway_port" \
    --env "GATEWAY_SERVER_PUBLIC_URL=https://localhost:$gateway_port" \
    --env "GATEWAY_ADMIN_LISTEN=127.0.0.1:$admin_port" \
    --env "GATEWAY_INTERCOM_CLIENT_ID=demo-client" \
    --env "GATEWAY_INTERCOM_AUTHORIZE_URL=https://localhost:$mock_port/oauth" \
    --env "GATEWAY_INTERCOM_TOKEN_URL=https://localhost:$mock_port/auth/eagle/token" \
    --env "GATEWAY_INTERCOM_API_BASE=https://localhost:$mock_port" \
    --env "GATEWAY_INTERCOM_CA_FILE=/var/run/secrets/intercom-gateway/intercom-ca/ca.pem") ||
    fail "could not make the podman copy of the sidecar overlay"
podman volume rm -f "${volumes[@]}" >/dev/null 2>&1 || true

echo "$test_name: podman kube play (gateway on 127.0.0.1:$gateway_port, admin on 127.0.0.1:$admin_port)"
played=1
play_start=$SECONDS
podman kube play --configmap "$work/play/configmap.yaml" "$work/play/deployment.yaml" >"$work/play.log" 2>&1 || {
    cat -- "$work/play.log" >&2
    fail "podman kube play failed"
}
gateway_ctr=$name-pod-0-gateway
podman container exists "$gateway_ctr" || fail "no container $gateway_ctr after kube play"

admin=http://127.0.0.1:$admin_port
public=https://localhost:$gateway_port
curl_public=(curl -sS --max-time 10 --cacert "$deploy_certs/ca.pem")
status_of() { curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$@" || true; }
gateway_running() { [[ $(podman inspect --format '{{.State.Status}}' "$gateway_ctr") == running ]]; }
ready() {
    gateway_running || fail "the gateway container is $(podman inspect --format '{{.State.Status}} (exit {{.State.ExitCode}})' "$gateway_ctr")"
    [[ $(status_of "$admin/readyz") == 200 ]]
}
wait_for 60 "GET $admin/readyz answering 200" ready
echo "$test_name: ready $((SECONDS - play_start)) s after kube play"
[[ $(status_of "$admin/healthz") == 200 ]] || fail "GET $admin/healthz did not answer 200"
metrics=$(curl -sS --max-time 5 -D "$work/metrics.head" "$admin/metrics") || fail "GET $admin/metrics failed"
grep -qE '^HTTP/1\.[01] 200' -- "$work/metrics.head" || fail "GET $admin/metrics: $(head -n 1 -- "$work/metrics.head")"
grep -qE '^# (TYPE|HELP) ' <<<"$metrics" || fail "GET $admin/metrics is no Prometheus text"

# ---- the hardening, as the kernel sees the gateway process ---------------------------------
pid=$(podman inspect --format '{{.State.Pid}}' "$gateway_ctr")
proc_status=$(<"/proc/$pid/status")
field() { awk -v k="$1:" '$1 == k { print $2 }' <<<"$proc_status"; }
[[ $(field Uid) == "$uid" ]] || fail "the gateway runs as uid $(field Uid), not $uid"
[[ $(field CapEff) == 0000000000000000 && $(field CapBnd) == 0000000000000000 ]] ||
    fail "the gateway holds capabilities (CapEff $(field CapEff), CapBnd $(field CapBnd))"
[[ $(field NoNewPrivs) == 1 ]] || fail "no_new_privs is not set (allowPrivilegeEscalation: false)"
[[ $(field Seccomp) == 2 ]] || fail "the gateway runs without a seccomp filter"
[[ $(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$gateway_ctr") == true ]] ||
    fail "the gateway's root filesystem is writable"

# ---- a login through the gateway, as a browser would ----------------------------------------
jar=$work/cookies
last=$("${curl_public[@]}" -c "$jar" -b "$jar" -L --max-redirs 5 -o "$work/page.html" \
    -w '%{http_code} %{url_effective}' "$public/auth/login?return_to=/") || fail "the login flow failed (curl)"
[[ $last == "200 $public/" ]] || fail "the login did not end on 200 $public/ but on '$last'"
cmp -s -- "$work/page.html" "$root/gateway/static/index.html" ||
    fail "GET / after the login is not the SPA's index.html that the init container copied"
session=$("${curl_public[@]}" -b "$jar" "$public/auth/session")
[[ $session == *'"authenticated":true'* && $session == *'"id":"ws_demo1"'* ]] ||
    fail "GET /auth/session after the login answered $session"
me_status=$("${curl_public[@]}" -b "$jar" -o "$work/me.json" -w '%{http_code}' "$public/intercom/me")
if [[ $me_status != 200 ]] || ! grep -qF ws_demo1 -- "$work/me.json"; then
    fail "GET /intercom/me through the gateway answered $me_status $(head -c 200 -- "$work/me.json")"
fi
[[ -n $(redis --scan --pattern 'icg:session:*') ]] ||
    fail "no session in Redis (the URL from the Secret's file names it, with its password)"
echo "$test_name: login through the played pod ok"

# ---- the drain ------------------------------------------------------------------------------
drain_delay=5  # server.drain_delay in deploy/kubernetes/sidecar/gateway.toml
grace=$(awk '/terminationGracePeriodSeconds:/ { print $2 }' "$work/play/deployment.yaml")
podman kill --signal TERM "$gateway_ctr" >/dev/null
term_at=$SECONDS
draining() { [[ $(status_of "$admin/readyz") == 503 ]]; }
wait_for 2 "GET /readyz answering 503 after SIGTERM" draining
# New connections are still served while the endpoints drop the pod.
[[ $(status_of --cacert "$deploy_certs/ca.pem" "$public/healthz") == 200 ]] ||
    fail "a new connection during the drain delay was not served"
stopped() { [[ $(podman inspect --format '{{.State.Status}}' "$gateway_ctr") == exited ]]; }
wait_for "$grace" "the gateway exiting after SIGTERM (terminationGracePeriodSeconds)" stopped
took=$((SECONDS - term_at))
code=$(podman inspect --format '{{.State.ExitCode}}' "$gateway_ctr")
[[ $code == 0 ]] || fail "the gateway exited with status $code after SIGTERM"
((took >= drain_delay - 1)) || fail "the gateway exited ${took} s after SIGTERM, before its drain delay"
echo "$test_name: SIGTERM: /readyz 503 at once, exit 0 after ${took} s (grace ${grace} s)"
echo "$test_name: ok in $((SECONDS - start)) s"
