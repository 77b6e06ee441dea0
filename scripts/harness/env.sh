#!/usr/bin/env bash
# Print the `export` lines that tell plummet's integration tests where the harness is.
# Usage: scripts/harness/env.sh >"$PLUMMET_HARNESS_DIR/env"; source "$PLUMMET_HARNESS_DIR/env"
# The credentials are fixed, test-only values known to the harness's own daemons.
set -euo pipefail
W=${1:-${PLUMMET_HARNESS_DIR:-}}
[[ -n "$W" && -d "$W" ]] || { echo "env.sh: set PLUMMET_HARNESS_DIR to a started harness" >&2; exit 1; }
W=$(cd "$W" && pwd -P)
OPEN_PORT=5000 BASIC_PORT=5001 TOKEN_REG_PORT=5002 TOKEN_PORT=5003 TLS_PORT=5004
# shellcheck source=/dev/null
[[ -f "$W/registry/ports" ]] && source "$W/registry/ports"
cat <<ENV
export PLUMMET_HARNESS_DIR='$W'
export PLUMMET_TEST_DOCKER_HOST='unix://$W/docker.sock'
export PLUMMET_TEST_DOCKER_BASE_IMAGE='plummet-busybox:latest'
export PLUMMET_TEST_PODMAN_HOST='unix://$W/podman.sock'
export PLUMMET_TEST_PODMAN_CONTAINERS_CONF='$W/podman/containers.conf'
export PLUMMET_TEST_PODMAN_STORAGE_CONF='$W/podman/storage.conf'
export PLUMMET_TEST_REGISTRY='127.0.0.1:$OPEN_PORT'
export PLUMMET_TEST_REGISTRY_BASIC='127.0.0.1:$BASIC_PORT'
export PLUMMET_TEST_REGISTRY_BASIC_USER='plummet'
export PLUMMET_TEST_REGISTRY_BASIC_PASSWORD='s3cret-pass'
export PLUMMET_TEST_REGISTRY_TOKEN='127.0.0.1:$TOKEN_REG_PORT'
export PLUMMET_TEST_REGISTRY_TOKEN_USER='plummet'
export PLUMMET_TEST_REGISTRY_TOKEN_PASSWORD='t0ken-pass'
export PLUMMET_TEST_REGISTRY_TOKEN_REALM='http://127.0.0.1:$TOKEN_PORT/token'
export PLUMMET_TEST_REGISTRY_TOKEN_SERVICE='plummet-registry'
export PLUMMET_TEST_REGISTRY_TLS='127.0.0.1:$TLS_PORT'
export PLUMMET_TEST_REGISTRY_TLS_CA='$W/registry/tls/ca.pem'
ENV
