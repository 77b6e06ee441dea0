#!/usr/bin/env bash
# Start the whole test harness (dockerd, podman service, four registries, one of them HTTPS, and a
# token server) and write $PLUMMET_HARNESS_DIR/env with the variables the integration tests read.
# Progress goes to stderr; stdout gets only the harness dir, so DIR=$(start-all.sh) works.
# If any part fails, everything already started is stopped again; the directory and its logs
# stay for a post-mortem (scripts/harness/logs.sh, then stop-all.sh removes it).
set -euo pipefail
HERE=$(dirname "${BASH_SOURCE[0]}")
source "$HERE/lib.sh"
harness_dir

on_failure() {
    harness_log "harness start failed; stopping what was started, keeping $PLUMMET_HARNESS_DIR"
    PLUMMET_HARNESS_KEEP=1 "$HERE/stop-all.sh" "$PLUMMET_HARNESS_DIR" || true
}
trap on_failure ERR

for part in dockerd podman registry; do
    start=$SECONDS
    "$HERE/start-$part.sh"
    harness_log "$part ready in $((SECONDS - start))s"
done
"$HERE/env.sh" "$PLUMMET_HARNESS_DIR" >"$PLUMMET_HARNESS_DIR/env"
trap - ERR
harness_log "harness up; run: source $PLUMMET_HARNESS_DIR/env"
echo "$PLUMMET_HARNESS_DIR"
