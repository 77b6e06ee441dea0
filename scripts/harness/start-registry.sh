#!/usr/bin/env bash
# Start four registries on 127.0.0.1 and the token server the third one trusts:
#   5000 open, 5001 basic auth (htpasswd, bcrypt), 5002 bearer tokens from 5003 (token-server.py),
#   5004 open over HTTPS, with a certificate from a throwaway CA made at start (registry/tls/).
# The credentials are test-only and fixed so that tests can use them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
harness_dir

W=$PLUMMET_HARNESS_DIR
R=$W/registry
TIMEOUT=${PLUMMET_HARNESS_TIMEOUT:-60}
# PLUMMET_HARNESS_PORT_BASE moves all five ports, for a second harness on the same machine.
BASE=${PLUMMET_HARNESS_PORT_BASE:-5000}
OPEN_PORT=$BASE BASIC_PORT=$((BASE + 1)) TOKEN_REG_PORT=$((BASE + 2)) TOKEN_PORT=$((BASE + 3))
TLS_PORT=$((BASE + 4))
BASIC_USER=plummet BASIC_PASS=s3cret-pass
TOKEN_USER=plummet TOKEN_PASS=t0ken-pass
SERVICE=plummet-registry ISSUER=plummet-token-server

for tool in docker-registry htpasswd openssl python3 curl; do
    command -v "$tool" >/dev/null || harness_die "$tool not found (see .ci/run for the packages)"
done
mkdir -p "$R"
# env.sh reads the ports from here.
cat >"$R/ports" <<PORTS
OPEN_PORT=$OPEN_PORT
BASIC_PORT=$BASIC_PORT
TOKEN_REG_PORT=$TOKEN_REG_PORT
TOKEN_PORT=$TOKEN_PORT
TLS_PORT=$TLS_PORT
PORTS

# answers URL [CURL_ARGS...]: true when URL answers 200 or 401 (an auth-protected /v2/ is "up").
answers() { [[ "$(curl -s -o /dev/null -w '%{http_code}' "${@:2}" "$1")" =~ ^(200|401)$ ]]; }

# start_registry NAME PORT EXTRA_CONFIG [EXTRA_HTTP]: one docker-registry with its own storage
# and log; EXTRA_HTTP goes inside its `http:` map (e.g. `, tls: {...}`).
start_registry() {
    local name=$1 port=$2 extra=$3 extra_http=${4:-}
    if harness_running "$name"; then
        harness_log "$name already running (pid $(cat "$W/pids/$name.pid"))"
        return
    fi
    harness_port_free "$port"
    mkdir -p "$R/$name/data"
    cat >"$R/$name/config.yml" <<CONF
version: 0.1
log: {level: info, formatter: text}
storage:
  filesystem: {rootdirectory: $R/$name/data}
  delete: {enabled: true}
http: {addr: 127.0.0.1:$port, secret: plummet-harness-$name$extra_http}
$extra
CONF
    setsid docker-registry serve "$R/$name/config.yml" </dev/null >"$R/$name.log" 2>&1 &
    harness_save_pid "$name" $!
    harness_log "$name started (pid $!) on 127.0.0.1:$port"
}

start_registry registry-open "$OPEN_PORT" ""

htpasswd -Bbn "$BASIC_USER" "$BASIC_PASS" >"$R/htpasswd"
start_registry registry-basic "$BASIC_PORT" \
    "auth: {htpasswd: {realm: plummet-basic, path: $R/htpasswd}}"

# The token registry trusts a self-signed certificate whose key signs the tokens.
if [[ ! -s "$R/token.key" ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=plummet-token-server" \
        -keyout "$R/token.key" -out "$R/token.crt" 2>/dev/null
fi
start_registry registry-token "$TOKEN_REG_PORT" \
    "auth: {token: {realm: http://127.0.0.1:$TOKEN_PORT/token, service: $SERVICE, issuer: $ISSUER, rootcertbundle: $R/token.crt}}"

if harness_running token-server; then
    harness_log "token-server already running (pid $(cat "$W/pids/token-server.pid"))"
else
    harness_port_free "$TOKEN_PORT"
    PLUMMET_TOKEN_LISTEN=127.0.0.1:$TOKEN_PORT PLUMMET_TOKEN_KEY=$R/token.key \
        PLUMMET_TOKEN_CERT=$R/token.crt PLUMMET_TOKEN_SERVICE=$SERVICE PLUMMET_TOKEN_ISSUER=$ISSUER \
        PLUMMET_TOKEN_USER=$TOKEN_USER PLUMMET_TOKEN_PASSWORD=$TOKEN_PASS \
        PLUMMET_TOKEN_TTL=${PLUMMET_HARNESS_TOKEN_TTL:-300} \
        setsid python3 -u "$HARNESS_SCRIPTS/token-server.py" </dev/null >"$R/token-server.log" 2>&1 &
    harness_save_pid token-server $!
    harness_log "token-server started (pid $!) on 127.0.0.1:$TOKEN_PORT"
fi

# The HTTPS registry: a fresh CA and server key each time it starts (never while it runs, so
# that the CA in the env file stays the one its certificate chains to).
if ! harness_running registry-tls; then
    "$HARNESS_SCRIPTS/make-tls-certs.sh" "$R/tls"
fi
start_registry registry-tls "$TLS_PORT" "" \
    ", tls: {certificate: $R/tls/server.pem, key: $R/tls/server.key}"

harness_wait registry-open "$R/registry-open.log" "$TIMEOUT" answers "http://127.0.0.1:$OPEN_PORT/v2/"
harness_wait registry-basic "$R/registry-basic.log" "$TIMEOUT" answers "http://127.0.0.1:$BASIC_PORT/v2/"
harness_wait registry-token "$R/registry-token.log" "$TIMEOUT" answers "http://127.0.0.1:$TOKEN_REG_PORT/v2/"
harness_wait token-server "$R/token-server.log" "$TIMEOUT" curl -fsS "http://127.0.0.1:$TOKEN_PORT/healthz"
# --cacert: the registry must answer with a certificate that verifies against the harness CA.
harness_wait registry-tls "$R/registry-tls.log" "$TIMEOUT" \
    answers "https://127.0.0.1:$TLS_PORT/v2/" --cacert "$R/tls/ca.pem"
harness_log "registries answer on 127.0.0.1:$OPEN_PORT (open), :$BASIC_PORT (basic), :$TOKEN_REG_PORT (token via :$TOKEN_PORT), :$TLS_PORT (https)"
