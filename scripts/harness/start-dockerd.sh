#!/usr/bin/env bash
# Start a private dockerd (overlay2, no networking, unix socket under $PLUMMET_HARNESS_DIR) and
# give it a base image, plummet-busybox:latest, imported from a busybox-static rootfs, because
# the engine has no registry to pull from.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
harness_dir

W=$PLUMMET_HARNESS_DIR
SOCK=$W/docker.sock
LOG=$W/dockerd.log
TIMEOUT=${PLUMMET_HARNESS_TIMEOUT:-60}

if harness_running dockerd; then
    harness_log "dockerd already running (pid $(cat "$W/pids/dockerd.pid"))"
else
    command -v dockerd >/dev/null || harness_die "dockerd not found (apt-get install docker.io)"
    mkdir -p "$W/docker/root" "$W/docker/exec"
    # A namespace of our own keeps us apart from any system containerd dockerd might find.
    setsid dockerd \
        --storage-driver=overlay2 \
        --iptables=false --ip6tables=false --bridge=none \
        --ip-forward=false --ip-masq=false \
        --host "unix://$SOCK" \
        --data-root "$W/docker/root" --exec-root "$W/docker/exec" \
        --pidfile "$W/docker/dockerd.pid" \
        --containerd-namespace plummet-harness \
        --containerd-plugins-namespace plummet-harness-plugins \
        </dev/null >"$LOG" 2>&1 &
    harness_save_pid dockerd $!
    harness_log "dockerd started (pid $!), waiting for unix://$SOCK"
    harness_wait dockerd "$LOG" "$TIMEOUT" docker --host "unix://$SOCK" version
fi
export DOCKER_HOST=unix://$SOCK
harness_log "dockerd answers: server $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# The base image: busybox-static with a handful of applet links, enough for RUN steps.
if ! docker image inspect plummet-busybox:latest >/dev/null 2>&1; then
    BUSYBOX=$(command -v busybox || true)
    [[ -x /bin/busybox ]] && BUSYBOX=/bin/busybox
    [[ -n "$BUSYBOX" ]] || harness_die "busybox not found (apt-get install busybox-static)"
    ROOTFS=$W/busybox-rootfs
    rm -rf "$ROOTFS"
    mkdir -p "$ROOTFS/bin" "$ROOTFS/tmp" "$ROOTFS/etc" "$ROOTFS/root"
    cp "$BUSYBOX" "$ROOTFS/bin/busybox"
    for applet in sh ls rm mkdir echo cat cp mv chmod touch dd head ln; do
        ln -s busybox "$ROOTFS/bin/$applet"
    done
    chmod 1777 "$ROOTFS/tmp"
    echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOTFS/etc/passwd"
    echo 'root:x:0:' >"$ROOTFS/etc/group"
    tar --numeric-owner --owner=0 --group=0 -C "$ROOTFS" -cf "$W/busybox-rootfs.tar" .
    docker import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
        "$W/busybox-rootfs.tar" plummet-busybox:latest >/dev/null
    rm -rf "$ROOTFS"
    harness_log "imported plummet-busybox:latest"
fi
