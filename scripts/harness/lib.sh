#!/usr/bin/env bash
# Shared helpers for the plummet test harness scripts. Sourced, never run.
#
# Every daemon lives under one private directory, $PLUMMET_HARNESS_DIR, listens on a unix
# socket inside it or on 127.0.0.1, and has its PID in $PLUMMET_HARNESS_DIR/pids/<name>.pid so
# that stop-all.sh can stop exactly what was started, and nothing else.

HARNESS_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

harness_log() { printf '[harness %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
harness_die() { harness_log "ERROR: $*"; exit 1; }

# Make sure $PLUMMET_HARNESS_DIR exists; create a fresh temp dir when it is unset so that a
# script run on its own still works (it says where it put things).
harness_dir() {
    if [[ -z "${PLUMMET_HARNESS_DIR:-}" ]]; then
        PLUMMET_HARNESS_DIR=$(mktemp -d /tmp/plummet-harness.XXXXXX)
        harness_log "PLUMMET_HARNESS_DIR was unset; using $PLUMMET_HARNESS_DIR"
    fi
    export PLUMMET_HARNESS_DIR
    mkdir -p "$PLUMMET_HARNESS_DIR/pids"
}

# harness_save_pid NAME PID: remember a PID for stop-all.sh.
harness_save_pid() { echo "$2" >"$PLUMMET_HARNESS_DIR/pids/$1.pid"; }

# harness_alive PID: true while PID runs. A zombie counts as gone: daemons are reparented to
# PID 1 once their start script exits, and some init processes reap them only now and then.
harness_alive() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n "$state" && "$state" != Z ]]
}

# harness_running NAME: true when NAME was started and its process is still alive.
harness_running() {
    local f="$PLUMMET_HARNESS_DIR/pids/$1.pid"
    [[ -s "$f" ]] && harness_alive "$(cat "$f")"
}

# harness_port_free PORT: fail early and clearly when something else holds a port we need.
harness_port_free() {
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
        harness_die "127.0.0.1:$1 is already in use by another process; stop it first (ss -ltnp | grep :$1)"
    fi
}

# harness_wait NAME LOG TIMEOUT CMD...: poll CMD until it succeeds. On timeout, or when the
# process NAME dies, print the tail of LOG and fail.
harness_wait() {
    local name=$1 log=$2 timeout=$3
    shift 3
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if ! harness_running "$name"; then
            harness_log "$name exited during startup; last lines of $log:"
            tail -n 40 "$log" >&2 || true
            harness_die "$name failed to start"
        fi
        if ((SECONDS >= deadline)); then
            harness_log "$name did not answer within ${timeout}s; last lines of $log:"
            tail -n 40 "$log" >&2 || true
            harness_die "timed out waiting for $name"
        fi
        sleep 0.2
    done
}
