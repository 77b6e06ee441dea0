#!/usr/bin/env python3
"""A test-only Docker registry token server (the "Docker Registry v2 auth via central service" flow).

The registry on 127.0.0.1:5002 sends clients here for a bearer token. We check the user's password
with HTTP basic auth, grant the requested repository actions (pull, push) and sign an RS256 JWT
with the key whose certificate the registry trusts. Signing goes through the `openssl` command so
that this needs nothing beyond the Python standard library.

Environment:
  PLUMMET_TOKEN_LISTEN    host:port to listen on (default 127.0.0.1:5003)
  PLUMMET_TOKEN_KEY       PEM private key (RSA) used to sign
  PLUMMET_TOKEN_CERT      PEM certificate of that key (the registry's rootcertbundle)
  PLUMMET_TOKEN_SERVICE   service name, the token's audience (default plummet-registry)
  PLUMMET_TOKEN_ISSUER    issuer (default plummet-token-server)
  PLUMMET_TOKEN_USER      user name (default plummet)
  PLUMMET_TOKEN_PASSWORD  password (default t0ken-pass)
  PLUMMET_TOKEN_TTL       token lifetime in seconds (default 300)

Test-only extension: a `ttl=<seconds>` query parameter overrides the lifetime for one token;
a negative value yields a token that has already expired (the registry allows about a minute of
clock skew, so use -600 or lower to be sure it is rejected).
"""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ALLOWED_ACTIONS = {"pull", "push", "delete", "*"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def libtrust_kid(cert_path: str) -> str:
    """The key id the registry expects in the JWT header: base32 of the first 30 bytes of
    sha256(SubjectPublicKeyInfo DER), in twelve groups of four joined by ':'."""
    pub_pem = subprocess.run(
        ["openssl", "x509", "-in", cert_path, "-noout", "-pubkey"],
        check=True, capture_output=True,
    ).stdout
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-outform", "DER"],
        input=pub_pem, check=True, capture_output=True,
    ).stdout
    b32 = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode("ascii").rstrip("=")
    return ":".join(b32[i:i + 4] for i in range(0, 48, 4))


class Config:
    def __init__(self) -> None:
        host, _, port = os.environ.get("PLUMMET_TOKEN_LISTEN", "127.0.0.1:5003").rpartition(":")
        self.listen = (host, int(port))
        self.key = os.environ["PLUMMET_TOKEN_KEY"]
        self.cert = os.environ["PLUMMET_TOKEN_CERT"]
        self.service = os.environ.get("PLUMMET_TOKEN_SERVICE", "plummet-registry")
        self.issuer = os.environ.get("PLUMMET_TOKEN_ISSUER", "plummet-token-server")
        self.user = os.environ.get("PLUMMET_TOKEN_USER", "plummet")
        self.password = os.environ.get("PLUMMET_TOKEN_PASSWORD", "t0ken-pass")
        self.ttl = int(os.environ.get("PLUMMET_TOKEN_TTL", "300"))
        self.kid = libtrust_kid(self.cert)


def parse_scopes(scopes: list[str], authenticated: bool) -> list[dict]:
    """Turn `repository:name:pull,push` scopes into JWT access entries. Anonymous callers get a
    token with no access at all, as public registries do for private repositories."""
    access = []
    for scope in scopes:
        for one in scope.split(" "):
            parts = one.split(":")
            if len(parts) < 3:
                continue
            kind, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
            granted = [a for a in actions if a in ALLOWED_ACTIONS] if authenticated else []
            access.append({"type": kind, "name": name, "actions": granted})
    return access


class Handler(BaseHTTPRequestHandler):
    server_version = "plummet-token-server/1"
    config: Config

    def log_message(self, fmt: str, *args) -> None:
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def reply(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def unauthorized(self) -> None:
        self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]},
                   {"WWW-Authenticate": 'Basic realm="plummet-token-server"'})

    def basic_credentials(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return ("", "")
        return user, password

    def check(self, creds: tuple[str, str] | None) -> bool | None:
        """None: anonymous; True: good credentials; False: bad ones."""
        if creds is None:
            return None
        cfg = self.config
        return hmac.compare_digest(creds[0], cfg.user) and hmac.compare_digest(creds[1], cfg.password)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self.reply(200, {"ok": True})
            return
        if url.path != "/token":
            self.reply(404, {"error": "not found"})
            return
        query = parse_qs(url.query)
        creds = self.basic_credentials()
        ok = self.check(creds)
        if ok is False:
            self.unauthorized()
            return
        self.issue(query, creds[0] if ok else "", bool(ok), oauth=False)

    def do_POST(self) -> None:
        # The OAuth2 password grant that containerd and newer Docker clients may use.
        url = urlsplit(self.path)
        if url.path != "/token":
            self.reply(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        if form.get("grant_type", [""])[0] != "password":
            self.reply(400, {"error": "unsupported_grant_type"})
            return
        creds = (form.get("username", [""])[0], form.get("password", [""])[0])
        if not self.check(creds):
            self.unauthorized()
            return
        self.issue(form, creds[0], True, oauth=True)

    def issue(self, query: dict, subject: str, authenticated: bool, oauth: bool) -> None:
        cfg = self.config
        ttl = cfg.ttl
        if "ttl" in query:
            ttl = int(query["ttl"][0])
        now = int(time.time())
        scopes = query.get("scope", [])
        claims = {
            "iss": cfg.issuer,
            "sub": subject,
            "aud": query.get("service", [cfg.service])[0],
            "exp": now + ttl,
            "nbf": now - 10,
            "iat": now - 10,
            "jti": uuid.uuid4().hex,
            "access": parse_scopes(scopes, authenticated),
        }
        header = {"typ": "JWT", "alg": "RS256", "kid": cfg.kid}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", cfg.key],
            input=signing_input.encode(), check=True, capture_output=True,
        ).stdout
        token = signing_input + "." + b64url(signature)
        issued = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"access_token": token, "expires_in": ttl, "issued_at": issued}
        if not oauth:
            body["token"] = token
        self.reply(200, body)


def main() -> None:
    Handler.config = Config()
    server = ThreadingHTTPServer(Handler.config.listen, Handler)
    sys.stderr.write("token server on %s:%d, kid %s\n" % (*Handler.config.listen, Handler.config.kid))
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
