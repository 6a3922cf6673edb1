"""Supabase-shaped access tokens and a local JWKS endpoint for tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from dev.claims import JWT_SECRET, claims, hs256

__all__ = ["JWT_SECRET", "Jwks", "TokenFactory", "claims", "hs256"]

# The `make_token` fixture: tenants ({id: role}) and claim overrides in, a signed token out.
TokenFactory = Callable[..., str]


class Jwks:
    """Signing keys that a local HTTP server publishes as a Supabase JWKS."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.published: set[str] = set()
        self.requests = 0
        self.down = False
        self.delay = 0.0
        self._server: ThreadingHTTPServer | None = None

    def add_ec(self, kid: str) -> None:
        self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        self.published.add(kid)

    def add_rsa(self, kid: str) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.published.add(kid)

    def sign(self, payload: dict[str, Any], kid: str) -> str:
        key = self.keys[kid]
        algorithm = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"
        return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})

    def public_jwk(self, kid: str) -> dict[str, Any]:
        key = self.keys[kid]
        if isinstance(key, ec.EllipticCurvePrivateKey):
            jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
            jwk["alg"] = "ES256"
        else:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            jwk["alg"] = "RS256"
        jwk.update({"kid": kid, "use": "sig"})
        return dict(jwk)

    def document(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk(kid) for kid in sorted(self.published)]}

    def serve(self) -> str:
        jwks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                jwks.requests += 1
                if jwks.delay:
                    time.sleep(jwks.delay)
                if jwks.down or self.path != "/auth/v1/.well-known/jwks.json":
                    self.send_response(503 if jwks.down else 404)
                    self.end_headers()
                    return
                body = json.dumps(jwks.document()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
