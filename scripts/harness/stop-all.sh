#!/usr/bin/env bash
# Stop everything the harness started (by the PIDs it recorded), unmount what the daemons left
# mounted under $PLUMMET_HARNESS_DIR, and remove that directory. Safe to run twice.
# PLUMMET_HARNESS_KEEP=1 keeps the directory (logs, registry data) for a post-mortem.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

W=${1:-${PLUMMET_HARNESS_DIR:-}}
[[ -n "$W" ]] || harness_die "set PLUMMET_HARNESS_DIR (or pass the harness dir) to say what to stop"
[[ -d "$W" ]] || { harness_log "$W does not exist; nothing to stop"; exit 0; }
W=$(cd "$W" && pwd -P)
# Refuse to touch anything that is not a harness dir: rm -rf follows below.
[[ "$W" != / && -d "$W/pids" ]] || harness_die "$W is not a harness dir (no pids/); refusing"

# stop_pid NAME PID: TERM, wait up to 20 s, then KILL.
stop_pid() {
    local name=$1 pid=$2
    harness_alive "$pid" || return 0
    harness_log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        harness_alive "$pid" || return 0
        sleep 0.2
    done
    harness_log "$name (pid $pid) ignored SIGTERM; killing"
    kill -KILL "$pid" 2>/dev/null || true
}

# Containers a test left running: remove them through their engines first. dockerd would
# stop them itself but slowly (10 s each); podman's would outlive the service.
if harness_alive "$(cat "$W/pids/dockerd.pid" 2>/dev/null || echo 0)"; then
    ids=$(timeout 20 docker --host "unix://$W/docker.sock" ps -aq 2>/dev/null || true)
    [[ -n "$ids" ]] && { timeout 60 docker --host "unix://$W/docker.sock" rm -f $ids >/dev/null 2>&1 || true; }
fi
if harness_alive "$(cat "$W/pids/podman.pid" 2>/dev/null || echo 0)"; then
    CONTAINERS_CONF=$W/podman/containers.conf CONTAINERS_STORAGE_CONF=$W/podman/storage.conf \
        timeout 60 podman rm --all --force --time 2 >/dev/null 2>&1 || true
fi

# dockerd first: it stops its own containerd on the way out.
for name in dockerd podman registry-open registry-basic registry-token registry-tls token-server; do
    f=$W/pids/$name.pid
    [[ -s "$f" ]] && stop_pid "$name" "$(cat "$f")"
    rm -f "$f"
done

# Children the daemons started (containerd, shims, conmon) carry our private path on their
# command line; stop any that outlived their parent, by PID. Only those programs: a user's
# `tail -f` of a harness log is not ours to stop.
for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    comm=$(cat "$proc/comm" 2>/dev/null) || continue
    [[ "$comm" =~ ^(containerd|containerd-shim.*|conmon|runc|docker-proxy)$ ]] || continue
    if tr '\0' ' ' <"$proc/cmdline" 2>/dev/null | grep -qF -- "$W/"; then
        stop_pid "leftover $comm" "$pid"
    fi
done

# Overlay and shm mounts under the dir, deepest first, so rm -rf cannot reach into them.
mapfile -t mounts < <(awk -v w="$W/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
for m in "${mounts[@]}"; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || harness_log "could not unmount $m"
done

if [[ "${PLUMMET_HARNESS_KEEP:-0}" == 1 ]]; then
    harness_log "stopped; kept $W (PLUMMET_HARNESS_KEEP=1)"
elif awk -v w="$W/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    harness_log "stopped; $W still has mounts, not removing it"
else
    rm -rf --one-file-system "$W"
    harness_log "stopped; removed $W"
fi
