"""Malware scanning, enforced (docs/api.md, "Malware scanning"): every way a version's bytes
or a URL to them leave the file API is judged by the version's verdict first.

Against SeaweedFS (presigned URLs are fetched) and Postgres with every migration: the
verdicts are recorded as the consumer records GuardDuty's events (`Consumer.consume` of
the EventBridge events `tests/support/bucket_events.py` builds). The suite's own handler
runs with scanning off (tests/conftest.py); these tests build the same app with it
enforced, on the same parts.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator, Sequence
from types import ModuleType
from typing import Any

import httpx
import psycopg
import pytest
from mangum import Mangum

from dev.alb import AlbClient, AlbResponse, LambdaContext
from file_lambda import alb
from file_lambda.app import create_app
from file_lambda.database import Database
from file_lambda.events.consumer import Consumer
from file_lambda.events.scan_results import TAG
from file_lambda.memberships import Memberships
from file_lambda.storage.port import ObjectUnreadable
from tests.support.bucket_events import record, scan_result, sqs_batch, sqs_messages
from tests.support.files import BUCKET, upload
from tests.support.problems import assert_problem
from tests.support.tokens import TokenFactory

RETRY_AFTER = 7
EICAR = "EICAR-Test-File (not a virus)"
# What GuardDuty reports for each state a client sees (none: pending).
RESULT = {
    "clean": "NO_THREATS_FOUND",
    "infected": "THREATS_FOUND",
    "unscannable": "UNSUPPORTED",
    "failed": "FAILED",
}
STATES = ("pending", "clean", "infected", "unscannable", "failed")
# What each reader gets of a version in each state.
MEMBER = {
    "pending": (409, "scan_pending"),
    "clean": (200, None),
    "infected": (403, "file_infected"),
    "unscannable": (200, None),
    "failed": (200, None),
}
LINK = {
    "pending": (409, "scan_pending"),
    "clean": (200, None),
    "infected": (403, "file_infected"),
    "unscannable": (403, "file_not_scanned"),
    "failed": (403, "file_not_scanned"),
}
BIG = 800_000  # over the inline download limit (~745 KB): a download redirects


class CountedLedger:
    """The container's connection, counting the statements that read verdicts."""

    def __init__(self, database: Any) -> None:
        self._database = database
        self.verdict_reads = 0
        self.verdicts_down = False

    def execute(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if "public.file_scans" in query:
            self.verdict_reads += 1
            if self.verdicts_down:
                raise OSError("connection refused")
        result: list[tuple[Any, ...]] = self._database.execute(query, params)
        return result


@dataclasses.dataclass
class Enforced:
    handler: Callable[[dict[str, Any], Any], dict[str, Any]]
    ledger: CountedLedger


@pytest.fixture(scope="module")
def enforced(lambda_module: ModuleType) -> Enforced:
    """The handler's app, on its own parts, with scanning enforced."""
    state = lambda_module.app.state
    settings = dataclasses.replace(
        state.settings, malware_scanning_enforced=True, scan_retry_after=RETRY_AFTER
    )
    ledger = CountedLedger(lambda_module.memberships)
    app = create_app(
        settings,
        state.storage,
        state.token_verifier,
        Memberships(lambda_module.memberships, ttl=settings.membership_ttl),
        state.cursors,
        state.upload_records,
        ledger=ledger,  # type: ignore[arg-type]
    )
    return Enforced(Mangum(app, lifespan="off", custom_handlers=[alb.AlbHandler]), ledger)


@pytest.fixture
def scanned_for(
    enforced: Enforced, make_token: TokenFactory, tenant: str
) -> Callable[..., AlbClient]:
    """A client of the enforcing app, with `role` in the test's tenant (as user `sub`)."""

    def factory(role: str = "member", *, sub: str | None = None) -> AlbClient:
        return AlbClient(enforced.handler, token=make_token({tenant: role}, sub=sub))

    return factory


@pytest.fixture
def recipient(enforced: Enforced) -> AlbClient:
    """Someone without an account, from an address of their own."""
    return AlbClient(enforced.handler)


@pytest.fixture(scope="module")
def consumer(db_url: str) -> Iterator[Consumer]:
    database = Database(lambda: db_url)
    yield Consumer(database)
    database.close()


def judged(
    consumer: Consumer, tenant: str, info: dict[str, Any], state: str, time: str | None = None
) -> None:
    """Record `state` for the version `info` describes, as the consumer records GuardDuty's
    event (nothing for pending)."""
    if state == "pending":
        return
    event = scan_result(
        f"tenants/{tenant}/{info['path']}",
        info["version_id"],
        RESULT[state],
        threats=[EICAR] if state == "infected" else [],
        etag=info["etag"].strip('"'),
        **({"time": time} if time else {}),
    )
    result = consumer.consume(sqs_messages([event]))
    assert result.response() == {"batchItemFailures": []}


def public(created: dict[str, Any], suffix: str = "") -> str:
    token = created["url"].rsplit("/", 1)[-1]
    return f"/files/public/shares/{token}{suffix}"


def share(client: AlbClient, path: str, **body: Any) -> dict[str, Any]:
    response = client.post("/files/shares", json_body={"path": path, **body})
    assert response.status == 201, response.body
    created: dict[str, Any] = response.json()
    return created


def answered(response: AlbResponse, expected: tuple[int, str | None]) -> None:
    status, code = expected
    if code is None:
        assert response.status == status, response.body[:300]
        return
    assert_problem(response, status, code)
    if code == "scan_pending":
        assert response.headers["retry-after"] == str(RETRY_AFTER)


def fetched(response: AlbResponse, url_of: Callable[[AlbResponse], str], data: bytes) -> None:
    got = httpx.get(url_of(response), timeout=10)
    assert got.status_code == 200
    assert got.content == data


def sql(db_url: str, query: str, params: tuple[Any, ...] = ()) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(query, params)


# -- every read, every state -----------------------------------------------------------------

MEMBER_READS = ["download", "redirect", "version", "presigned-url"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("read", MEMBER_READS)
def test_a_member_reads_a_version_by_its_verdict(
    read: str, state: str, scanned_for: Callable[..., AlbClient], consumer: Consumer, tenant: str
) -> None:
    writer, reader = scanned_for("member"), scanned_for("member")
    data = (b"x" * BIG) if read == "redirect" else uuid.uuid4().bytes * 64
    info = upload(writer, "in/report.pdf", data)
    params: dict[str, Any] = {}
    if read == "version":
        # An older version, judged by its own verdict: the current one is clean.
        params = {"version_id": info["version_id"]}
        judged(consumer, tenant, upload(writer, "in/report.pdf", b"newer"), "clean")
    judged(consumer, tenant, info, state)

    if read == "presigned-url":
        response = reader.get("/files/presigned-url/in/report.pdf")
    else:
        response = reader.get("/files/download/in/report.pdf", params=params)
    expected = MEMBER[state]
    if read == "redirect" and expected[0] == 200:
        expected = (307, None)
    answered(response, expected)
    if read == "redirect" and response.status == 307:
        fetched(response, lambda r: r.headers["location"], data)
    elif read == "presigned-url" and response.status == 200:
        fetched(response, lambda r: r.json()["url"], data)
    elif response.status == 200:
        assert response.body == data


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("read", ["POST downloads", "GET download", "folder link"])
def test_a_link_hands_out_only_clean_files_and_counts_no_refused_download(
    read: str,
    state: str,
    scanned_for: Callable[..., AlbClient],
    recipient: AlbClient,
    consumer: Consumer,
    tenant: str,
) -> None:
    member = scanned_for("member")
    data = uuid.uuid4().bytes * 64
    info = upload(member, "out/deliverable.pdf", data)
    # Made before the verdict: a link to an infected file is never made (below).
    created = (
        share(member, "out", kind="folder")
        if read == "folder link"
        else share(member, "out/deliverable.pdf")
    )
    judged(consumer, tenant, info, state)

    if read == "GET download":
        response = recipient.get(public(created, "/download"))
    else:
        body = {"path": "deliverable.pdf"} if read == "folder link" else {}
        response = recipient.post(public(created, "/downloads"), json_body=body)
    expected = LINK[state]
    if read == "GET download" and expected[0] == 200:
        expected = (307, None)
    answered(response, expected)
    if response.status == 307:
        fetched(response, lambda r: r.headers["location"], data)
    elif response.status == 200:
        fetched(response, lambda r: r.json()["url"], data)
    counted = member.get(f"/files/shares/{created['id']}").json()["downloads"]
    assert counted == (1 if expected[0] < 400 else 0)


# -- who may read a pending version ------------------------------------------------------------


def test_who_wrote_a_pending_version_reads_it_back_and_nobody_else_but_by_the_tenants_choice(
    scanned_for: Callable[..., AlbClient], recipient: AlbClient, db_url: str, tenant: str
) -> None:
    writer_id = str(uuid.uuid4())
    writer, other = scanned_for("member", sub=writer_id), scanned_for("owner")
    data = uuid.uuid4().bytes * 64
    upload(writer, "drafts/new.docx", data)
    created = share(writer, "drafts/new.docx")

    assert writer.get("/files/download/drafts/new.docx").body == data
    assert writer.get("/files/presigned-url/drafts/new.docx").status == 200
    answered(other.get("/files/download/drafts/new.docx"), MEMBER["pending"])
    answered(other.get("/files/presigned-url/drafts/new.docx"), MEMBER["pending"])
    # A link acts as its creator, who wrote the file: still never before its verdict.
    answered(recipient.post(public(created, "/downloads"), json_body={}), LINK["pending"])

    # The tenant lets its members read what is not scanned yet: at once (a pending
    # verdict is never kept), and never through a link.
    sql(db_url, "update public.tenants set members_read_pending = true where id = %s", (tenant,))
    assert other.get("/files/download/drafts/new.docx").body == data
    answered(recipient.get(public(created, "/download")), LINK["pending"])
    sql(db_url, "update public.tenants set members_read_pending = false where id = %s", (tenant,))
    answered(other.get("/files/download/drafts/new.docx"), MEMBER["pending"])


def test_a_copy_of_a_pending_version_is_pending_for_its_bytes_writer_not_its_copier(
    scanned_for: Callable[..., AlbClient], consumer: Consumer, tenant: str
) -> None:
    writer, copier = scanned_for("member"), scanned_for("member")
    data = uuid.uuid4().bytes * 64
    upload(writer, "in/a.bin", data)
    copy = {"source": "in/a.bin", "destination": "mine/a.bin"}
    copied = copier.post("/files/copy", json_body=copy)
    assert copied.status == 201, copied.body
    # Copying unscanned bytes does not make the copier their writer.
    answered(copier.get("/files/download/mine/a.bin"), MEMBER["pending"])
    assert writer.get("/files/download/mine/a.bin").body == data
    moved = copier.post("/files/move", json_body={"source": "mine/a.bin", "destination": "b.bin"})
    assert moved.status == 200, moved.body
    answered(copier.get("/files/download/b.bin"), MEMBER["pending"])
    # Its own verdict makes it readable.
    judged(consumer, tenant, moved.json(), "clean")
    assert copier.get("/files/download/b.bin").body == data


# -- an infected version is handed on to nobody ----------------------------------------------


def test_an_infected_version_is_never_copied_moved_restored_or_shared(
    scanned_for: Callable[..., AlbClient], consumer: Consumer, tenant: str
) -> None:
    member = scanned_for("member")
    infected = upload(member, "in/eicar.com", b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR")
    current = upload(member, "in/eicar.com", b"a clean rewrite")
    judged(consumer, tenant, infected, "infected")
    judged(consumer, tenant, current, "clean")
    restore = {"path": "in/eicar.com", "version_id": infected["version_id"]}
    assert_problem(member.post("/files/versions/restore", json_body=restore), 403, "file_infected")

    judged(consumer, tenant, upload(member, "in/bad.exe", b"MZ bad"), "infected")
    for operation in ("copy", "move"):
        body = {"source": "in/bad.exe", "destination": f"{operation}.exe"}
        assert_problem(member.post(f"/files/{operation}", json_body=body), 403, "file_infected")
    assert_problem(
        member.post("/files/shares", json_body={"path": "in/bad.exe"}), 403, "file_infected"
    )
    listed = member.get("/files/list", params={"recursive": True}).json()["files"]
    assert sorted(item["path"] for item in listed) == ["in/bad.exe", "in/eicar.com"]

    # Deleted, it stays in the trash: brought back, no one could read it.
    assert member.delete("/files/delete/in/bad.exe").status == 204
    trash = member.post("/files/trash/restore", json_body={"path": "in/bad.exe"})
    assert_problem(trash, 403, "file_infected")
    assert member.get("/files/metadata/in/bad.exe").status == 404


def test_an_admin_purges_an_infected_file_and_usage_counts_it_until_then(
    scanned_for: Callable[..., AlbClient],
    lambda_module: ModuleType,
    consumer: Consumer,
    tenant: str,
) -> None:
    member, admin = scanned_for("member"), scanned_for("admin")
    clean = upload(member, "ok.txt", b"c" * 10)
    infected = upload(member, "in/eicar.com", b"e" * 68)
    judged(consumer, tenant, clean, "clean")
    judged(consumer, tenant, infected, "infected")

    def notified(records: list[dict[str, Any]]) -> None:
        answer = lambda_module.handler(sqs_batch(records), LambdaContext())
        assert answer == {"batchItemFailures": []}

    def all_versions() -> dict[str, int]:
        totals: dict[str, int] = member.get("/files/usage").json()["all_versions"]
        return totals

    key = f"tenants/{tenant}/in/eicar.com"
    notified(
        [
            record(
                "ObjectCreated:Put",
                f"tenants/{tenant}/ok.txt",
                clean["version_id"],
                size=10,
                sequencer="01",
            ),
            record("ObjectCreated:Put", key, infected["version_id"], size=68, sequencer="01"),
        ]
    )
    assert all_versions() == {"size": 78, "objects": 2}

    assert member.delete("/files/delete/in/eicar.com").status == 204
    # Purging is an admin's (the trash's rule), infected or not.
    assert_problem(
        member.post("/files/trash/purge", json_body={"path": "in/eicar.com"}),
        403,
        "insufficient_role",
    )
    purged = admin.post("/files/trash/purge", json_body={"path": "in/eicar.com"})
    assert purged.status == 200, purged.body
    assert purged.json()["purged_versions"] == 2  # the version and the delete marker
    notified([record("ObjectRemoved:Delete", key, infected["version_id"], sequencer="03")])
    assert all_versions() == {"size": 10, "objects": 1}


# -- what listings, metadata and versions show ---------------------------------------------


def test_listings_metadata_and_versions_show_each_versions_state_in_one_query(
    scanned_for: Callable[..., AlbClient], enforced: Enforced, consumer: Consumer, tenant: str
) -> None:
    member = scanned_for("viewer")
    writer = scanned_for("member")
    infos = {state: upload(writer, f"docs/{state}.txt", state.encode() * 9) for state in STATES}
    for state, info in infos.items():
        judged(consumer, tenant, info, state)

    before = enforced.ledger.verdict_reads
    listed = member.get("/files/list", params={"folder": "docs"}).json()["files"]
    assert {item["name"]: item["scan"] for item in listed} == {
        f"{state}.txt": state for state in STATES
    }
    assert enforced.ledger.verdict_reads == before + 1  # one query for the page

    for state in STATES:
        metadata = member.get(f"/files/metadata/docs/{state}.txt").json()
        assert metadata["scan"] == state

    # A rewrite is pending again; the older version keeps its verdict.
    newer = upload(writer, "docs/clean.txt", b"rewritten")
    assert writer.delete("/files/delete/docs/clean.txt").status == 204
    back = upload(writer, "docs/clean.txt", b"back")
    before = enforced.ledger.verdict_reads
    versions = member.get("/files/versions/docs/clean.txt").json()["versions"]
    assert enforced.ledger.verdict_reads == before + 1
    assert [v["scan"] for v in versions if v["is_delete_marker"]] == [None]
    assert {v["version_id"]: v["scan"] for v in versions if not v["is_delete_marker"]} == {
        infos["clean"]["version_id"]: "clean",
        newer["version_id"]: "pending",
        back["version_id"]: "pending",
    }
    listed = member.get("/files/list", params={"folder": "docs"}).json()["files"]
    assert {item["name"]: item["scan"] for item in listed}["clean.txt"] == "pending"


def test_a_warm_download_of_a_scanned_file_reads_no_verdict(
    scanned_for: Callable[..., AlbClient], enforced: Enforced, consumer: Consumer, tenant: str
) -> None:
    member = scanned_for("member")
    judged(consumer, tenant, upload(member, "warm.txt", b"w" * 100), "clean")
    assert member.get("/files/download/warm.txt").status == 200
    before = enforced.ledger.verdict_reads
    for _ in range(3):
        assert member.get("/files/download/warm.txt").status == 200
    assert enforced.ledger.verdict_reads == before


def test_without_the_database_reads_fail_closed_and_listings_show_no_state(
    scanned_for: Callable[..., AlbClient], enforced: Enforced, consumer: Consumer, tenant: str
) -> None:
    writer, member = scanned_for("member"), scanned_for("member")
    judged(consumer, tenant, upload(writer, "kept.txt", b"k" * 10), "clean")
    assert member.get("/files/download/kept.txt").status == 200  # its verdict is kept now
    upload(writer, "new.txt", b"n" * 10)
    enforced.ledger.verdicts_down = True
    try:
        # A verdict not kept cannot be checked: no bytes, no URL.
        assert_problem(member.get("/files/download/new.txt"), 503, "database_unavailable")
        assert_problem(member.get("/files/presigned-url/new.txt"), 503, "database_unavailable")
        # A kept one still serves; listings and metadata answer without a state.
        assert member.get("/files/download/kept.txt").body == b"k" * 10
        listed = member.get("/files/list").json()["files"]
        assert {item["name"]: item["scan"] for item in listed} == {
            "kept.txt": None,
            "new.txt": None,
        }
        assert member.get("/files/metadata/new.txt").json()["scan"] is None
        versions = member.get("/files/versions/new.txt").json()["versions"]
        assert [version["scan"] for version in versions] == [None]
    finally:
        enforced.ledger.verdicts_down = False


def test_a_links_recipient_sees_each_files_state(
    scanned_for: Callable[..., AlbClient], recipient: AlbClient, consumer: Consumer, tenant: str
) -> None:
    member = scanned_for("member")
    infos = {state: upload(member, f"out/{state}.pdf", b"p" * 50) for state in STATES}
    file_link = share(member, "out/pending.pdf")
    password_link = share(member, "out/clean.pdf", password="correct horse")
    folder_link = share(member, "out", kind="folder", lists_contents=True)
    for state, info in infos.items():
        judged(consumer, tenant, info, state)

    assert recipient.get(public(file_link)).json()["scan"] == "pending"
    assert recipient.get(public(password_link)).json()["scan"] is None  # locked
    assert recipient.get(public(folder_link)).json()["scan"] is None  # a folder
    listed = recipient.get(public(folder_link, "/files")).json()["files"]
    assert {item["name"]: item["scan"] for item in listed} == {
        f"{state}.pdf": state for state in STATES
    }


# -- AWS's bucket policy: not even the API reads an infected version ------------------------


class RefusingStorage:
    """SeaweedFS, except that a HEAD or GET of a version in `refused` answers as AWS's bucket
    policy answers one GuardDuty tagged infected: 403, whoever asks (SeaweedFS has no such
    policy)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.refused: set[tuple[str, str]] = set()

    def _check(self, key: str, version_id: str | None) -> None:
        version = version_id or self.real.head(key).version_id
        if (key, version) in self.refused:
            raise ObjectUnreadable("File storage refused to read the file")

    def head(self, key: str, version_id: str | None = None) -> Any:
        self._check(key, version_id)
        return self.real.head(key, version_id)

    def open(
        self, key: str, version_id: str | None = None, if_none_match: str | None = None
    ) -> Any:
        self._check(key, version_id)
        return self.real.open(key, version_id, if_none_match)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def test_where_the_bucket_refuses_the_api_an_infected_version_it_still_answers_file_infected(
    lambda_module: ModuleType,
    make_token: TokenFactory,
    consumer: Consumer,
    tenant: str,
) -> None:
    state = lambda_module.app.state
    storage = RefusingStorage(state.storage)
    settings = dataclasses.replace(state.settings, malware_scanning_enforced=True)
    app = create_app(
        settings,
        storage,  # type: ignore[arg-type]
        state.token_verifier,
        Memberships(lambda_module.memberships, ttl=settings.membership_ttl),
        state.cursors,
        state.upload_records,
        ledger=lambda_module.memberships,
    )
    handler = Mangum(app, lifespan="off", custom_handlers=[alb.AlbHandler])
    member = AlbClient(handler, token=make_token({tenant: "member"}))
    admin = AlbClient(handler, token=make_token({tenant: "admin"}))
    recipient = AlbClient(handler)
    infected = upload(member, "in/eicar.com", b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR")
    created = share(member, "in/eicar.com")
    judged(consumer, tenant, infected, "infected")
    storage.refused.add((f"tenants/{tenant}/in/eicar.com", infected["version_id"]))

    for refused in (
        member.get("/files/download/in/eicar.com"),
        member.get("/files/download/in/eicar.com", params={"version_id": infected["version_id"]}),
        member.get("/files/presigned-url/in/eicar.com"),
        member.get("/files/metadata/in/eicar.com"),
        member.post("/files/copy", json_body={"source": "in/eicar.com", "destination": "c.com"}),
        member.post("/files/shares", json_body={"path": "in/eicar.com"}),
        recipient.post(public(created, "/downloads"), json_body={}),
        recipient.get(public(created)),
    ):
        assert_problem(refused, 403, "file_infected")
    assert member.get(f"/files/shares/{created['id']}").json()["downloads"] == 0
    versions = member.get("/files/versions/in/eicar.com").json()["versions"]
    assert [(v["scan"], v["uploaded_by"]) for v in versions] == [("infected", None)]

    # Storage refuses reading it, not deleting it: it goes, and an admin purges it.
    assert member.delete("/files/delete/in/eicar.com").status == 204
    purged = admin.post("/files/trash/purge", json_body={"path": "in/eicar.com"})
    assert purged.status == 200, purged.body

    # A read refused for another reason stays the storage error it is.
    clean = upload(member, "ok.txt", b"fine")
    judged(consumer, tenant, clean, "clean")
    storage.refused.add((f"tenants/{tenant}/ok.txt", clean["version_id"]))
    assert_problem(member.get("/files/download/ok.txt"), 502, "storage_error")


# -- tenants apart, and scanning off ------------------------------------------------------------


def test_another_tenants_verdicts_never_reach_a_tenant(
    scanned_for: Callable[..., AlbClient],
    enforced: Enforced,
    make_token: TokenFactory,
    consumer: Consumer,
    tenant: str,
) -> None:
    data = uuid.uuid4().bytes * 64
    mine = upload(scanned_for("member"), "same/name.pdf", data)
    judged(consumer, tenant, mine, "infected")
    other = str(uuid.uuid4())
    theirs = AlbClient(enforced.handler, token=make_token({other: "member"}))
    reader = AlbClient(enforced.handler, token=make_token({other: "member"}))
    info = upload(theirs, "same/name.pdf", data)  # the same path, the same bytes, the same ETag
    assert info["etag"] == mine["etag"]
    listed = reader.get("/files/list", params={"folder": "same"}).json()["files"]
    assert [item["scan"] for item in listed] == ["pending"]
    answered(reader.get("/files/download/same/name.pdf"), MEMBER["pending"])
    judged(consumer, other, info, "clean")
    assert reader.get("/files/download/same/name.pdf").body == data
    # A verdict of this tenant's root, even naming the other's version, stays in this tenant.
    judged(consumer, tenant, info, "infected", time="2026-12-01T00:00:00Z")
    assert reader.get("/files/metadata/same/name.pdf").json()["scan"] == "clean"
    listed = reader.get("/files/list", params={"folder": "same"}).json()["files"]
    assert [item["scan"] for item in listed] == ["clean"]
    assert reader.get("/files/download/same/name.pdf").body == data


def test_with_scanning_off_nothing_is_judged_or_shown(
    client_for: Callable[..., AlbClient], consumer: Consumer, tenant: str, lambda_module: ModuleType
) -> None:
    member = client_for("member")
    data = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR"
    info = upload(member, "in/eicar.com", data)
    judged(consumer, tenant, info, "infected")
    assert member.get("/files/download/in/eicar.com").body == data
    assert member.get("/files/presigned-url/in/eicar.com").status == 200
    assert member.get("/files/metadata/in/eicar.com").json()["scan"] is None
    assert member.get("/files/list", params={"folder": "in"}).json()["files"][0]["scan"] is None
    versions = member.get("/files/versions/in/eicar.com").json()["versions"]
    assert versions[0]["scan"] is None
    created = share(member, "in/eicar.com")
    link = AlbClient(lambda_module.handler)
    assert link.post(public(created, "/downloads"), json_body={}).status == 200
    assert (
        member.post(
            "/files/copy", json_body={"source": "in/eicar.com", "destination": "c.com"}
        ).status
        == 201
    )


def test_a_copy_carries_no_scanners_tag_of_its_source(
    client: AlbClient, s3: Any, tenant: str
) -> None:
    """The scanner's tag is the scanner's alone: a copy is a new version, unscanned until
    its own scan tags it. S3 copies the source's tags by default (TaggingDirective
    COPY), which on AWS would also need tagging rights the bucket's policy denies all
    but GuardDuty."""
    upload(client, "tagged.txt", b"clean bytes")
    key = f"tenants/{tenant}/tagged.txt"
    s3.put_object_tagging(
        Bucket=BUCKET,
        Key=key,
        Tagging={"TagSet": [{"Key": TAG, "Value": "NO_THREATS_FOUND"}]},
    )
    copied = client.post("/files/copy", json_body={"source": "tagged.txt", "destination": "c.txt"})
    assert copied.status == 201, copied.body
    tags = s3.get_object_tagging(Bucket=BUCKET, Key=f"tenants/{tenant}/c.txt")["TagSet"]
    assert tags == []
