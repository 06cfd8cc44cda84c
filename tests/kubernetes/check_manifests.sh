#!/usr/bin/env bash
# Renders each overlay of deploy/kubernetes with `kubectl kustomize` and checks the result with
# check_manifests.mjs: kubernetes-models' schemas, kubernetes-types under tsc --strict, the
# gateway's own rules (hardening, probes on named ports, the grace period against the drain, every
# GATEWAY_*_FILE in a mounted Secret) and `intercom-gateway --check-config` of each ConfigMap; then
# the same checks on planted faults, each of which must be found.
#
#   tests/kubernetes/check_manifests.sh [GATEWAY_BIN]
#
# kubectl: ICG_KUBECTL, else the one on PATH, else Debian's kubernetes-client (installed then).
# Node and tests/kubernetes/node_modules (npm ci) are installed when missing.
set -euo pipefail
test_name=kubernetes_manifests
fail() {
    echo "$test_name: FAIL: $*" >&2
    exit 1
}
# shellcheck source=tests/kubernetes/lib.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"

gateway_bin=${1:-}
[[ -z $gateway_bin || -x $gateway_bin ]] || fail "$gateway_bin is not an executable"

find_kubectl
ensure_node_modules
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

echo "$test_name: rendering with $kubectl ($(kubectl_versions))"
files=()
for overlay in sidecar shared; do
    render "$overlay" "$work/$overlay.yaml"
    files+=("$overlay=$work/$overlay.yaml")
done

check=(node "$k8s_tests/check_manifests.mjs" --self-test --uid 65532
    --secrets-example "$overlays_dir/secrets.example.yaml")
[[ -n $gateway_bin ]] && check+=(--gateway-bin "$gateway_bin")
"${check[@]}" "${files[@]}" || fail "the rendered manifests do not pass (above)"
echo "$test_name: ok"
