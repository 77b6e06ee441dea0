#!/usr/bin/env bash
# Start `podman system service` on $PLUMMET_HARNESS_DIR/podman.sock with storage of its own.
# runc and cgroupfs are required on these machines (crun fails with hybrid cgroups) and the
# network namespace is off because there is no network to give containers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
harness_dir

W=$PLUMMET_HARNESS_DIR
SOCK=$W/podman.sock
LOG=$W/podman.log
TIMEOUT=${PLUMMET_HARNESS_TIMEOUT:-60}

mkdir -p "$W/podman"
# tmp_dir sits in the config, not on the command line, so the CLI and the service share it.
cat >"$W/podman/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
tmp_dir = "$W/podman/tmp"
CONF
printf '[storage]\ndriver = "overlay"\nrunroot = "%s"\ngraphroot = "%s"\n' \
    "$W/podman/run" "$W/podman/root" >"$W/podman/storage.conf"
# The podman CLI must see the same configuration as the service to share its storage.
export CONTAINERS_CONF=$W/podman/containers.conf
export CONTAINERS_STORAGE_CONF=$W/podman/storage.conf

if harness_running podman; then
    harness_log "podman service already running (pid $(cat "$W/pids/podman.pid"))"
    exit 0
fi
command -v podman >/dev/null || harness_die "podman not found (apt-get install podman)"
command -v curl >/dev/null || harness_die "curl not found (apt-get install curl)"

setsid podman system service --time=0 "unix://$SOCK" \
    </dev/null >"$LOG" 2>&1 &
harness_save_pid podman $!
harness_log "podman service started (pid $!), waiting for unix://$SOCK"
harness_wait podman "$LOG" "$TIMEOUT" curl -fsS --unix-socket "$SOCK" http://d/_ping
harness_log "podman answers: $(curl -fsS --unix-socket "$SOCK" http://d/version |
    sed -n 's/.*"ApiVersion":"\([^"]*\)".*/compat API \1/p')"
