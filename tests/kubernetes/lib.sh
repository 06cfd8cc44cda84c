# Shared by tests/kubernetes/*.sh: packages, kubectl, node_modules and rendering the overlays.
# shellcheck shell=bash
: "${test_name:?set test_name before sourcing lib.sh}"

k8s_tests=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
root=$(cd -- "$k8s_tests/../.." && pwd)
overlays_dir=$root/deploy/kubernetes
readonly k8s_tests root overlays_dir

as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        fail "not root and no sudo: cannot run $*"
    fi
}

# Installs the Debian packages named that are not installed yet (quiet when all are).
ensure_packages() {
    local p missing=()
    for p in "$@"; do
        [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
    done
    ((${#missing[@]})) || return 0
    echo "$test_name: installing ${missing[*]}"
    as_root apt-get update -qq || fail "apt-get update failed"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
        fail "apt-get install ${missing[*]} failed"
}

# The kubectl to render with: ICG_KUBECTL, else the one on PATH, else Debian's kubernetes-client
# (kubectl 1.20 with kustomize v2.0.3), installed only when there is no kubectl at all.
find_kubectl() {
    kubectl=${ICG_KUBECTL:-}
    if [[ -z $kubectl ]]; then
        command -v kubectl >/dev/null || ensure_packages kubernetes-client
        kubectl=$(command -v kubectl) || fail "no kubectl after installing kubernetes-client"
    fi
    [[ -x $kubectl ]] || fail "ICG_KUBECTL=$kubectl is not an executable"
}

# tests/kubernetes/node_modules from package-lock.json, again only when the lock file changed.
# The two tests may start together: one runs npm ci, the other waits for it.
ensure_node_modules() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then ensure_packages nodejs npm; fi
    # shellcheck disable=SC2094  # the folder is only the lock's handle
    (
        flock 9
        if [[ ! -e $k8s_tests/node_modules/.package-lock.json ||
              $k8s_tests/package-lock.json -nt $k8s_tests/node_modules/.package-lock.json ]]; then
            echo "$test_name: npm ci in tests/kubernetes"
            cd -- "$k8s_tests" && npm ci --no-audit --no-fund --loglevel=error >/dev/null
        fi
    ) 9<"$k8s_tests"
}

# render OVERLAY OUT: kubectl kustomize deploy/kubernetes/OVERLAY > OUT; fails with kubectl's words.
render() {
    local overlay=$1 out=$2
    if ! "$kubectl" kustomize "$overlays_dir/$overlay" >"$out" 2>"$out.err"; then
        grep -v 'is deprecated' -- "$out.err" >&2 || true
        fail "$kubectl kustomize deploy/kubernetes/$overlay failed"
    fi
    [[ -s $out ]] || fail "$kubectl kustomize deploy/kubernetes/$overlay rendered nothing"
}

kubectl_versions() {
    "$kubectl" version --client 2>/dev/null | tr '\n' ' ' | sed -E 's/ +$//'
}
