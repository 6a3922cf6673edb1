"""Malware scanning end to end (issue 28): the EICAR test file sent through every door of
`make dev` becomes `infected`, in `public.file_scans` and in its version's
`GuardDutyMalwareScanStatus` tag, within a measured time; a clean file `clean`; a file
over the scanner's limit `unscannable`.

The stack's scanner (dev/scanner.py) stands where GuardDuty stands in AWS: it sees each
new version the bucket watcher reports, tags it and puts GuardDuty's EventBridge event on
the bucket-changes queue, which the file API's own handler records. The scanner's engine
and its tagging are tested in this process too, against the session's SeaweedFS.

What a reader is then refused (download, presigned URL, share link, versions) is the file
API's, tested in tests/files/test_scanning.py.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from botocore.exceptions import ClientError

from dev import DEV_BUCKET
from dev.bucket_notifications import BucketChanges, BucketSource, EventSourceMapping, LocalQueue
from dev.ports import free_port
from dev.scanner import (
    EICAR,
    EICAR_MAX_BYTES,
    EICAR_THREAT,
    GUARDDUTY_MAX_BYTES,
    Scanner,
    eicar_threats,
)
from file_lambda.database import Database
from file_lambda.events.scan_results import TAG, is_scan_result, parse_scan_result
from file_lambda.storage.port import VersionEntry
from file_lambda.storage.s3 import S3Storage
from tests.support.files import BUCKET
from tests.support.problems import assert_problem
from tests.support.stack import Stack, start_stack

pytestmark = pytest.mark.slow

# The test stack's scanner limit: small, so that an upload over it is quick.
LIMIT = 1024 * 1024
CLEAN = b"Quarterly figures, nothing to see here.\n"


# -- the engine ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "infected"),
    [
        (EICAR, True),  # the 68 bytes alone
        (EICAR + b"\r\n", True),  # as a text editor saves it
        (EICAR + b" \t\n\r\x1a" * 12, True),  # any whitespace, 128 bytes in all
        (EICAR + b" " * (EICAR_MAX_BYTES - len(EICAR) + 1), False),  # 129 bytes: too long
        (EICAR + b"x", False),  # anything but whitespace after it
        (b" " + EICAR, False),  # not at the start
        (EICAR[:-1], False),  # not all of it
        (CLEAN, False),
        (b"", False),
    ],
)
def test_the_engine_knows_the_eicar_test_file_as_its_standard_defines_it(
    body: bytes, infected: bool
) -> None:
    assert eicar_threats(body) == ([EICAR_THREAT] if infected else [])


def test_the_default_limit_is_guardduty_s() -> None:
    assert GUARDDUTY_MAX_BYTES == 100 * 1024**3


# -- the scanner in this process, over the session's SeaweedFS -----------------------------


def entry_of(s3: Any, key: str, version_id: str) -> VersionEntry:
    head = s3.head_object(Bucket=BUCKET, Key=key, VersionId=version_id)
    return VersionEntry(
        key=key,
        version_id=version_id,
        is_latest=True,
        is_delete_marker=False,
        size=int(head["ContentLength"]),
        etag=str(head["ETag"]),
        last_modified=head["LastModified"],
    )


def tags_of(s3: Any, key: str, version_id: str) -> dict[str, str]:
    held = s3.get_object_tagging(Bucket=BUCKET, Key=key, VersionId=version_id)["TagSet"]
    return {tag["Key"]: tag["Value"] for tag in held}


@pytest.fixture
def published() -> list[dict[str, Any]]:
    return []


@pytest.fixture
def scanner(s3: Any, published: list[dict[str, Any]]) -> Iterator[Scanner]:
    scanning = Scanner(s3, BUCKET, published.extend, max_bytes=LIMIT)
    scanning.start()
    yield scanning
    scanning.stop()


@pytest.mark.seaweedfs
def test_each_version_is_tagged_and_reported_as_guardduty_reports_it(
    s3: Any, scanner: Scanner, published: list[dict[str, Any]]
) -> None:
    tenant = str(uuid.uuid4())
    key = f"tenants/{tenant}/in/report.txt"
    first = s3.put_object(Bucket=BUCKET, Key=key, Body=EICAR, Tagging="project=apollo")
    second = s3.put_object(Bucket=BUCKET, Key=key, Body=CLEAN)
    big = s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/big.bin", Body=b"b" * (LIMIT + 1))
    empty = s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/empty.txt", Body=b"")

    assert scanner.scan(entry_of(s3, key, first["VersionId"])).result == "THREATS_FOUND"
    assert scanner.scan(entry_of(s3, key, second["VersionId"])).result == "NO_THREATS_FOUND"
    big_entry = entry_of(s3, f"tenants/{tenant}/big.bin", big["VersionId"])
    assert scanner.scan(big_entry).result == "UNSUPPORTED"
    # An empty file is read whole: S3 refuses a range of it.
    nothing = entry_of(s3, f"tenants/{tenant}/empty.txt", empty["VersionId"])
    assert scanner.scan(nothing).result == "NO_THREATS_FOUND"

    # Each version its own tag; the tags it had are kept.
    assert tags_of(s3, key, first["VersionId"]) == {"project": "apollo", TAG: "THREATS_FOUND"}
    assert tags_of(s3, key, second["VersionId"]) == {TAG: "NO_THREATS_FOUND"}
    assert tags_of(s3, big_entry.key, big["VersionId"]) == {TAG: "UNSUPPORTED"}
    # The events read as GuardDuty's do, through the consumer's own parser.
    assert all(is_scan_result(event) for event in published)
    infected, clean, unsupported, _ = (parse_scan_result(event) for event in published)
    assert infected is not None
    assert clean is not None
    assert unsupported is not None
    assert (infected.tenant_id, infected.path, infected.version_id) == (
        tenant,
        "in/report.txt",
        first["VersionId"],
    )
    assert (infected.result, infected.threats) == ("THREATS_FOUND", (EICAR_THREAT,))
    assert infected.etag == first["ETag"].strip('"')
    assert (clean.result, clean.threats, clean.version_id) == (
        "NO_THREATS_FOUND",
        (),
        second["VersionId"],
    )
    assert published[1]["detail"]["scanResultDetails"]["threats"] is None
    assert unsupported.result == "UNSUPPORTED"
    assert published[2]["detail"]["scanStatus"] == "SKIPPED"


@pytest.mark.seaweedfs
def test_a_version_that_cannot_be_read_is_reported_failed(
    s3: Any, scanner: Scanner, published: list[dict[str, Any]]
) -> None:
    key = f"tenants/{uuid.uuid4()}/gone.txt"
    put = s3.put_object(Bucket=BUCKET, Key=key, Body=CLEAN)
    entry = entry_of(s3, key, put["VersionId"])
    s3.delete_object(Bucket=BUCKET, Key=key, VersionId=put["VersionId"])

    assert scanner.scan(entry).result == "FAILED"
    [event] = published
    assert event["detail"]["scanResultDetails"]["scanResultStatus"] == "FAILED"


@pytest.mark.seaweedfs
def test_a_version_with_ten_tags_is_not_tagged_and_its_result_is_published_all_the_same(
    s3: Any, scanner: Scanner, published: list[dict[str, Any]]
) -> None:
    """S3 keeps at most 10 tags: GuardDuty's "post-scan tag failure"."""
    key = f"tenants/{uuid.uuid4()}/tagged.txt"
    full = "&".join(f"t{n}=v" for n in range(10))
    put = s3.put_object(Bucket=BUCKET, Key=key, Body=EICAR, Tagging=full)

    assert scanner.scan(entry_of(s3, key, put["VersionId"])).result == "THREATS_FOUND"
    assert TAG not in tags_of(s3, key, put["VersionId"])
    assert len(tags_of(s3, key, put["VersionId"])) == 10
    [event] = published
    assert event["detail"]["scanResultDetails"]["scanResultStatus"] == "THREATS_FOUND"


class RefusingS3:
    """An S3 client whose reads are refused, as S3 refuses a role without s3:GetObject."""

    def get_object(self, **_: Any) -> dict[str, Any]:
        error = {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}
        raise ClientError(error, "GetObject")  # type: ignore[arg-type]

    def get_object_tagging(self, **_: Any) -> dict[str, Any]:
        return {"TagSet": []}

    def put_object_tagging(self, **_: Any) -> None:
        return None


def test_a_read_s3_refuses_is_reported_access_denied() -> None:
    published: list[dict[str, Any]] = []
    entry = VersionEntry(
        key="tenants/t/secret.bin",
        version_id="v1",
        size=10,
        etag='"e"',
        last_modified=datetime.now(UTC),
        is_latest=True,
        is_delete_marker=False,
    )
    assert Scanner(RefusingS3(), BUCKET, published.extend).scan(entry).result == "ACCESS_DENIED"
    assert published[0]["detail"]["scanStatus"] == "SKIPPED"


class SlowS3:
    """An S3 client whose reads wait for the test: a large file being read."""

    def __init__(self) -> None:
        self.reading = threading.Event()
        self.release = threading.Event()

    def get_object(self, **_: Any) -> dict[str, Any]:
        self.reading.set()
        self.release.wait(10)
        return {"Body": io.BytesIO(CLEAN)}

    def get_object_tagging(self, **_: Any) -> dict[str, Any]:
        return {"TagSet": []}

    def put_object_tagging(self, **_: Any) -> None:
        return None


def test_scans_run_off_the_caller_s_thread() -> None:
    """The watcher hands versions over and goes on listing: a slow read holds only a
    scanner's thread."""
    slow = SlowS3()
    published: list[dict[str, Any]] = []
    scanning = Scanner(slow, BUCKET, published.extend)
    scanning.start()
    try:
        entry = VersionEntry(
            key="tenants/t/a.bin",
            version_id="v1",
            size=len(CLEAN),
            etag='"e"',
            last_modified=datetime.now(UTC),
            is_latest=True,
            is_delete_marker=False,
        )
        started = time.monotonic()
        scanning.submit([entry])
        assert time.monotonic() - started < 0.5
        assert slow.reading.wait(5)
        assert not published
    finally:
        slow.release.set()
        scanning.stop()
    assert [event["detail"]["scanResultDetails"]["scanResultStatus"] for event in published] == [
        "NO_THREATS_FOUND"
    ]


# -- make dev, every door --------------------------------------------------------------------


@pytest.fixture(scope="module")
def scanning_stack() -> Iterator[Stack]:
    """A `make dev` of its own, its scanner's limit small (SCANNER_MAX_BYTES)."""
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-scanning-"))
    running = start_stack(state_dir, env={"SCANNER_MAX_BYTES": str(LIMIT)})
    try:
        yield running
    finally:
        running.stop_cleanly()


class Member:
    """A new tenant's owner, calling the API as a client does."""

    def __init__(self, stack: Stack) -> None:
        token, self.tenant = stack.new_tenant("Scanning")
        self.api = httpx.Client(
            base_url=stack.api,
            headers={"Authorization": f"Bearer {token}", "X-Tenant-ID": self.tenant},
            timeout=30,
        )


@pytest.fixture
def member(scanning_stack: Stack) -> Iterator[Member]:
    made = Member(scanning_stack)
    yield made
    made.api.close()


def ok(answer: httpx.Response, *statuses: int) -> Any:
    assert answer.status_code in (statuses or (200, 201)), answer.text
    return answer.json() if answer.content else None


# Each door writes `body` as a new file and answers its path (relative to the tenant).
Door = Callable[[Stack, Member, bytes], str]


def inline_upload(stack: Stack, member: Member, body: bytes) -> str:
    ok(member.api.post("/files/upload", params={"folder": "inline"}, files={"file": ("f", body)}))
    return "inline/f"


def presigned_post(stack: Stack, member: Member, body: bytes) -> str:
    form = ok(member.api.post("/files/presigned-upload", params={"file_path": "posted/f"}))
    posted = httpx.post(form["url"], data=form["fields"], files={"file": ("f", body)})
    assert posted.status_code in (200, 201, 204), posted.text
    return "posted/f"


def multipart(stack: Stack, member: Member, body: bytes) -> str:
    created = ok(member.api.post("/files/multipart", json={"path": "parts/f", "size": len(body)}))
    upload = created["upload_id"]
    [part] = ok(
        member.api.post(f"/files/multipart/{upload}/sign", json={"parts": [{"part_number": 1}]})
    )["parts"]
    assert httpx.put(part["url"], content=body, headers=part["headers"]).status_code == 200
    ok(member.api.post(f"/files/multipart/{upload}/complete", json={}))
    return "parts/f"


def companion_upload(endpoint: str, name: str, body: bytes) -> None:
    """What @uppy/aws-s3 does for one file in one part, against a Companion endpoint."""
    created = ok(httpx.post(f"{endpoint}/s3/multipart", json={"filename": name, "metadata": {}}))
    upload = created["uploadId"]
    signed = ok(httpx.get(f"{endpoint}/s3/multipart/{upload}/1"))
    etag = httpx.put(signed["url"], content=body).headers["etag"]
    parts = [{"PartNumber": 1, "ETag": etag}]
    ok(httpx.post(f"{endpoint}/s3/multipart/{upload}/complete", json={"parts": parts}))


def upload_session(stack: Stack, member: Member, body: bytes) -> str:
    session = ok(member.api.post("/files/upload-sessions", json={"folder": "session"}))
    companion_upload(session["companion_endpoint"], "f", body)
    return "session/f"


def file_request(stack: Stack, member: Member, body: bytes) -> str:
    opened = ok(member.api.post("/files/requests", json={"title": "Send", "folder": "asked"}))
    token = opened["url"].rsplit("/", 1)[1]
    companion_upload(f"{stack.api}/files/public/requests/{token}", "f", body)
    return "asked/f"


def straight_to_s3(stack: Stack, member: Member, body: bytes) -> str:
    stack.s3().put_object(Bucket=DEV_BUCKET, Key=f"tenants/{member.tenant}/s3/f", Body=body)
    return "s3/f"


DOORS: dict[str, Door] = {
    "inline upload": inline_upload,
    "presigned POST": presigned_post,
    "multipart": multipart,
    "upload session": upload_session,
    "file request": file_request,
    "straight to S3": straight_to_s3,
}


def test_the_eicar_file_is_infected_through_every_door_within_a_measured_time(
    scanning_stack: Stack, member: Member
) -> None:
    answered: dict[str, tuple[str, float]] = {}
    for door, send in DOORS.items():
        path = send(scanning_stack, member, EICAR)
        answered[door] = (path, time.time())

    seconds = {}
    for door, (path, at) in answered.items():
        verdict = scanning_stack.wait_for_verdict(member.tenant, path)
        assert (verdict.status, verdict.result, verdict.threats) == (
            "infected",
            "THREATS_FOUND",
            (EICAR_THREAT,),
        ), door
        tag = scanning_stack.scan_tag(member.tenant, path, verdict.version_id)
        assert tag == "THREATS_FOUND", door
        seconds[door] = verdict.recorded_at.timestamp() - at
    for door, took in seconds.items():
        print(f"{door}: infected {took:.2f} s after the upload's answer")
    p50, longest = statistics.median(seconds.values()), max(seconds.values())
    print(f"upload to verdict over {len(seconds)} doors: p50 {p50:.2f} s, max {longest:.2f} s")


def test_a_clean_file_is_clean_and_one_over_the_limit_unscannable(
    scanning_stack: Stack, member: Member
) -> None:
    ok(member.api.post("/files/upload", files={"file": ("notes.txt", CLEAN)}))
    straight_to_s3_path = f"tenants/{member.tenant}/large.bin"
    scanning_stack.s3().put_object(
        Bucket=DEV_BUCKET, Key=straight_to_s3_path, Body=b"x" * (LIMIT + 1)
    )

    clean = scanning_stack.wait_for_verdict(member.tenant, "notes.txt")
    assert (clean.status, clean.result, clean.threats) == ("clean", "NO_THREATS_FOUND", ())
    assert scanning_stack.scan_tag(member.tenant, "notes.txt", clean.version_id) == (
        "NO_THREATS_FOUND"
    )
    large = scanning_stack.wait_for_verdict(member.tenant, "large.bin")
    assert (large.status, large.result) == ("unscannable", "UNSUPPORTED")
    assert scanning_stack.scan_tag(member.tenant, "large.bin", large.version_id) == "UNSUPPORTED"
    assert "Malware scanner" in scanning_stack.output()
    assert f"over {LIMIT:,} bytes" in scanning_stack.output()


def test_a_new_version_is_scanned_again_and_the_one_before_keeps_its_verdict(
    scanning_stack: Stack, member: Member
) -> None:
    ok(member.api.post("/files/upload", files={"file": ("draft.txt", CLEAN)}))
    before = scanning_stack.wait_for_verdict(member.tenant, "draft.txt")
    ok(
        member.api.post(
            "/files/upload", params={"overwrite": True}, files={"file": ("draft.txt", EICAR)}
        )
    )
    after = scanning_stack.wait_for_verdict(member.tenant, "draft.txt")

    assert after.version_id != before.version_id
    assert (before.status, after.status) == ("clean", "infected")
    assert scanning_stack.wait_for_verdict(
        member.tenant, "draft.txt", before.version_id
    ).status == ("clean")
    assert scanning_stack.scan_tag(member.tenant, "draft.txt", before.version_id) == (
        "NO_THREATS_FOUND"
    )


@pytest.mark.seaweedfs
def test_new_versions_are_scanned_as_the_watcher_reports_them_and_unscanned_ones_at_start(
    s3: Any, db_url: str
) -> None:
    """What the bucket held at start without a verdict (written while `make dev` was
    stopped, or before it had a scanner) is scanned then; what it held with one is not;
    every version the watcher reports afterwards is."""
    tenant = str(uuid.uuid4())
    root = f"tenants/{tenant}/"
    judged = s3.put_object(Bucket=BUCKET, Key=f"{root}judged.txt", Body=CLEAN)["VersionId"]
    waiting = s3.put_object(Bucket=BUCKET, Key=f"{root}waiting.txt", Body=EICAR)["VersionId"]
    with psycopg.connect(db_url, autocommit=True) as sql:
        sql.execute(
            "insert into public.file_scans (tenant_id, path, version_id, status, result,"
            " scanned_at) values (%s, 'judged.txt', %s, 'clean', 'NO_THREATS_FOUND', now())",
            (tenant, judged),
        )
    published: list[dict[str, Any]] = []
    queue = LocalQueue(free_port())
    changes = BucketChanges(
        BucketSource(S3Storage(s3, BUCKET), BUCKET, prefix=root),
        queue,
        EventSourceMapping(queue, lambda event, context: {"batchItemFailures": []}),
        scanner=Scanner(s3, BUCKET, published.extend),
    )
    db = Database(lambda: db_url)
    try:
        changes.start(db)
        later = s3.put_object(Bucket=BUCKET, Key=f"{root}later.txt", Body=EICAR)["VersionId"]
        deadline = time.monotonic() + 30
        while len(published) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.5)  # a listing more: nothing else may come
    finally:
        changes.stop()
        db.close()
    scanned = {
        (
            event["detail"]["s3ObjectDetails"]["objectKey"],
            event["detail"]["s3ObjectDetails"]["versionId"],
        )
        for event in published
    }
    assert scanned == {(f"{root}waiting.txt", waiting), (f"{root}later.txt", later)}
    assert len(published) == 2
    assert tags_of(s3, f"{root}judged.txt", judged) == {}


# -- what a reader then gets (the file API's refusals, issue 28) -----------------------------


def test_every_way_of_reading_the_infected_file_refuses_it_and_each_shows_its_state(
    scanning_stack: Stack, member: Member
) -> None:
    paths = {door: send(scanning_stack, member, EICAR) for door, send in DOORS.items()}
    for door, path in paths.items():
        assert scanning_stack.wait_for_verdict(member.tenant, path).status == "infected", door
        assert_problem(member.api.get(f"/files/download/{path}"), 403, "file_infected")
        assert_problem(member.api.get(f"/files/presigned-url/{path}"), 403, "file_infected")
        assert_problem(member.api.post("/files/shares", json={"path": path}), 403, "file_infected")
        assert ok(member.api.get(f"/files/metadata/{path}"))["scan"] == "infected", door
        [version] = ok(member.api.get(f"/files/versions/{path}"))["versions"]
        assert version["scan"] == "infected", door
        folder = path.rpartition("/")[0]
        [listed] = ok(member.api.get("/files/list", params={"folder": folder}))["files"]
        assert listed["scan"] == "infected", door


def test_a_share_link_waits_for_the_verdict_then_hands_out_only_what_is_clean(
    scanning_stack: Stack, member: Member
) -> None:
    ok(member.api.post("/files/upload", files={"file": ("clean.txt", CLEAN)}))
    clean_link = ok(member.api.post("/files/shares", json={"path": "clean.txt"}))["url"]
    clean_token = clean_link.rsplit("/", 1)[1]
    pending = httpx.post(f"{scanning_stack.api}/files/public/shares/{clean_token}/downloads")
    assert_problem(pending, 409, "scan_pending")
    assert pending.headers["retry-after"] == "10"
    # Its writer may read it while it is pending.
    assert member.api.get("/files/download/clean.txt").content == CLEAN

    scanning_stack.wait_for_verdict(member.tenant, "clean.txt")
    assert ok(httpx.post(f"{scanning_stack.api}/files/public/shares/{clean_token}/downloads"))

    scanning_stack.s3().put_object(
        Bucket=DEV_BUCKET, Key=f"tenants/{member.tenant}/large.bin", Body=b"x" * (LIMIT + 1)
    )
    assert scanning_stack.wait_for_verdict(member.tenant, "large.bin").status == "unscannable"
    large_link = ok(member.api.post("/files/shares", json={"path": "large.bin"}))["url"]
    large_token = large_link.rsplit("/", 1)[1]
    assert_problem(
        httpx.post(f"{scanning_stack.api}/files/public/shares/{large_token}/downloads"),
        403,
        "file_not_scanned",
    )
    # Members read what could not be scanned.
    assert ok(member.api.get("/files/presigned-url/large.bin"))["url"]
