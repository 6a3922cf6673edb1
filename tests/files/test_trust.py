"""The file API's trust model: whose memberships count and for how long, and
what a client can and cannot make the API believe (SECURITY.md).

Memberships are judged by Postgres (`file_lambda/memberships.py`); these tests
change the database behind a token's back, as the core's member routes do.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import time
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import jwt
import psycopg
import pytest

from dev.alb import AlbClient
from dev.memberships import TENANT_CREATOR
from file_lambda.cursors import NONCE_BYTES, Cursors
from file_lambda.memberships import (
    MISS_BURST,
    Memberships,
    MembershipsUnavailable,
    PostgresMemberships,
    Standing,
)
from tenancy.principal import Principal, Role, SessionEnded
from tenancy.problems import Unauthorized
from tenancy.tokens import LEEWAY_SECONDS, TokenVerifier
from tests.support.files import BUCKET, ClientFactory
from tests.support.problems import assert_problem
from tests.support.tokens import JWT_SECRET, claims, hs256


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Source:
    """A membership source whose answers and failures a test sets."""

    def __init__(self, tenants: dict[str, Role]) -> None:
        self.tenants = tenants
        self.signed_out: set[str] = set()
        self.down = False
        self.reads = 0

    def fetch(self, user_id: str, session_id: str | None = None) -> Standing:
        self.reads += 1
        if self.down:
            raise ConnectionError("postgres is away")
        return Standing(dict(self.tenants), signed_in=session_id not in self.signed_out)


TENANT_A, TENANT_B = str(uuid.uuid4()), str(uuid.uuid4())


def principal(tenants: dict[str, Role] | None = None) -> Principal:
    return Principal("user-1", None, tenants or {})


# -- the kept copy: how long, when it is read again, failing closed ------------------------


def test_a_removed_membership_stops_counting_once_the_copy_is_older_than_ttl() -> None:
    source, clock = Source({TENANT_A: Role.admin}), Clock()
    memberships = Memberships(source, ttl=30, clock=clock)
    token_says = principal({TENANT_A: Role.admin})

    assert memberships.current(token_says, None).tenants == {TENANT_A: Role.admin}
    source.tenants = {}  # removed in the database
    clock.now += 29.9
    assert memberships.current(token_says, None).tenants == {TENANT_A: Role.admin}
    clock.now += 0.1
    assert memberships.current(token_says, None).tenants == {}
    assert source.reads == 2


def test_a_demotion_counts_after_ttl_whatever_the_token_says() -> None:
    source, clock = Source({TENANT_A: Role.admin}), Clock()
    memberships = Memberships(source, ttl=30, clock=clock)
    memberships.current(principal(), TENANT_A)
    source.tenants = {TENANT_A: Role.viewer}
    clock.now += 30

    current = memberships.current(principal({TENANT_A: Role.owner}), TENANT_A)

    assert current.tenants == {TENANT_A: Role.viewer}


def test_a_new_membership_works_at_once_yet_unknown_tenants_cannot_force_a_read_each_time() -> None:
    source, clock = Source({TENANT_A: Role.member}), Clock()
    memberships = Memberships(source, ttl=30, miss_refresh=5, miss_burst=1, clock=clock)
    memberships.current(principal(), TENANT_A)

    for _ in range(20):  # a caller naming a tenant the copy lacks, again and again
        memberships.current(principal(), str(uuid.uuid4()))
    assert source.reads == 2  # one read at once, then none within miss_refresh
    source.tenants[TENANT_B] = Role.viewer  # joined a second tenant
    assert memberships.current(principal(), TENANT_B).tenants == {TENANT_A: Role.member}
    clock.now += 5
    assert memberships.current(principal(), TENANT_B).tenants[TENANT_B] == Role.viewer
    assert source.reads == 3


def test_a_membership_made_just_after_a_read_works_on_the_very_next_request() -> None:
    """Issue 25, item 11: joined (invitation accepted, tenant created) a moment after the
    container read the user's memberships, the next request naming it is served."""
    source, clock = Source({TENANT_A: Role.member}), Clock()
    memberships = Memberships(source, ttl=30, clock=clock)  # the handler's defaults
    memberships.current(principal(), TENANT_A)

    source.tenants[TENANT_B] = Role.member
    clock.now += 0.05

    assert memberships.current(principal(), TENANT_B).tenants[TENANT_B] == Role.member


def test_a_membership_made_after_a_refused_request_works_within_a_second() -> None:
    source, clock = Source({}), Clock()
    memberships = Memberships(source, ttl=30, clock=clock)
    for _ in range(MISS_BURST + 1):  # asked again and again before joining: budget spent
        assert memberships.current(principal(), TENANT_B).tenants == {}

    source.tenants[TENANT_B] = Role.member
    clock.now += 1

    assert memberships.current(principal(), TENANT_B).tenants == {TENANT_B: Role.member}


def test_a_stream_naming_a_foreign_tenant_costs_one_read_a_second_not_one_a_request() -> None:
    source, clock = Source({TENANT_A: Role.member}), Clock()
    memberships = Memberships(source, ttl=30, clock=clock)
    memberships.current(principal(), TENANT_A)

    for _ in range(1000):  # at one instant
        memberships.current(principal(), TENANT_B)
    assert source.reads == 1 + MISS_BURST
    for _ in range(100):  # 10 s more, 10 requests a second, each naming another tenant
        clock.now += 0.1
        for _ in range(10):
            memberships.current(principal(), str(uuid.uuid4()))
    assert source.reads <= 1 + MISS_BURST + 10


def test_a_user_with_no_tenant_yet_is_read_again_after_miss_refresh() -> None:
    source, clock = Source({}), Clock()
    memberships = Memberships(source, ttl=30, miss_refresh=5, clock=clock)
    assert memberships.current(principal(), None).tenants == {}
    source.tenants = {TENANT_A: Role.owner}  # created a tenant
    clock.now += 5

    assert memberships.current(principal(), None).tenants == {TENANT_A: Role.owner}


def test_an_unreadable_database_fails_closed_once_the_copy_is_stale() -> None:
    source, clock = Source({TENANT_A: Role.member}), Clock()
    memberships = Memberships(source, ttl=30, miss_refresh=5, clock=clock)
    memberships.current(principal(), TENANT_A)
    source.down = True

    clock.now += 10  # an unknown tenant asks for a read, which fails: the copy still holds
    assert memberships.current(principal(), TENANT_B).tenants == {TENANT_A: Role.member}
    clock.now += 20
    with pytest.raises(MembershipsUnavailable) as raised:
        memberships.current(principal({TENANT_A: Role.member}), TENANT_A)
    assert (raised.value.status, raised.value.code) == (503, "database_unavailable")
    assert "Retry-After" in raised.value.headers


def test_a_user_never_read_fails_closed_when_the_database_is_away() -> None:
    source = Source({})
    source.down = True

    with pytest.raises(MembershipsUnavailable):
        Memberships(source, ttl=30).current(principal({TENANT_A: Role.owner}), None)


def test_by_default_unknown_tenants_read_the_database_twice_at_once_then_once_a_second() -> None:
    source, clock = Source({TENANT_A: Role.member}), Clock()
    memberships = Memberships(source, ttl=30, clock=clock)  # the handler's miss_refresh
    memberships.current(principal(), TENANT_A)

    for _ in range(5):
        memberships.current(principal(), str(uuid.uuid4()))
    assert source.reads == 1 + 2
    for second in range(1, 5):
        clock.now += 0.99
        memberships.current(principal(), str(uuid.uuid4()))
        assert source.reads == 1 + 2 + second - 1  # not yet: a second since the last one
        clock.now += 0.01
        for _ in range(5):
            memberships.current(principal(), str(uuid.uuid4()))
        assert source.reads == 1 + 2 + second


def test_kept_copies_start_over_past_max_users(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container keeps at most MAX_USERS users' memberships, however many call it."""
    monkeypatch.setattr("file_lambda.memberships.MAX_USERS", 2)
    source, clock = Source({TENANT_A: Role.member}), Clock()
    memberships = Memberships(source, ttl=30, clock=clock)
    first, second, third = (Principal(str(uuid.uuid4()), None, {}) for _ in range(3))

    for caller in (first, second, first):  # the second call of `first` is answered by its copy
        memberships.current(caller, TENANT_A)
    assert source.reads == 2
    memberships.current(third, TENANT_A)  # two kept: the copies start over with `third`
    memberships.current(first, TENANT_A)

    assert source.reads == 4


# -- sessions: a signed-out token stops within the same window ----------------------------

SESSION = str(uuid.uuid4())


def in_session(session_id: str | None = SESSION) -> Principal:
    return Principal("user-1", None, {}, session_id)


def test_a_signed_out_session_is_refused_once_the_copy_is_older_than_ttl() -> None:
    source, clock = Source({TENANT_A: Role.owner}), Clock()
    memberships = Memberships(source, ttl=30, clock=clock)
    assert memberships.current(in_session(), TENANT_A).tenants == {TENANT_A: Role.owner}

    source.signed_out.add(SESSION)  # POST /logout deleted the session
    clock.now += 29.9
    assert memberships.current(in_session(), TENANT_A).tenants == {TENANT_A: Role.owner}
    clock.now += 0.1
    with pytest.raises(SessionEnded) as refused:
        memberships.current(in_session(), TENANT_A)
    assert (refused.value.status, refused.value.code) == (401, "unauthorized")
    assert refused.value.headers == {"WWW-Authenticate": "Bearer"}


def test_a_signed_out_token_costs_no_read_per_request_and_spares_other_sessions() -> None:
    source, clock = Source({TENANT_A: Role.owner}), Clock()
    source.signed_out.add(SESSION)
    memberships = Memberships(source, ttl=30, clock=clock)

    for _ in range(50):  # naming tenants the copy lacks would otherwise ask for reads
        with pytest.raises(SessionEnded):
            memberships.current(in_session(), str(uuid.uuid4()))
    assert source.reads == 1
    other = in_session(str(uuid.uuid4()))  # the same user signed in on another device
    assert memberships.current(other, TENANT_A).tenants == {TENANT_A: Role.owner}
    assert memberships.current(in_session(None), TENANT_A).tenants == {TENANT_A: Role.owner}


def test_a_session_ended_while_the_database_is_away_stays_refused() -> None:
    source, clock = Source({TENANT_A: Role.owner}), Clock()
    source.signed_out.add(SESSION)
    memberships = Memberships(source, ttl=30, clock=clock)
    with pytest.raises(SessionEnded):
        memberships.current(in_session(), TENANT_A)
    source.down = True
    clock.now += 10

    with pytest.raises(SessionEnded):
        memberships.current(in_session(), TENANT_B)


def test_the_token_session_id_is_read_as_supabase_auth_reads_it() -> None:
    base = {"sub": str(uuid.uuid4())}
    assert Principal.from_claims(base | {"session_id": SESSION}).session_id == SESSION
    for none in ({}, {"session_id": ""}, {"session_id": "00000000-0000-0000-0000-000000000000"}):
        assert Principal.from_claims(base | none).session_id is None


# -- against Postgres ---------------------------------------------------------------------


@pytest.fixture
def db(db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


def test_postgres_source_reads_the_users_memberships(
    make_token: Callable[..., str], db_url: str
) -> None:
    user, first, second = (str(uuid.uuid4()) for _ in range(3))
    make_token({first: "viewer", second: "admin"}, sub=user)

    source = PostgresMemberships(lambda: db_url)
    try:
        assert source.fetch(user) == Standing({first: Role.viewer, second: Role.admin})
        assert source.fetch(str(uuid.uuid4())) == Standing({})
        assert source.fetch("not-a-uuid") == Standing({})
    finally:
        source.close()


def test_postgres_source_reads_the_session_as_sign_out_leaves_it(
    make_token: Callable[..., str], db_url: str, db: psycopg.Connection[Any]
) -> None:
    user, other, tenant = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    make_token({tenant: "member"}, sub=user)
    make_token({}, sub=other)
    live, ended, boxed, others = (str(uuid.uuid4()) for _ in range(4))
    for session, owner, not_after in (
        (live, user, "infinity"),
        (ended, user, None),
        (boxed, user, "-infinity"),  # a time-boxed session past its not_after
        (others, other, None),
    ):
        db.execute(
            "insert into auth.sessions (id, user_id, created_at, not_after)"
            " values (%s, %s, now(), %s)",
            (session, owner, not_after),
        )
    db.execute("delete from auth.sessions where id = %s", (ended,))  # signed out

    source = PostgresMemberships(lambda: db_url)
    try:
        assert source.fetch(user, live) == Standing({tenant: Role.member}, signed_in=True)
        assert source.fetch(user, None) == Standing({tenant: Role.member}, signed_in=True)
        for gone in (ended, boxed, others, str(uuid.uuid4())):
            assert source.fetch(user, gone) == Standing({tenant: Role.member}, signed_in=False)
        assert source.fetch(user, "not-a-uuid") == Standing({}, signed_in=False)
        assert source.fetch(other, others) == Standing({}, signed_in=True)
    finally:
        source.close()


def test_postgres_source_reconnects_after_the_connection_was_dropped(
    make_token: Callable[..., str], db_url: str, db: psycopg.Connection[Any]
) -> None:
    user, tenant = str(uuid.uuid4()), str(uuid.uuid4())
    make_token({tenant: "member"}, sub=user)
    source = PostgresMemberships(lambda: db_url)
    try:
        assert source.fetch(user).tenants == {tenant: Role.member}
        # As a pooler or a thawed container would find it: the server closed it.
        db.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity"
            " where application_name = 'snsd-file-api'"
        )
        assert source.fetch(user).tenants == {tenant: Role.member}
    finally:
        source.close()


def test_postgres_source_fails_when_the_database_is_unreachable() -> None:
    source = PostgresMemberships(lambda: "postgresql://postgres@127.0.0.1:9/postgres", timeout=1)

    with pytest.raises(psycopg.OperationalError):
        source.fetch(str(uuid.uuid4()))


# -- through the handler: the database, not the token, decides ----------------------------


@pytest.fixture
def fresh_memberships(lambda_module: ModuleType, db_url: str) -> Iterator[None]:
    """The handler's app with memberships kept 1 s, as a container would keep them 30 s."""
    state = lambda_module.app.state
    kept, source = state.memberships, PostgresMemberships(lambda: db_url)
    state.memberships = Memberships(source, ttl=1, miss_refresh=0.2)
    yield
    state.memberships = kept
    source.close()


def wait_until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.mark.usefixtures("fresh_memberships")
def test_a_removed_members_token_stops_working(
    client_for: ClientFactory, db: psycopg.Connection[Any], tenant: str, user: str
) -> None:
    client = client_for("member", sub=user)
    assert client.get("/files/list").status == 200

    db.execute("delete from public.tenant_members where user_id = %s", (user,))

    assert wait_until(lambda: client.get("/files/list").status == 403, 3)
    upload = client.post("/files/upload", files={"file": ("after.txt", b"x", "text/plain")})
    assert_problem(upload, 403, "tenant_forbidden")


@pytest.mark.usefixtures("fresh_memberships")
def test_a_demoted_admins_token_loses_the_admin_routes(
    client_for: ClientFactory, db: psycopg.Connection[Any], user: str, s3: Any, tenant: str
) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/old/a.txt", Body=b"a")
    client = client_for("admin", sub=user)
    assert client.get("/files/list").status == 200

    db.execute("update public.tenant_members set role = 'viewer' where user_id = %s", (user,))

    def refused() -> bool:
        return client.delete("/files/folder/delete", params={"path": "old"}).status == 403

    assert wait_until(refused, 3)
    assert client.get("/files/list", params={"folder": "old"}).status == 200  # still a viewer


@pytest.mark.usefixtures("fresh_memberships")
def test_a_tenant_joined_after_the_token_was_issued_works_at_once(
    client_for: ClientFactory, db: psycopg.Connection[Any], user: str, tenant: str
) -> None:
    client = client_for(None, sub=user)  # a token from before any membership
    assert_problem(client.get("/files/list"), 403, "tenant_forbidden")
    db.execute(
        "insert into public.tenants (id, name, created_by) values (%s, 'new', %s)", (tenant, user)
    )

    joined = AlbClient(client.handler, token=client.token, tenant=tenant)

    assert wait_until(lambda: joined.get("/files/list").status == 200, 1)


def test_a_membership_added_just_after_a_call_serves_the_very_next_call(
    client_for: ClientFactory, db: psycopg.Connection[Any], user: str, tenant: str
) -> None:
    """The handler as deployed (its own memberships, not `fresh_memberships`): an
    invitation accepted between two calls, the second call works (issue 25, item 11)."""
    client = client_for("member", sub=user)
    assert client.get("/files/list").status == 200
    joined = str(uuid.uuid4())
    db.execute(
        "insert into public.tenants (id, name, created_by) values (%s, 'joined', %s)",
        (joined, TENANT_CREATOR),
    )
    # What private.accept_invitation inserts.
    db.execute(
        "insert into public.tenant_members (tenant_id, user_id, role) values (%s, %s, 'member')",
        (joined, user),
    )

    answer = AlbClient(client.handler, token=client.token, tenant=joined).get("/files/list")

    assert answer.status == 200, answer.body


@pytest.mark.usefixtures("fresh_memberships")
def test_a_signed_out_sessions_token_is_refused_within_the_window(
    client_for: ClientFactory, db: psycopg.Connection[Any], user: str
) -> None:
    session = str(uuid.uuid4())
    client = client_for("member", sub=user, session_id=session)
    db.execute(
        "insert into auth.sessions (id, user_id, created_at) values (%s, %s, now())",
        (session, user),
    )
    assert client.get("/files/list").status == 200

    db.execute("delete from auth.sessions where id = %s", (session,))  # POST /logout

    assert wait_until(lambda: client.get("/files/list").status == 401, 3)
    body = assert_problem(client.get("/files/list"), 401, "unauthorized")
    assert "signed out" in body["detail"]


@pytest.fixture
def handler_keeping_memberships_1s(
    lambda_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    """`file_lambda.handler` imported again, as a container whose MEMBERSHIP_CACHE_SECONDS
    is 1 would import it (the session's copy keeps them the default 30 s)."""
    monkeypatch.setenv("MEMBERSHIP_CACHE_SECONDS", "1")
    spec = importlib.util.spec_from_file_location("handler_1s", lambda_module.__file__)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_handler_keeps_memberships_for_membership_cache_seconds(
    handler_keeping_memberships_1s: ModuleType,
    client_for: ClientFactory,
    db: psycopg.Connection[Any],
    user: str,
) -> None:
    token = client_for("member", sub=user).token
    client = AlbClient(handler_keeping_memberships_1s.handler, token=token)
    assert client.get("/files/list").status == 200

    db.execute("delete from public.tenant_members where user_id = %s", (user,))

    assert wait_until(lambda: client.get("/files/list").status == 403, 3)


def test_a_stranger_naming_a_tenant_is_refused(client_for: ClientFactory) -> None:
    other = str(uuid.uuid4())
    client = client_for("owner")

    refused = AlbClient(client.handler, token=client.token, tenant=other).get("/files/list")

    body = assert_problem(refused, 403, "tenant_forbidden", secrets=(other,))
    assert "X-Tenant-ID" in body["detail"]


# -- the verified-token cache honours expiry ---------------------------------------------


def test_a_cached_token_is_refused_once_it_expires() -> None:
    clock = Clock(1_000_000.0)
    verifier = TokenVerifier(jwt_secret=JWT_SECRET, supabase_url=None, clock=clock)
    now = int(time.time())
    token = hs256(claims(iat=now, exp=now + 60))
    clock.now = now
    assert verifier.verify(token)["exp"] == now + 60  # verified, and now cached

    clock.now = now + 60 + LEEWAY_SECONDS
    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(token)


def test_a_token_is_refused_by_the_verifiers_clock_even_when_the_library_accepts_it() -> None:
    now = int(time.time())
    verifier = TokenVerifier(
        jwt_secret=JWT_SECRET, supabase_url=None, clock=lambda: now + 3600 + LEEWAY_SECONDS
    )

    with pytest.raises(Unauthorized, match="expired"):
        verifier.verify(hs256(claims(iat=now, exp=now + 3600)))


# -- cursors: opaque, sealed, one tenant's -------------------------------------------------


@pytest.fixture
def paged(client: AlbClient, s3: Any, tenant: str) -> str:
    for index in range(3):
        s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/p/{index}.txt", Body=b"x")
    cursor = client.get("/files/list", params={"folder": "p", "limit": 1}).json()["next_cursor"]
    assert isinstance(cursor, str)
    return cursor


def test_a_cursor_reveals_neither_the_tenant_nor_the_key(paged: str, tenant: str) -> None:
    raw = base64.urlsafe_b64decode(paged + "=" * (-len(paged) % 4))

    for secret in (tenant, "tenants/", "p/0.txt", "p/1.txt"):
        assert secret.encode() not in raw


def test_a_tampered_cursor_is_refused(client: AlbClient, paged: str) -> None:
    raw = bytearray(base64.urlsafe_b64decode(paged + "=" * (-len(paged) % 4)))
    for index in (0, len(raw) // 2, len(raw) - 1):
        flipped = bytearray(raw)
        flipped[index] ^= 1
        cursor = base64.urlsafe_b64encode(bytes(flipped)).decode().rstrip("=")
        response = client.get("/files/list", params={"folder": "p", "limit": 1, "cursor": cursor})
        assert_problem(response, 400, "invalid_cursor")


def test_a_cursor_does_not_work_in_another_tenant(
    client_for: ClientFactory, paged: str, user: str
) -> None:
    other = str(uuid.uuid4())
    client = client_for(tenants={other: "owner"}, sub=user)

    response = client.get("/files/list", params={"folder": "p", "limit": 1, "cursor": paged})

    assert_problem(response, 400, "invalid_cursor")


def test_a_cursor_the_client_made_up_is_refused(client: AlbClient) -> None:
    forged = base64.urlsafe_b64encode(b'{"f":"","r":false,"t":"tenants/","a":null}').decode()

    assert_problem(client.get("/files/list", params={"cursor": forged}), 400, "invalid_cursor")


def test_a_cursor_sealed_under_a_key_anyone_could_derive_is_refused(
    client: AlbClient, tenant: str
) -> None:
    """Knowing the code is not enough to forge a cursor: its key is the deployment's secret."""
    public = hashlib.sha256(b"file-api listing cursors v1").digest()
    for key in (bytes(32), public):
        position = {"f": "", "r": False, "t": None, "a": None}
        forged = Cursors(lambda key=key: key).seal(tenant, position)

        response = client.get("/files/list", params={"cursor": forged})

        assert_problem(response, 400, "invalid_cursor")


def test_no_two_cursors_share_a_nonce() -> None:
    """AES-GCM must never see a nonce twice under one key (that would give away the
    key that authenticates cursors): each seal draws a fresh one, same position or not."""
    cursors = Cursors(lambda: bytes(range(32)))
    position = {"f": "", "r": False, "t": "token", "a": None}

    sealed = [cursors.seal(TENANT_A, position) for _ in range(50)]

    nonces = {base64.urlsafe_b64decode(c + "=" * (-len(c) % 4))[:NONCE_BYTES] for c in sealed}
    assert len(nonces) == 50


# -- request ids: the ALB's trace id format only -------------------------------------------

GOOD_TRACE = "Root=1-67891233-abcdef012345678912345678"


@pytest.mark.parametrize(
    "sent",
    [
        "attacker-chosen-id",
        GOOD_TRACE + '\n{"level":"ERROR"}',
        "Root=1-67891233-abcdef012345678912345678;" + "X=" + "a" * 300,
        "<script>alert(1)</script>",
        GOOD_TRACE + ";Sampled=<script>alert(1)</script>",
        # well formed field by field, yet over 256 characters in all
        GOOD_TRACE + "".join(f";{name}={'a' * 64}" for name in ("Parent", "Sampled", "Lin", "X")),
    ],
)
def test_a_client_chosen_request_id_is_replaced(client_for: ClientFactory, sent: str) -> None:
    response = client_for("owner").get(
        "/files/metadata/ghost.txt", headers={"X-Amzn-Trace-Id": sent}
    )

    request_id = assert_problem(response, 404, "file_not_found")["request_id"]
    assert request_id != sent
    assert str(uuid.UUID(request_id)) == request_id


def test_the_albs_trace_id_is_the_request_id(client_for: ClientFactory) -> None:
    sent = f"Self=1-67891233-123456789abcdef012345678;{GOOD_TRACE};Sampled=1"
    response = client_for("owner").get(
        "/files/metadata/ghost.txt", headers={"X-Amzn-Trace-Id": sent}
    )

    assert assert_problem(response, 404, "file_not_found")["request_id"] == sent


# -- delete-exact: the way out for keys the API would refuse -------------------------------

STRAY = [
    "bad\nname.txt",
    "invoice\u202egpj.exe",
    "${filename}",
    "cafe\u0301.txt",  # not NFC: the other routes would look for the NFC name
]


@pytest.mark.parametrize("path", STRAY)
def test_an_admin_deletes_a_stored_key_the_path_rules_refuse(
    client_for: ClientFactory, s3: Any, tenant: str, path: str
) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/{path}", Body=b"stray")
    listed = client_for("viewer").get("/files/list", params={"recursive": "true"}).json()
    assert path in [entry["path"] for entry in listed["files"]]

    for role in ("viewer", "member"):
        refused = client_for(role).post("/files/delete-exact", json_body={"path": path})
        assert_problem(refused, 403, "insufficient_role")
    response = client_for("admin").post("/files/delete-exact", json_body={"path": path})

    assert response.status == 204, response.body
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")["KeyCount"] == 0


def test_delete_exact_stays_inside_the_tenant(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    victim = str(uuid.uuid4())
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{victim}/keep.txt", Body=b"keep")
    admin = client_for("admin")

    for path in (f"../{victim}/keep.txt", f"/../{victim}/keep.txt", "", "a//b", "."):
        refused = admin.post("/files/delete-exact", json_body={"path": path})
        assert_problem(refused, 400, "invalid_path")
    assert_problem(
        admin.post("/files/delete-exact", json_body={"path": "ghost.txt"}), 404, "file_not_found"
    )
    assert s3.head_object(Bucket=BUCKET, Key=f"tenants/{victim}/keep.txt")["ContentLength"] == 4


def test_delete_exact_refuses_what_no_stored_key_can_be(
    client_for: ClientFactory, tenant: str
) -> None:
    """Not checked character by character, yet still a key: UTF-8, at most 1024 bytes."""
    admin = client_for("admin")
    too_long = "a" * (1024 - len(f"tenants/{tenant}/") + 1)

    refused = admin.post("/files/delete-exact", json_body={"path": too_long})
    assert_problem(refused, 400, "invalid_path")
    surrogate = admin.post(
        "/files/delete-exact",
        body=b'{"path": "a\\ud800b"}',
        headers={"content-type": "application/json"},
    )
    assert_problem(surrogate, 400, "invalid_path")


def test_unsigned_tokens_never_verify() -> None:
    # Kept here beside the cache test: alg none must not reach the cache either.
    token = jwt.encode(claims(), key=None, algorithm="none")  # type: ignore[arg-type]
    verifier = TokenVerifier(jwt_secret=JWT_SECRET, supabase_url=None)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            verifier.verify(token)
