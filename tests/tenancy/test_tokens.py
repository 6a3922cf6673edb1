"""Token verification (API.md "Authentication"), through the real Lambda handler
and, for the JWKS cache, as units with a fake fetch and a fake clock.

The verifier of `lambda_module.app` keeps its JWKS across tests, so every test
that changes the JWKS server's state builds its own verifier (or app).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from mangum import Mangum

from dev import memberships
from dev.alb import AlbClient, AlbResponse
from file_lambda.app import create_app
from tenancy import tokens
from tenancy.problems import Unauthorized
from tenancy.tokens import AuthUnavailable, JwksCache, TokenVerifier
from tests.support.problems import assert_problem
from tests.support.tokens import JWT_SECRET, Jwks, claims, hs256

TokenFactory = Callable[..., str]


# -- helpers -------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(document: dict[str, Any]) -> str:
    return b64url(json.dumps(document, separators=(",", ":")).encode())


def hmac_token(header: dict[str, Any], payload: dict[str, Any], secret: bytes) -> str:
    """A JWS with an HMAC-SHA256 signature, built by hand (PyJWT refuses PEM secrets)."""
    signing_input = f"{segment(header)}.{segment(payload)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def public_pem(jwks: Jwks, kid: str) -> bytes:
    return bytes(
        jwks.keys[kid]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def list_files(lambda_module: ModuleType, token: str | None, **kwargs: Any) -> AlbResponse:
    return AlbClient(lambda_module.handler, token=token).get("/files/list", **kwargs)


def assert_unauthorized(response: AlbResponse, token: str | None = None) -> None:
    assert_problem(response, 401, "unauthorized", secrets=(token,) if token else ())
    assert response.headers.get("www-authenticate") == "Bearer"


@pytest.fixture
def good_claims(issuer: str, tenant: str, db_url: str) -> Callable[..., dict[str, Any]]:
    """Claims that the handler accepts, with `overrides` applied (None removes a claim);
    the database holds their memberships."""

    def build(**overrides: Any) -> dict[str, Any]:
        # `claims()` takes `sub` as a parameter and fills in a fresh one when it is
        # falsy, so a missing or empty `sub` is applied here.
        sub = overrides.pop("sub", "keep")
        payload = claims(tenants={tenant: "viewer"}, issuer=issuer, **overrides)
        if sub is None:
            del payload["sub"]
        elif sub != "keep":
            payload["sub"] = sub
        memberships.register(db_url, payload)
        return payload

    return build


@pytest.fixture
def jwks_state(jwks: Jwks) -> Iterator[Jwks]:
    """The session's JWKS server, put back as it was after the test."""
    published, down, delay = set(jwks.published), jwks.down, jwks.delay
    try:
        yield jwks
    finally:
        jwks.published = published
        jwks.down = down
        jwks.delay = delay


# -- accepted tokens -------------------------------------------------------------


def test_hs256_with_the_project_secret_is_accepted(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]]
) -> None:
    response = list_files(lambda_module, hs256(good_claims()))
    assert response.status == 200, response.body
    assert response.json()["files"] == []


@pytest.mark.parametrize("kid", ["ec-key-1", "rsa-key-1"])
def test_jwks_signed_tokens_are_accepted(
    lambda_module: ModuleType, jwks: Jwks, good_claims: Callable[..., dict[str, Any]], kid: str
) -> None:
    token = jwks.sign(good_claims(), kid)
    assert jwt.get_unverified_header(token)["alg"] == ("ES256" if kid.startswith("ec") else "RS256")
    assert list_files(lambda_module, token).status == 200


def test_expiry_within_the_leeway_is_accepted(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]]
) -> None:
    token = hs256(good_claims(exp=int(time.time()) - 15))
    assert list_files(lambda_module, token).status == 200


def test_multi_value_headers_carry_the_token_too(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]]
) -> None:
    client = AlbClient(lambda_module.handler, token=hs256(good_claims()), multi_value=True)
    assert client.get("/files/list").status == 200
    client.token = hs256(good_claims(aud="anon"))
    assert_unauthorized(client.get("/files/list"))


# -- refused tokens ---------------------------------------------------------------


def _refused_claims(now: int) -> dict[str, dict[str, Any]]:
    return {
        "expired beyond the leeway": {"exp": now - 45},
        "expired long ago": {"exp": now - 3600, "iat": now - 7200},
        "no exp": {"exp": None},
        "wrong audience": {"aud": "anon"},
        "audience list without ours": {"aud": ["service_role", "anon"]},
        "no audience": {"aud": None},
        "wrong issuer": {"iss": "https://evil.example/auth/v1"},
        "issuer without /auth/v1": {"iss": "ISSUER_BASE"},
        "no issuer": {"iss": None},
        "no sub": {"sub": None},
        "empty sub": {"sub": ""},
        "numeric sub": {"sub": 12345},
        "nbf in the future": {"nbf": now + 300},
        "iat in the future": {"iat": now + 300},
    }


@pytest.mark.parametrize("case", sorted(_refused_claims(0)))
@pytest.mark.parametrize("kid", [None, "ec-key-1"], ids=["HS256", "ES256"])
def test_tokens_with_bad_claims_are_refused(
    lambda_module: ModuleType,
    jwks: Jwks,
    issuer: str,
    good_claims: Callable[..., dict[str, Any]],
    case: str,
    kid: str | None,
) -> None:
    overrides = _refused_claims(int(time.time()))[case]
    if overrides.get("iss") == "ISSUER_BASE":
        overrides = {"iss": issuer.removesuffix("/auth/v1")}
    payload = good_claims(**overrides)
    token = hs256(payload) if kid is None else jwks.sign(payload, kid)
    assert_unauthorized(list_files(lambda_module, token), token)


def test_wrong_secret_is_refused(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]]
) -> None:
    token = hs256(good_claims(), secret="another-secret-that-is-also-32-characters-long")
    assert_unauthorized(list_files(lambda_module, token), token)


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_alg_none_is_refused(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]], alg: str
) -> None:
    for signature in ("", b64url(b"x")):
        token = f"{segment({'alg': alg, 'typ': 'JWT'})}.{segment(good_claims())}.{signature}"
        assert_unauthorized(list_files(lambda_module, token), token)


@pytest.mark.parametrize("kid", ["ec-key-1", "rsa-key-1"])
@pytest.mark.parametrize("with_kid", [False, True], ids=["no-kid", "kid"])
@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512", "RS256", "ES256"])
def test_hmac_signed_with_the_public_key_is_refused(
    lambda_module: ModuleType,
    jwks: Jwks,
    good_claims: Callable[..., dict[str, Any]],
    kid: str,
    with_kid: bool,
    alg: str,
) -> None:
    """The key-confusion attack: the JWKS public key used as an HMAC secret."""
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    if with_kid:
        header["kid"] = kid
    pem = public_pem(jwks, kid)
    for secret in (pem, pem.strip(), json.dumps(jwks.public_jwk(kid)).encode()):
        token = hmac_token(header, good_claims(), secret)
        assert_unauthorized(list_files(lambda_module, token), token)


def test_hs256_header_naming_a_jwks_kid_still_needs_the_secret(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]]
) -> None:
    ok = jwt.encode(good_claims(), JWT_SECRET, algorithm="HS256", headers={"kid": "ec-key-1"})
    assert list_files(lambda_module, ok).status == 200
    forged = hmac_token({"alg": "HS256", "kid": "ec-key-1"}, good_claims(), b"guess")
    assert_unauthorized(list_files(lambda_module, forged), forged)


def test_unknown_kid_is_refused(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]]
) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    for kid in (f"unknown-{uuid.uuid4()}", "ec-key-1"):
        # An unknown kid, then a known kid whose key did not sign the token.
        token = jwt.encode(good_claims(), stranger, algorithm="ES256", headers={"kid": kid})
        assert_unauthorized(list_files(lambda_module, token), token)


def test_asymmetric_token_without_kid_is_refused(
    lambda_module: ModuleType, jwks: Jwks, good_claims: Callable[..., dict[str, Any]]
) -> None:
    token = jwt.encode(good_claims(), jwks.keys["ec-key-1"], algorithm="ES256")
    assert_unauthorized(list_files(lambda_module, token), token)


def test_algorithm_must_match_the_key_of_its_kid(
    lambda_module: ModuleType, jwks: Jwks, good_claims: Callable[..., dict[str, Any]]
) -> None:
    # Signed by the EC key but claiming the RSA key's kid, and the reverse.
    for signer, kid in (("ec-key-1", "rsa-key-1"), ("rsa-key-1", "ec-key-1")):
        key = jwks.keys[signer]
        algorithm = "ES256" if signer.startswith("ec") else "RS256"
        token = jwt.encode(good_claims(), key, algorithm=algorithm, headers={"kid": kid})
        assert_unauthorized(list_files(lambda_module, token), token)


def test_other_asymmetric_algorithms_are_refused(
    lambda_module: ModuleType, jwks: Jwks, good_claims: Callable[..., dict[str, Any]]
) -> None:
    token = jwt.encode(
        good_claims(), jwks.keys["rsa-key-1"], algorithm="PS256", headers={"kid": "rsa-key-1"}
    )
    assert_unauthorized(list_files(lambda_module, token), token)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_the_project_secret_verifies_hs256_only(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]], alg: str
) -> None:
    """HS256 is one accepted algorithm, not a family: the same secret under another
    HMAC is refused."""
    token = jwt.encode(good_claims(), JWT_SECRET, algorithm=alg)
    assert_unauthorized(list_files(lambda_module, token), token)


def test_tampered_payload_is_refused(
    lambda_module: ModuleType, tenant: str, good_claims: Callable[..., dict[str, Any]]
) -> None:
    header, _payload, signature = hs256(good_claims()).split(".")
    escalated = good_claims(app_metadata={"tenants": {tenant: "owner"}})
    token = f"{header}.{segment(escalated)}.{signature}"
    assert_unauthorized(list_files(lambda_module, token), token)


@pytest.mark.parametrize(
    "token",
    ["abc", "a.b.c", "a.b", "..", "ey.ey.ey", "Bearer", "x" * 5000, segment({"alg": "HS256"})],
)
def test_malformed_tokens_are_refused(lambda_module: ModuleType, token: str) -> None:
    assert_unauthorized(list_files(lambda_module, token))


def test_missing_authorization_is_refused(lambda_module: ModuleType) -> None:
    assert_unauthorized(list_files(lambda_module, None))


@pytest.mark.parametrize(
    "value",
    [
        "Basic dXNlcjpwYXNz",
        "Token {token}",
        "{token}",
        "Bearer",
        "Bearer ",
        "Digest {token}",
        "JWT {token}",
    ],
)
def test_non_bearer_authorization_is_refused(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]], value: str
) -> None:
    header = value.format(token=hs256(good_claims()))
    response = list_files(lambda_module, None, headers={"authorization": header})
    assert_unauthorized(response)


def test_bearer_scheme_is_case_insensitive(
    lambda_module: ModuleType, good_claims: Callable[..., dict[str, Any]]
) -> None:
    response = list_files(
        lambda_module, None, headers={"authorization": f"bearer {hs256(good_claims())}"}
    )
    assert response.status == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/files/download/a.txt"),
        ("GET", "/files/metadata/a.txt"),
        ("POST", "/files/upload"),
        ("DELETE", "/files/delete/a.txt"),
        ("DELETE", "/files/folder/delete"),
        ("POST", "/files/presigned-upload"),
    ],
)
def test_every_file_route_needs_a_token(lambda_module: ModuleType, method: str, path: str) -> None:
    """401 comes before any request validation, so it never leaks what a route expects."""
    response = AlbClient(lambda_module.handler).request(method, path)
    assert_unauthorized(response)


def test_health_needs_no_token(lambda_module: ModuleType) -> None:
    response = AlbClient(lambda_module.handler).get("/files/health")
    assert response.status == 200
    assert response.json() == {"status": "ok"}


# -- the JWKS cache, as a unit -------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeFetch:
    """Serves `keys.document()`; counts calls; fails while `down`."""

    def __init__(self, keys: Jwks) -> None:
        self.keys = keys
        self.calls: list[tuple[str, float]] = []
        self.down = False

    def __call__(self, url: str, timeout: float) -> dict[str, Any]:
        self.calls.append((url, timeout))
        if self.down:
            raise OSError("connection refused")
        return self.keys.document()


URL = "https://project.supabase.co/auth/v1/.well-known/jwks.json"


@pytest.fixture(scope="module")
def local_keys() -> Jwks:
    """Keys served by no server: the fake fetch publishes them."""
    keys = Jwks()
    keys.add_ec("k1")
    keys.add_rsa("k2")
    keys.add_ec("k3")
    keys.published = {"k1", "k2"}
    return keys


@pytest.fixture
def keys(local_keys: Jwks) -> Iterator[Jwks]:
    published = set(local_keys.published)
    yield local_keys
    local_keys.published = published


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fetch(keys: Jwks) -> FakeFetch:
    return FakeFetch(keys)


@pytest.fixture
def cache(fetch: FakeFetch, clock: FakeClock) -> JwksCache:
    return JwksCache(URL, fetch=fetch, clock=clock)


def test_cache_fetches_lazily_then_serves_many_lookups_from_one_fetch(
    cache: JwksCache, fetch: FakeFetch, clock: FakeClock
) -> None:
    assert fetch.calls == []  # nothing at construction
    for _ in range(50):
        assert cache.key("k1").algorithm_name == "ES256"
        assert cache.key("k2").algorithm_name == "RS256"
        clock.now += 10
    assert len(fetch.calls) == 1
    url, timeout = fetch.calls[0]
    assert url == URL
    assert 0 < timeout <= 5


def test_cache_is_kept_ten_minutes_then_refetched(
    cache: JwksCache, fetch: FakeFetch, clock: FakeClock
) -> None:
    start = clock.now
    cache.key("k1")
    clock.now = start + 599
    cache.key("k1")
    assert len(fetch.calls) == 1
    clock.now = start + 601
    cache.key("k1")
    assert len(fetch.calls) == 2
    clock.now = start + 601 + 599
    cache.key("k2")
    assert len(fetch.calls) == 2


def test_unknown_kid_refetches_once_then_cools_down(
    cache: JwksCache, fetch: FakeFetch, clock: FakeClock
) -> None:
    cache.key("k1")
    clock.now += 60
    with pytest.raises(Unauthorized):
        cache.key("forged-0")
    assert len(fetch.calls) == 2  # one refetch: the kid might be a new key
    for i in range(1, 200):  # a flood of forged kids
        with pytest.raises(Unauthorized):
            cache.key(f"forged-{i}")
    assert len(fetch.calls) == 2
    assert cache.key("k1").algorithm_name == "ES256"  # known keys still work
    clock.now += 11  # past the cooldown: one more refetch for the whole flood
    for i in range(200, 300):
        with pytest.raises(Unauthorized):
            cache.key(f"forged-{i}")
    assert len(fetch.calls) == 3


def test_unknown_kid_right_after_a_fetch_does_not_refetch(
    cache: JwksCache, fetch: FakeFetch, clock: FakeClock
) -> None:
    cache.key("k1")
    with pytest.raises(Unauthorized):
        cache.key("forged")
    assert len(fetch.calls) == 1


def test_key_rotation(keys: Jwks, cache: JwksCache, fetch: FakeFetch, clock: FakeClock) -> None:
    cache.key("k1")
    keys.published = {"k2", "k3"}  # k3 appears, k1 is withdrawn
    clock.now += 30
    assert cache.key("k3").algorithm_name == "ES256"  # unknown kid: refetched, found
    assert len(fetch.calls) == 2
    with pytest.raises(Unauthorized):
        cache.key("k1")  # the withdrawn key is gone after the refresh


def test_withdrawn_key_is_refused_after_the_ttl(
    keys: Jwks, cache: JwksCache, fetch: FakeFetch, clock: FakeClock
) -> None:
    cache.key("k1")
    keys.published = {"k2"}
    clock.now += 601
    with pytest.raises(Unauthorized):
        cache.key("k1")
    assert len(fetch.calls) == 2


def test_jwks_down_without_cached_keys_is_503(
    cache: JwksCache, fetch: FakeFetch, clock: FakeClock
) -> None:
    fetch.down = True
    with pytest.raises(AuthUnavailable) as raised:
        cache.key("k1")
    problem = raised.value
    assert (problem.status, problem.code) == (503, "auth_unavailable")
    assert int(problem.headers["Retry-After"]) > 0
    assert "connection refused" not in problem.detail
    fetch.down = False
    clock.now += 60
    assert cache.key("k1").algorithm_name == "ES256"  # recovers once the JWKS is back


def test_jwks_down_without_cached_keys_does_not_hammer(
    cache: JwksCache, fetch: FakeFetch, clock: FakeClock
) -> None:
    fetch.down = True
    for i in range(100):
        with pytest.raises(AuthUnavailable):
            cache.key(f"kid-{i % 3}")
    assert len(fetch.calls) == 1
    clock.now += 11
    with pytest.raises(AuthUnavailable):
        cache.key("k1")
    assert len(fetch.calls) == 2


def test_jwks_down_with_stale_cached_keys_keeps_serving_them(
    cache: JwksCache, fetch: FakeFetch, clock: FakeClock
) -> None:
    cache.key("k1")
    fetch.down = True
    clock.now += 601  # the cache is stale and the JWKS is down
    for _ in range(100):
        assert cache.key("k1").algorithm_name == "ES256"
        with pytest.raises(Unauthorized):
            cache.key("forged")
    # One attempt per cooldown, not one per request (each could wait for a timeout).
    assert len(fetch.calls) == 2
    clock.now += 11
    cache.key("k1")
    assert len(fetch.calls) == 3
    fetch.down = False
    clock.now += 11
    cache.key("k1")
    assert len(fetch.calls) == 4
    clock.now += 599  # a successful refresh restarts the 10 minutes
    cache.key("k2")
    assert len(fetch.calls) == 4


def test_malformed_jwks_entries_are_skipped(clock: FakeClock, keys: Jwks) -> None:
    document = keys.document()
    document["keys"] += [
        "not an object",
        {"kty": "EC"},  # no kid
        {"kid": "broken", "kty": "EC", "crv": "P-256", "x": "!!", "y": "!!"},
        {"kid": "hmac", "kty": "oct", "k": b64url(b"secret-secret-secret-secret-32by")},
    ]
    cache = JwksCache(URL, fetch=lambda url, timeout: document, clock=clock)
    assert cache.key("k1").algorithm_name == "ES256"
    with pytest.raises(Unauthorized):
        cache.key("broken")


def test_verifier_with_rotation_end_to_end(keys: Jwks, fetch: FakeFetch, clock: FakeClock) -> None:
    verifier = TokenVerifier(jwt_secret=None, supabase_url="https://project.supabase.co/")
    assert verifier.jwks is not None
    assert verifier.jwks.url == URL  # trailing slash of SUPABASE_URL handled
    verifier.jwks = JwksCache(URL, fetch=fetch, clock=clock)
    issuer = "https://project.supabase.co/auth/v1"
    old = keys.sign(claims(issuer=issuer), "k1")
    assert verifier.verify(old)["aud"] == "authenticated"
    keys.published = {"k3"}
    clock.now += 20
    new = keys.sign(claims(issuer=issuer), "k3")
    assert verifier.verify(new)["aud"] == "authenticated"
    with pytest.raises(Unauthorized):
        verifier.verify(old)
    # Without a secret, HS256 is not accepted at all.
    with pytest.raises(Unauthorized):
        verifier.verify(hs256(claims(issuer=issuer)))


def test_verifier_without_supabase_url_refuses_asymmetric_tokens(keys: Jwks) -> None:
    verifier = TokenVerifier(jwt_secret=JWT_SECRET, supabase_url=None)
    assert verifier.jwks is None
    assert verifier.verify(hs256(claims()))["aud"] == "authenticated"  # no issuer check
    with pytest.raises(Unauthorized):
        verifier.verify(keys.sign(claims(), "k1"))


def test_a_remembered_token_is_refused_once_its_kid_names_another_key(clock: FakeClock) -> None:
    """A verified token is remembered with the very key that verified it: a new key
    published under the same kid revokes it, as it would a token never seen before."""
    keys = Jwks()
    keys.add_ec("k1")
    verifier = TokenVerifier(jwt_secret=None, supabase_url="https://project.supabase.co")
    verifier.jwks = JwksCache(URL, fetch=FakeFetch(keys), clock=clock)
    token = keys.sign(claims(issuer="https://project.supabase.co/auth/v1"), "k1")
    assert verifier.verify(token)["aud"] == "authenticated"  # verified, now remembered

    keys.add_ec("k1")  # another key pair under the same kid
    clock.now += 601  # the JWKS is read again

    with pytest.raises(Unauthorized):
        verifier.verify(token)


def test_the_verified_token_cache_starts_over_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    """At most VERIFIED_CACHE_SIZE tokens are remembered, however many a container
    sees: past that the cache starts over and tokens are decoded again."""
    monkeypatch.setattr(tokens, "VERIFIED_CACHE_SIZE", 2)
    decoded: list[str] = []
    decode = jwt.decode

    def counting_decode(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    verifier = TokenVerifier(jwt_secret=JWT_SECRET, supabase_url=None)
    first, second, third = (hs256(claims()) for _ in range(3))

    for token in (first, second, first):  # the second look at `first` is a hit
        verifier.verify(token)
    assert decoded == [first, second]
    verifier.verify(third)  # two remembered: the cache starts over with `third`
    verifier.verify(first)

    assert decoded == [first, second, third, first]


# -- the JWKS over real HTTP ----------------------------------------------------------


def test_real_jwks_is_fetched_once_for_many_verifications(jwks_state: Jwks, issuer: str) -> None:
    verifier = TokenVerifier(jwt_secret=None, supabase_url=jwks_state.url)  # type: ignore[attr-defined]
    before = jwks_state.requests
    for _ in range(10):
        for kid in ("ec-key-1", "rsa-key-1"):
            verifier.verify(jwks_state.sign(claims(issuer=issuer), kid))
    for i in range(20):  # forged kids within the cooldown: no further requests
        forged = jwt.encode(
            claims(issuer=issuer),
            jwks_state.keys["ec-key-1"],
            algorithm="ES256",
            headers={"kid": f"forged-{i}"},
        )
        with pytest.raises(Unauthorized):
            verifier.verify(forged)
    assert jwks_state.requests - before == 1


def test_real_jwks_rotation(jwks_state: Jwks, issuer: str) -> None:
    if "ec-key-rotated" not in jwks_state.keys:
        jwks_state.add_ec("ec-key-rotated")
    jwks_state.published.discard("ec-key-rotated")
    clock = FakeClock()
    verifier = TokenVerifier(jwt_secret=None, supabase_url=jwks_state.url)  # type: ignore[attr-defined]
    assert verifier.jwks is not None
    verifier.jwks = JwksCache(verifier.jwks.url, clock=clock)  # the real fetch
    old = jwks_state.sign(claims(issuer=issuer), "ec-key-1")
    verifier.verify(old)
    jwks_state.published = {"ec-key-rotated", "rsa-key-1"}
    clock.now += 20
    verifier.verify(jwks_state.sign(claims(issuer=issuer), "ec-key-rotated"))
    with pytest.raises(Unauthorized):
        verifier.verify(old)


def test_slow_jwks_fails_in_bounded_time(jwks_state: Jwks, issuer: str) -> None:
    verifier = TokenVerifier(jwt_secret=None, supabase_url=jwks_state.url)  # type: ignore[attr-defined]
    token = jwks_state.sign(claims(issuer=issuer), "ec-key-1")
    jwks_state.delay = 8.0
    started = time.monotonic()
    with pytest.raises(AuthUnavailable):
        verifier.verify(token)
    assert time.monotonic() - started < 5


@pytest.fixture
def fresh_client(lambda_module: ModuleType, jwks: Jwks) -> Callable[[str | None], AlbClient]:
    """A client of a fresh app whose verifier has fetched nothing yet."""
    verifier = TokenVerifier(jwt_secret=JWT_SECRET, supabase_url=jwks.url)  # type: ignore[attr-defined]
    state = lambda_module.app.state
    app = create_app(
        lambda_module.settings, state.storage, verifier, state.memberships, state.cursors
    )
    handler = Mangum(app, lifespan="off")

    def build(token: str | None) -> AlbClient:
        return AlbClient(handler, token=token)

    return build


def test_jwks_down_without_cached_keys_answers_503(
    jwks_state: Jwks,
    fresh_client: Callable[[str | None], AlbClient],
    good_claims: Callable[..., dict[str, Any]],
) -> None:
    jwks_state.down = True
    response = fresh_client(jwks_state.sign(good_claims(), "ec-key-1")).get("/files/list")
    assert_problem(response, 503, "auth_unavailable", secrets=("127.0.0.1",))
    assert int(response.headers["retry-after"]) > 0
    # HS256 tokens need no JWKS and keep working.
    assert fresh_client(hs256(good_claims())).get("/files/list").status == 200


def test_jwks_down_with_cached_keys_keeps_working(
    jwks_state: Jwks,
    fresh_client: Callable[[str | None], AlbClient],
    good_claims: Callable[..., dict[str, Any]],
) -> None:
    client = fresh_client(jwks_state.sign(good_claims(), "rsa-key-1"))
    assert client.get("/files/list").status == 200
    jwks_state.down = True
    client.token = jwks_state.sign(good_claims(), "ec-key-1")
    assert client.get("/files/list").status == 200
    client.token = jwks_state.sign(good_claims(), "ec-key-1")
    assert client.get("/files/list").status == 200


@pytest.mark.parametrize("secret", ["dev", "a-developers-own-secret-of-at-least-32-chars"])
def test_make_token_service_role_prints_a_key_the_local_stack_accepts(
    secret: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Signed with the secret the running stack uses, read from its state file (it was
    signed with the default secret whatever SUPABASE_JWT_SECRET make dev ran with)."""
    from dev import DEV_JWT_SECRET, STATE_FILE, token
    from dev.stack import project_keys

    secret = DEV_JWT_SECRET if secret == "dev" else secret
    state = {"urls": {"auth": "http://127.0.0.1:9"}, "keys": project_keys(secret)}
    (tmp_path / STATE_FILE).write_text(json.dumps(state))
    monkeypatch.setenv("SNSD_LOCAL_DIR", str(tmp_path))

    assert token.main(["--service-role"]) == 0
    key = capsys.readouterr().out.strip()
    assert tokens.verify_service_role(key, secret)["role"] == "service_role"
    with pytest.raises(Unauthorized):
        tokens.verify_service_role(key, "another-secret-with-at-least-32-characters")


def test_make_token_says_so_when_make_dev_is_not_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dev import token

    monkeypatch.setenv("SNSD_LOCAL_DIR", str(tmp_path))
    with pytest.raises(SystemExit, match="make dev is not running"):
        token.main(["--service-role"])
