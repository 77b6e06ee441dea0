#!/usr/bin/env bash
# Make a throwaway CA and a server certificate for 127.0.0.1 (and localhost) that it signs, for
# the harness's HTTPS registry. The openssl configuration is fixed; the keys are new each run.
# Usage: scripts/harness/make-tls-certs.sh DIR   (writes ca.pem, ca.key, server.pem, server.key)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D=${1:?usage: make-tls-certs.sh DIR}
command -v openssl >/dev/null || harness_die "openssl not found (apt-get install openssl)"
mkdir -p "$D"
rm -f "$D"/ca.* "$D"/server.*

cat >"$D/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = plummet harness CA
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# P-256 keys: quick to make, and every TLS stack here (Go, rustls, curl) accepts them.
openssl req -x509 -config "$D/openssl.cnf" -extensions ca_ext -days 30 \
    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$D/ca.key" -out "$D/ca.pem" 2>/dev/null
openssl req -new -config "$D/openssl.cnf" -subj /CN=127.0.0.1 \
    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$D/server.key" -out "$D/server.csr" 2>/dev/null
openssl x509 -req -in "$D/server.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 30 \
    -extfile "$D/openssl.cnf" -extensions server_ext -out "$D/server.pem" 2>/dev/null
rm -f "$D/server.csr"
chmod 600 "$D/ca.key" "$D/server.key"
openssl verify -CAfile "$D/ca.pem" "$D/server.pem" >/dev/null ||
    harness_die "the new server certificate does not verify against its CA"
harness_log "made a CA and a certificate for 127.0.0.1 in $D"
