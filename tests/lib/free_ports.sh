# Free loopback ports for the shell tests (tests/deploy, tests/container, tests/kubernetes).
# shellcheck shell=bash

# True when something accepts connections on 127.0.0.1:$1.
port_taken() {
    # shellcheck disable=SC2016  # $1 is expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Sets the array `ports` to $1 distinct ports below the ephemeral range that nothing listens on
# right now (a race with other programs is possible but unlikely; whoever then binds one fails
# with a clear line).
pick_free_ports() {
    local count=$1 p
    ports=()
    while ((${#ports[@]} < count)); do
        p=$(shuf -i 20000-32767 -n 1)
        [[ " ${ports[*]} " == *" $p "* ]] && continue
        port_taken "$p" || ports+=("$p")
    done
}
