#!/usr/bin/env bash
# Check that a started harness really works end to end: build an image with whiteouts in dockerd,
# save it, push it to each registry (with and without credentials; over HTTPS with the harness's
# CA), load it into podman, read podman's compat API and push a two-platform index. Needs the env
# file sourced first.
# Usage: source "$PLUMMET_HARNESS_DIR/env" && scripts/harness/smoke.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${PLUMMET_TEST_DOCKER_HOST:?source \$PLUMMET_HARNESS_DIR/env first}"

S=$PLUMMET_HARNESS_DIR/smoke
rm -rf "$S" && mkdir -p "$S/ctx" "$S/docker-config"
# A private client config keeps `docker login` away from the user's ~/.docker.
export DOCKER_HOST=$PLUMMET_TEST_DOCKER_HOST DOCKER_CONFIG=$S/docker-config
export CONTAINERS_CONF=$PLUMMET_TEST_PODMAN_CONTAINERS_CONF
export CONTAINERS_STORAGE_CONF=$PLUMMET_TEST_PODMAN_STORAGE_CONF
REG=$PLUMMET_TEST_REGISTRY BASIC=$PLUMMET_TEST_REGISTRY_BASIC TOKEN=$PLUMMET_TEST_REGISTRY_TOKEN
BASIC_CREDS=$PLUMMET_TEST_REGISTRY_BASIC_USER:$PLUMMET_TEST_REGISTRY_BASIC_PASSWORD
TOKEN_CREDS=$PLUMMET_TEST_REGISTRY_TOKEN_USER:$PLUMMET_TEST_REGISTRY_TOKEN_PASSWORD
ok() { harness_log "ok: $*"; }
expect_fail() { if "$@" >/dev/null 2>&1; then harness_die "expected failure: $*"; fi; }

echo hello >"$S/ctx/a.txt"
head -c 100000 /dev/urandom >"$S/ctx/big.bin"
cat >"$S/ctx/Dockerfile" <<'DF'
FROM plummet-busybox:latest
COPY a.txt big.bin /data/
RUN rm /data/big.bin && mkdir /x && echo hi >/x/y
USER 1000
DF
docker build -q --network none -t plummet/smoke:1 "$S/ctx" >/dev/null
docker save plummet/smoke:1 -o "$S/smoke.tar"
tar -tf "$S/smoke.tar" | grep -q manifest.json
ok "docker build (COPY, RUN rm, USER) and docker save"

docker tag plummet/smoke:1 "$REG/plummet/smoke:1"
docker push -q "$REG/plummet/smoke:1" >/dev/null
ok "docker push to the open registry $REG"

docker tag plummet/smoke:1 "$BASIC/plummet/smoke:1"
expect_fail docker push "$BASIC/plummet/smoke:1"
docker login -u "${BASIC_CREDS%%:*}" --password-stdin "$BASIC" <<<"${BASIC_CREDS#*:}" >/dev/null 2>&1
docker push -q "$BASIC/plummet/smoke:1" >/dev/null
skopeo copy -q --dest-tls-verify=false --dest-creds "$BASIC_CREDS" \
    "docker-archive:$S/smoke.tar" "docker://$BASIC/plummet/smoke-skopeo:1"
expect_fail skopeo inspect --tls-verify=false --creds plummet:wrong "docker://$BASIC/plummet/smoke:1"
ok "basic-auth registry $BASIC: docker login/push, skopeo --dest-creds, wrong password refused"

skopeo copy -q --dest-tls-verify=false --dest-creds "$TOKEN_CREDS" \
    "docker-archive:$S/smoke.tar" "docker://$TOKEN/plummet/smoke:1"
skopeo inspect --tls-verify=false --creds "$TOKEN_CREDS" "docker://$TOKEN/plummet/smoke:1" >/dev/null
expect_fail skopeo inspect --tls-verify=false "docker://$TOKEN/plummet/smoke:1"
expect_fail skopeo inspect --tls-verify=false --creds plummet:wrong "docker://$TOKEN/plummet/smoke:1"
code=$(curl -s -o /dev/null -w '%{http_code}' -u plummet:wrong "$PLUMMET_TEST_REGISTRY_TOKEN_REALM?service=$PLUMMET_TEST_REGISTRY_TOKEN_SERVICE")
[[ "$code" == 401 ]] || harness_die "token server answered $code to a wrong password"
token_status() { # token_status TTL: registry status for a manifest GET with a token of that TTL
    local t
    t=$(curl -fsS -u "$TOKEN_CREDS" "$PLUMMET_TEST_REGISTRY_TOKEN_REALM?service=$PLUMMET_TEST_REGISTRY_TOKEN_SERVICE&scope=repository:plummet/smoke:pull&ttl=$1" |
        sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $t" \
        -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
        "http://$TOKEN/v2/plummet/smoke/manifests/1"
}
[[ "$(token_status 300)" == 200 ]] || harness_die "a fresh token was refused"
[[ "$(token_status -600)" == 401 ]] || harness_die "an expired token was accepted"
ok "token registry $TOKEN: skopeo with creds, 401 without or with a wrong password, expired token refused"

mkdir -p "$S/certs" && cp "$PLUMMET_TEST_REGISTRY_TLS_CA" "$S/certs/ca.crt"
skopeo copy -q --dest-cert-dir "$S/certs" "docker-archive:$S/smoke.tar" \
    "docker://$PLUMMET_TEST_REGISTRY_TLS/plummet/smoke:1"
expect_fail skopeo inspect "docker://$PLUMMET_TEST_REGISTRY_TLS/plummet/smoke:1"
curl -fsS --cacert "$PLUMMET_TEST_REGISTRY_TLS_CA" -o /dev/null \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "https://$PLUMMET_TEST_REGISTRY_TLS/v2/plummet/smoke/manifests/1"
ok "HTTPS registry $PLUMMET_TEST_REGISTRY_TLS: skopeo and curl trust its CA, skopeo refuses it without"

podman load -q -i "$S/smoke.tar" >/dev/null
curl -fsS --unix-socket "${PLUMMET_TEST_PODMAN_HOST#unix://}" http://d/v1.41/images/json | grep -q plummet/smoke
ok "podman load and compat API /images/json"

printf 'FROM scratch\nCOPY a.txt /a.txt\n' >"$S/ctx/Containerfile.scratch"
podman manifest rm localhost/plummet/smoke-multi:1 >/dev/null 2>&1 || true
podman manifest create localhost/plummet/smoke-multi:1 >/dev/null
for arch in amd64 arm64; do
    # --no-cache: otherwise the second platform reuses the first one's image.
    podman build -q --no-cache --isolation chroot --platform "linux/$arch" \
        -f "$S/ctx/Containerfile.scratch" -t "localhost/plummet/smoke-$arch:1" "$S/ctx" >/dev/null
    podman manifest add localhost/plummet/smoke-multi:1 "containers-storage:localhost/plummet/smoke-$arch:1" >/dev/null
done
podman manifest push -q --all --tls-verify=false localhost/plummet/smoke-multi:1 \
    "docker://$REG/plummet/smoke-multi:1" >/dev/null 2>&1
n=$(skopeo inspect --raw --tls-verify=false "docker://$REG/plummet/smoke-multi:1" | grep -o '"architecture"' | wc -l)
[[ "$n" == 2 ]] || harness_die "pushed index lists $n platforms, expected 2"
ok "podman manifest push --all: two-platform index in $REG"
harness_log "smoke test passed"
