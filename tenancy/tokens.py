"""Supabase access token verification, shared by both deployables.

Accepted: HS256 signed with the project's legacy JWT secret, or ES256/RS256
signed with a key of the project's JWKS picked by `kid`. The algorithm a
token names only selects which of those two paths to take; the key decides
the rest, so `alg: none` and HMAC-with-a-public-key never verify.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol

import jwt
from jwt import PyJWK

from tenancy.problems import ServiceUnavailable, Unauthorized

AUDIENCE = "authenticated"
LEEWAY_SECONDS = 30
ASYMMETRIC_ALGORITHMS = frozenset({"ES256", "RS256"})
# Tokens remembered as verified, per verifier (see `TokenVerifier.verify`).
VERIFIED_CACHE_SIZE = 1024


class AuthUnavailable(ServiceUnavailable):
    code = "auth_unavailable"


class BadSignature(Unauthorized):
    """The token's signature does not match the key it was checked with.

    With the HS256 secret that can mean the secret was rotated since it was
    loaded: `DeferredVerifier` reloads it (rate-limited) and tries again.
    """

    def __init__(self, detail: str = "The token is not valid for this API") -> None:
        super().__init__(detail)


JwksFetcher = Callable[[str, float], dict[str, Any]]


def fetch_json(url: str, timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 (https in production, loopback in tests)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        document = json.load(response)
    if not isinstance(document, dict):
        raise ValueError("JWKS document is not an object")
    return document


class JwksCache:
    """The project's signing keys, fetched lazily and kept for `ttl` seconds.

    An unknown `kid` triggers one refetch (keys rotate), but at most once per
    `refresh_cooldown` so a stream of forged `kid`s cannot hammer Supabase. The
    cooldown counts from the last attempt, failed ones included: while the JWKS
    is down, requests neither queue on its timeout nor retry it one by one.
    """

    def __init__(
        self,
        url: str,
        *,
        ttl: float = 600.0,
        refresh_cooldown: float = 10.0,
        timeout: float = 2.0,
        fetch: JwksFetcher = fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._ttl = ttl
        self._cooldown = refresh_cooldown
        self._timeout = timeout
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> PyJWK:
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at > self._ttl
            may_refresh = self._attempted_at is None or now - self._attempted_at > self._cooldown
            if may_refresh and (stale or kid not in self._keys):
                self._refresh(now)
            if self._fetched_at is None:
                raise AuthUnavailable("The signing keys could not be fetched; try again")
            try:
                return self._keys[kid]
            except KeyError:
                raise Unauthorized("The token's signing key is unknown") from None

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        try:
            document = self._fetch(self.url, self._timeout)
        except Exception as exc:
            if self._keys:
                return  # keep serving the last known keys; Supabase may be blipping
            raise AuthUnavailable("The signing keys could not be fetched; try again") from exc
        keys: dict[str, PyJWK] = {}
        for entry in document.get("keys", []):
            if not isinstance(entry, dict) or "kid" not in entry:
                continue
            try:
                keys[str(entry["kid"])] = PyJWK(entry)
            except jwt.PyJWTError:
                continue  # an algorithm we do not accept; skip that key, keep the rest
        self._keys = keys
        self._fetched_at = now


# Claims, the key that verified them, its `kid` (None for HS256), valid until (epoch s).
_Verified = tuple[dict[str, Any], Any, str | None, float]


class Verifier(Protocol):
    def verify(self, token: str) -> dict[str, Any]: ...


class TokenVerifier:
    """Turns a bearer token into its verified claims, or raises `Unauthorized`."""

    def __init__(
        self,
        *,
        jwt_secret: str | None,
        supabase_url: str | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = jwt_secret or None
        self._clock = clock
        base = supabase_url.rstrip("/") if supabase_url else None
        self._issuer = f"{base}/auth/v1" if base else None
        self.jwks = JwksCache(f"{base}/auth/v1/.well-known/jwks.json") if base else None
        self._verified: dict[str, _Verified] = {}

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; a token seen before skips the signature check.

        A client sends the same token with every request until it refreshes it,
        and decoding plus checking it costs more than the rest of a warm request
        around a fast route. A hit is honoured only while the token has not
        expired and, for a JWKS-signed token, while its `kid` still names the very
        key that verified it, so a withdrawn key revokes its tokens as before.
        """
        hit = self._verified.get(token)
        if hit is not None:
            claims, key, kid, valid_until = hit
            if self._clock() < valid_until and (
                kid is None or (self.jwks is not None and self.jwks.key(kid) is key)
            ):
                return dict(claims)
            self._verified.pop(token, None)
        claims, key, kid = self._verify(token)
        valid_until = float(claims["exp"]) + LEEWAY_SECONDS
        # PyJWT judges `exp` by the wall clock; this verifier's clock has the last word.
        if self._clock() >= valid_until:
            raise Unauthorized("The token has expired")
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (claims, key, kid, valid_until)
        return dict(claims)

    def _verify(self, token: str) -> tuple[dict[str, Any], Any, str | None]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("The bearer token is malformed") from None
        algorithm = header.get("alg")
        key: Any
        kid: str | None = None
        if algorithm == "HS256" and self._secret:
            key = self._secret
        elif algorithm in ASYMMETRIC_ALGORITHMS and self.jwks is not None:
            named = header.get("kid")
            if not isinstance(named, str):
                raise Unauthorized("The token names no signing key")
            kid = named
            jwk = self.jwks.key(kid)
            if jwk.algorithm_name != algorithm:
                raise Unauthorized("The token's algorithm does not match its key")
            key = jwk
        else:
            raise Unauthorized("The token's signing algorithm is not accepted")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=AUDIENCE,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub", "aud"], "verify_iat": True},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The token has expired") from None
        except jwt.InvalidSignatureError:
            raise BadSignature() from None
        except jwt.PyJWTError:
            raise Unauthorized("The token is not valid for this API") from None
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Unauthorized("The token names no user")
        return claims, key, kid


AuthSettings = tuple[str | None, str | None]  # (jwt_secret, supabase_url)
# Loads the settings; `fresh=True` re-reads them from their store.
AuthSettingsLoader = Callable[[bool], AuthSettings]
# Seconds between two re-reads of the settings prompted by bad signatures.
RELOAD_INTERVAL_SECONDS = 60.0


class DeferredVerifier:
    """A `TokenVerifier` whose settings are loaded on first use, then kept.

    For settings held in a secret store: loading them at import would put a
    network call in every cold start. A failed load is retried on the next
    request and answers `503 auth_unavailable` meanwhile.

    A rotated HS256 secret must reach warm containers too: a token whose
    signature fails makes the verifier re-read the settings, at most once per
    `reload_interval` (forged tokens cannot hammer the store), and the token
    is checked again only when that produced a secret not tried yet.
    """

    def __init__(
        self,
        load: AuthSettingsLoader,
        *,
        reload_interval: float = RELOAD_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._reload_interval = reload_interval
        self._clock = clock
        self._settings: AuthSettings | None = None
        self._verifier: TokenVerifier | None = None
        self._loaded_at = 0.0
        self._lock = threading.Lock()

    def verify(self, token: str) -> dict[str, Any]:
        verifier = self._verifier or self._first()
        try:
            return verifier.verify(token)
        except BadSignature:
            fresh = self._reloaded(verifier)
            if fresh is None:
                raise
            return fresh.verify(token)

    def _first(self) -> TokenVerifier:
        with self._lock:
            if self._verifier is None:
                try:
                    self._use(self._load(False))
                except Exception as exc:
                    raise AuthUnavailable("Token settings could not be loaded") from exc
            assert self._verifier is not None
            return self._verifier

    def _reloaded(self, tried: TokenVerifier) -> TokenVerifier | None:
        """A verifier with a key not tried yet, or None."""
        with self._lock:
            if self._verifier is not tried:
                return self._verifier  # another request reloaded meanwhile
            now = self._clock()
            if now - self._loaded_at < self._reload_interval:
                return None
            self._loaded_at = now
            try:
                settings = self._load(True)
            except Exception:
                return None  # keep the settings we have; the store may be blipping
            if settings == self._settings:
                return None
            self._use(settings)
            return self._verifier

    def _use(self, settings: AuthSettings) -> None:
        jwt_secret, supabase_url = settings
        self._settings = settings
        self._verifier = TokenVerifier(jwt_secret=jwt_secret, supabase_url=supabase_url)
        self._loaded_at = self._clock()


# -- the service role ------------------------------------------------------------------
# Supabase's service-role key is a JWT too: HS256 with the project's JWT secret,
# `role: service_role`, and no user (no `sub`, no `aud`). Operators' endpoints
# accept it and nothing else; user tokens never reach them as the service role.

SERVICE_ROLE = "service_role"


def claims_service_role(token: str) -> bool:
    """Whether the token says it is the service role (unverified: it only picks the check)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    return isinstance(claims, dict) and claims.get("role") == SERVICE_ROLE


def verify_service_role(token: str, jwt_secret: str | None) -> dict[str, Any]:
    """The claims of a service-role key signed with `jwt_secret`, or `Unauthorized`.

    Only HS256 with the project's secret: asymmetric keys sign users' sessions,
    never the service role. A token naming a user (`sub`) or the users'
    audience is a user's, whatever its `role` says (a custom access token hook
    can write that claim), and is refused.
    """
    if not jwt_secret:
        raise Unauthorized("This API is configured without a service-role secret")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthorized("The bearer token is malformed") from None
    if header.get("alg") != "HS256":
        raise Unauthorized("A service-role token is signed with HS256")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            jwt_secret,
            algorithms=["HS256"],
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "role"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The token has expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("The token is not valid for this API") from None
    if claims.get("role") != SERVICE_ROLE or "sub" in claims or "aud" in claims:
        raise Unauthorized("This token is not the service role's")
    return claims
