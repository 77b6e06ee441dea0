#!/usr/bin/env bash
# Print the last lines of every harness log (dockerd, podman, registries, token server), to see
# why a live test failed. Usage: scripts/harness/logs.sh [LINES]
set -uo pipefail
W=${PLUMMET_HARNESS_DIR:-}
if [[ -z "$W" || ! -d "$W" ]]; then
    echo "harness logs: PLUMMET_HARNESS_DIR is unset or gone; no logs to show" >&2
    exit 0
fi
lines=${1:-40}
for log in "$W/dockerd.log" "$W/podman.log" "$W"/registry/*.log; do
    [[ -f "$log" ]] || continue
    echo "===== last $lines lines of $log ====="
    tail -n "$lines" "$log"
done
