"""File requests (file_lambda/requests/): a member opens one on a folder, people without an
account upload into it through Uppy's Companion calls, and its limits hold when those
calls are replayed or raced (issue 27, "Done means"). Real SeaweedFS (the part URLs are
S3's) and real Postgres (the slots, the quota, the audit trail)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import psycopg

from dev.alb import AlbClient, AlbResponse
from file_lambda.public_links import PUBLIC_HEADERS
from tests.files.test_multipart import settings_changed
from tests.files.test_quotas import SetQuota, set_quota, sql
from tests.support.files import BUCKET, ClientFactory
from tests.support.problems import assert_problem

__all__ = ["set_quota", "settings_changed", "sql"]  # fixtures, used by name

MiB = 1024 * 1024
BASE = "https://api.snsdconsultant.com"


def put(url: str, data: bytes) -> httpx.Response:
    return httpx.put(url, content=data, timeout=60)


def open_request(client: AlbClient, **body: Any) -> tuple[str, str]:
    """A new request's id and its public API path (`/files/public/requests/{token}`)."""
    answer = client.post("/files/requests", json_body={"title": "Your documents", **body})
    assert answer.status == 201, answer.body
    url: str = answer.json()["url"]
    assert url.startswith(f"{BASE}/files/r/")
    token = url.rsplit("/", 1)[1]
    return answer.json()["request_id"], f"/files/public/requests/{token}"


def uploader(client: AlbClient, grant: str | None = None) -> AlbClient:
    """Someone without an account: no token, no tenant; a grant header at most."""
    return Uploader(client.handler, grant)


class Uploader(AlbClient):
    """From an address of its own: the attempt counters are per address, and kept for
    minutes, so that tests run again do not meet the counts of earlier runs."""

    def __init__(self, handler: Any, grant: str | None) -> None:
        super().__init__(handler)
        self.grant = grant
        self.address = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"

    def request(self, method: str, path: str, **kwargs: Any) -> AlbResponse:
        headers = {**(kwargs.get("headers") or {}), "x-forwarded-for": self.address}
        if self.grant:
            headers["x-link-grant"] = self.grant
        return super().request(method, path, **{**kwargs, "headers": headers})


def start(uppy: AlbClient, link: str, name: str, **body: Any) -> AlbResponse:
    return uppy.post(f"{link}/s3/multipart", json_body={"filename": name, **body})


def send_part(uppy: AlbClient, link: str, upload_id: str, number: int, data: bytes) -> str:
    signed = uppy.get(f"{link}/s3/multipart/{upload_id}/{number}")
    assert signed.status == 200, signed.body
    answer = put(signed.json()["url"], data)
    assert answer.status_code == 200, answer.text
    return answer.headers["etag"]


def complete(uppy: AlbClient, link: str, upload_id: str, etags: dict[int, str]) -> AlbResponse:
    parts = [{"PartNumber": n, "ETag": e} for n, e in sorted(etags.items())]
    return uppy.post(f"{link}/s3/multipart/{upload_id}/complete", json_body={"parts": parts})


def send_file(uppy: AlbClient, link: str, name: str, data: bytes, **body: Any) -> AlbResponse:
    """What @uppy/aws-s3 does for one file in one part."""
    created = start(uppy, link, name, **body)
    assert created.status == 200, created.body
    upload_id = created.json()["uploadId"]
    return complete(uppy, link, upload_id, {1: send_part(uppy, link, upload_id, 1, data)})


def unfinished(s3: Any, tenant: str) -> list[str]:
    listed = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")
    return [upload["Key"] for upload in listed.get("Uploads", [])]


def public_rows(sql: psycopg.Connection[Any], tenant: str) -> list[tuple[Any, ...]]:
    return sql.execute(
        "select action, actor, outcome, code, path, detail from public.audit_events"
        " where tenant_id = %s and source = 'api' and actor is null order by id",
        (tenant,),
    ).fetchall()


# -- the happy path ------------------------------------------------------------------------


def test_an_uploader_without_an_account_sends_a_file_the_requester_then_lists(
    client_for: ClientFactory, s3: Any, tenant: str, user: str, sql: psycopg.Connection[Any]
) -> None:
    member = client_for("member", sub=user)
    request_id, link = open_request(
        member, folder="inbox", message="Last year's invoices", max_files=3, ask_name="required"
    )
    uppy = uploader(member)

    terms = uppy.get(link)
    assert terms.status == 200, terms.body
    for name, value in PUBLIC_HEADERS.items():
        assert terms.headers[name.lower()] == value
    assert terms.json() | {"expires_at": None} == {
        "title": "Your documents",
        "message": "Last year's invoices",
        "expires_at": None,
        "password_required": False,
        "max_file_size": 10 * 1024**3,
        "max_files": 3,
        "files_left": 3,
        "allowed_types": [],
        "ask_name": "required",
        "ask_email": "off",
    }

    done = send_file(
        uppy, link, "scan.pdf", b"%PDF" * 300, type="text/html", metadata={"name": "Ann"}
    )
    assert done.status == 200, done.body
    assert done.json() == {
        "location": f"{BASE}{link.replace('/public/requests/', '/r/')}",
        "key": "scan.pdf",
    }
    stored = s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/inbox/scan.pdf")
    assert stored["Body"].read() == b"%PDF" * 300
    # The type is the API's, from the name, never the one the uploader declared.
    assert stored["ContentType"] == "application/pdf"
    assert stored["Metadata"]["file-request"] == request_id
    assert uppy.get(link).json()["files_left"] == 2

    listed = member.get(f"/files/requests/{request_id}/submissions").json()
    [submission] = listed["submissions"]
    assert submission | {
        "submission_id": None,
        "created_at": None,
        "completed_at": None,
        "version_id": None,
    } == {
        "submission_id": None,
        "path": "inbox/scan.pdf",
        "filename": "scan.pdf",
        "content_type": "application/pdf",
        "size": 1200,
        "version_id": None,
        "uploader_name": "Ann",
        "uploader_email": None,
        "state": "completed",
        "created_at": None,
        "completed_at": None,
    }
    # The url is answered once: never in a listing or a read.
    assert "url" not in member.get(f"/files/requests/{request_id}").json()
    assert all("url" not in r for r in member.get("/files/requests").json()["requests"])
    assert member.get(f"/files/requests/{request_id}").json()["files_received"] == 1

    # Every public write is in the trail, with no actor and the uploader's word.
    rows = public_rows(sql, tenant)
    actions = [(action, outcome) for action, _, outcome, _, _, _ in rows]
    assert actions == [
        ("create_request_upload", "succeeded"),
        ("complete_request_upload", "succeeded"),
    ]
    token = link.rsplit("/", 1)[1]
    [(trail,)] = sql.execute(
        "select string_agg(coalesce(path, '') || detail::text, ' ') from public.audit_events"
        " where tenant_id = %s",
        (tenant,),
    ).fetchall()
    assert token not in trail  # the link's token is in no row, the requester's included
    for _, _, _, _, path, detail in rows:
        assert path == "inbox/scan.pdf"
        assert detail["file_request"] == request_id
        assert detail["uploader_name"] == "Ann"
        assert detail["uploader_verified"] is False


def test_uploaders_cannot_list_read_or_overwrite_and_are_not_told_the_stored_name(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    member = client_for("member")
    _, link = open_request(member, folder="inbox")
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/inbox/report.pdf", Body=b"original")
    uppy = uploader(member)

    first = start(uppy, link, "report.pdf")
    second = start(uppy, link, "report.pdf")
    assert first.json()["key"] == second.json()["key"] == "report.pdf"
    for created, data in ((first, b"one"), (second, b"two")):
        upload_id = created.json()["uploadId"]
        done = complete(uppy, link, upload_id, {1: send_part(uppy, link, upload_id, 1, data)})
        assert done.status == 200, done.body
        assert done.json()["key"] == "report.pdf"
        assert "inbox" not in done.body.decode()

    def body(name: str) -> bytes:
        return s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/inbox/{name}")["Body"].read()

    assert body("report.pdf") == b"original"
    assert {body("report (2).pdf"), body("report (3).pdf")} == {b"one", b"two"}
    # No route lists, reads or writes anything but new files; a name cannot leave the folder.
    for path in (f"{link}/files", f"{link}/download", f"{link}/s3/params"):
        assert uppy.get(path, params={"filename": "x"}).status in (404, 405)
    for bad in ("../out.bin", "a/b.bin", ""):
        assert_problem(start(uppy, link, bad), 400, "invalid_path")


def test_a_name_taken_while_uploading_answers_409_and_ends_the_upload(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    member = client_for("member")
    _, link = open_request(member, folder="inbox", max_files=1)
    uppy = uploader(member)
    upload_id = start(uppy, link, "draft.txt").json()["uploadId"]
    etag = send_part(uppy, link, upload_id, 1, b"uploader's")
    written = member.post(
        "/files/upload", params={"folder": "inbox"}, files={"file": ("draft.txt", b"member's")}
    )
    assert written.status == 201, written.body

    body = assert_problem(complete(uppy, link, upload_id, {1: etag}), 409, "file_exists")
    assert "inbox" not in body["detail"]  # the stored path stays untold
    stored = s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/inbox/draft.txt")
    assert stored["Body"].read() == b"member's"
    assert unfinished(s3, tenant) == []
    # Its slot came back: the page sends the file again, under a new name.
    again = send_file(uppy, link, "draft.txt", b"uploader's")
    assert again.status == 200, again.body
    key = f"tenants/{tenant}/inbox/draft (2).txt"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"uploader's"


# -- limits, replayed ----------------------------------------------------------------------


def test_max_files_holds_when_creates_are_replayed_and_an_abort_gives_a_slot_back(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    member = client_for("member")
    _, link = open_request(member, max_files=2)
    uppy = uploader(member)
    one = start(uppy, link, "a.txt").json()["uploadId"]
    start(uppy, link, "b.txt")
    for _ in range(3):
        assert_problem(start(uppy, link, "c.txt"), 409, "file_request_full")
    assert uppy.get(link).json()["files_left"] == 0

    assert uppy.delete(f"{link}/s3/multipart/{one}").status == 200
    assert_problem(uppy.delete(f"{link}/s3/multipart/{one}"), 404, "upload_not_found")
    assert_problem(uppy.get(f"{link}/s3/multipart/{one}/1"), 404, "upload_not_found")
    assert uppy.get(link).json()["files_left"] == 1
    assert start(uppy, link, "c.txt").status == 200
    assert_problem(start(uppy, link, "d.txt"), 409, "file_request_full")
    assert len(unfinished(s3, tenant)) == 2


def test_an_unfinished_upload_holds_its_slot_until_its_lease_ends(
    client_for: ClientFactory, s3: Any, tenant: str, sql: psycopg.Connection[Any]
) -> None:
    member = client_for("member")
    request_id, link = open_request(member, max_files=1)
    uppy = uploader(member)
    stale = start(uppy, link, "stale.txt").json()["uploadId"]
    etag = send_part(uppy, link, stale, 1, b"stale")
    assert_problem(start(uppy, link, "next.txt"), 409, "file_request_full")

    sql.execute(
        "update public.file_request_submissions set lease_ends_at = now() where request_id = %s",
        (request_id,),
    )
    assert uppy.get(link).json()["files_left"] == 1
    # Past its lease, an upload cannot go on, even before another takes its slot.
    assert_problem(uppy.get(f"{link}/s3/multipart/{stale}/2"), 404, "upload_not_found")
    assert_problem(uppy.get(f"{link}/s3/multipart/{stale}"), 404, "upload_not_found")
    assert_problem(complete(uppy, link, stale, {1: etag}), 404, "upload_not_found")
    assert start(uppy, link, "next.txt").status == 200
    # The lapsed upload gave its slot back: it cannot complete, and S3 no longer holds it.
    assert_problem(complete(uppy, link, stale, {1: etag}), 404, "upload_not_found")
    assert [key.rsplit("/", 1)[1] for key in unfinished(s3, tenant)] == ["next.txt"]


def test_max_files_holds_when_slots_are_taken_concurrently(
    client_for: ClientFactory, db_url: str
) -> None:
    """Twelve connections race for three slots at once, past any lock of the API's."""
    member = client_for("member")
    request_id, _ = open_request(member, max_files=3)
    barrier = threading.Barrier(12)
    taken: list[str | None] = []

    def take(n: int) -> None:
        with psycopg.connect(db_url, autocommit=True) as conn:
            barrier.wait()
            [(submission,)] = conn.execute(
                "select submission_id from private.take_file_request_slot"
                "(%s, %s, 'f', 'text/plain', null, null, 3600)",
                (request_id, f"race-{n}.txt"),
            ).fetchall()
            taken.append(submission)

    threads = [threading.Thread(target=take, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([s for s in taken if s is not None]) == 3


def test_completing_twice_or_putting_a_part_again_after_completion_writes_nothing(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    member = client_for("member")
    _, link = open_request(member, max_files=5)
    uppy = uploader(member)
    upload_id = start(uppy, link, "once.txt").json()["uploadId"]
    signed = uppy.get(f"{link}/s3/multipart/{upload_id}/1").json()["url"]
    etag = put(signed, b"first").headers["etag"]
    assert complete(uppy, link, upload_id, {1: etag}).status == 200

    assert_problem(complete(uppy, link, upload_id, {1: etag}), 404, "upload_not_found")
    assert put(signed, b"again").status_code == 404  # S3: NoSuchUpload
    assert_problem(uppy.get(f"{link}/s3/multipart/{upload_id}"), 404, "upload_not_found")
    key = f"tenants/{tenant}/once.txt"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"first"
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=key).get("Versions", [])
    assert len(versions) == 1
    assert uppy.get(link).json()["files_left"] == 4


def test_parts_over_max_file_size_are_refused_and_the_upload_ends(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    member = client_for("member")
    _, link = open_request(member, max_file_size=6 * MiB, max_files=1)
    uppy = uploader(member)
    upload_id = start(uppy, link, "big.bin").json()["uploadId"]
    # Each part but the last holds 5 MiB at least: a third could only make a file over 6 MiB.
    assert_problem(uppy.get(f"{link}/s3/multipart/{upload_id}/3"), 413, "upload_too_large")
    etags = {
        1: send_part(uppy, link, upload_id, 1, b"a" * (5 * MiB)),
        2: send_part(uppy, link, upload_id, 2, b"b" * (2 * MiB)),
    }
    assert_problem(complete(uppy, link, upload_id, etags), 413, "upload_too_large")
    assert unfinished(s3, tenant) == []
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{tenant}/").get("KeyCount") == 0
    assert uppy.get(link).json()["files_left"] == 1  # its slot came back


def test_a_closed_or_expired_request_stops_everything(
    client_for: ClientFactory, s3: Any, tenant: str, sql: psycopg.Connection[Any]
) -> None:
    member = client_for("member")
    request_id, link = open_request(member)
    uppy = uploader(member)
    upload_id = start(uppy, link, "late.txt").json()["uploadId"]
    etag = send_part(uppy, link, upload_id, 1, b"late")
    closed = member.post(f"/files/requests/{request_id}/close")
    assert closed.status == 200, closed.body
    assert closed.json()["state"] == "closed"

    for answer in (
        uppy.get(link),
        start(uppy, link, "new.txt"),
        uppy.get(f"{link}/s3/multipart/{upload_id}/2"),
        complete(uppy, link, upload_id, {1: etag}),
        uppy.post(f"{link}/unlock", json_body={"password": "x"}),
    ):
        body = assert_problem(answer, 410, "link_gone")
        assert "closed" in body["detail"]
    assert unfinished(s3, tenant) == []  # the upload started before was aborted
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{tenant}/").get("KeyCount") == 0

    request_id, link = open_request(member)
    sql.execute(
        "update public.file_requests set expires_at = now() - interval '1 second' where id = %s",
        (request_id,),
    )
    assert "expired" in assert_problem(start(uppy, link, "x.txt"), 410, "link_gone")["detail"]
    assert member.get(f"/files/requests/{request_id}").json()["state"] == "expired"


def test_an_upload_id_opens_only_at_its_own_door(client_for: ClientFactory, user: str) -> None:
    member = client_for("member", sub=user)
    _, link = open_request(member, folder="inbox")
    _, other_link = open_request(member, folder="inbox")
    uppy = uploader(member)
    requests_id = start(uppy, link, "a.txt").json()["uploadId"]
    members_id = member.post(
        "/files/multipart", json_body={"path": "inbox/m.bin", "size": 10}
    ).json()["upload_id"]
    session = member.post("/files/upload-sessions", json_body={"folder": "inbox"}).json()
    session_path = session["companion_endpoint"].removeprefix(BASE)
    sessions_id = start(AlbClient(member.handler), session_path, "s.txt").json()["uploadId"]

    # Another request's, a member's and an upload session's upload id on a request's path.
    for upload_id, path in ((requests_id, other_link), (members_id, link), (sessions_id, link)):
        assert_problem(uppy.get(f"{path}/s3/multipart/{upload_id}/1"), 404, "upload_not_found")
        assert_problem(uppy.get(f"{path}/s3/multipart/{upload_id}"), 404, "upload_not_found")
        assert_problem(complete(uppy, path, upload_id, {1: '"e"'}), 404, "upload_not_found")
        assert_problem(uppy.delete(f"{path}/s3/multipart/{upload_id}"), 404, "upload_not_found")
    # A request's upload id on a member's paths and an upload session's.
    sign = {"parts": [{"part_number": 1}]}
    assert_problem(
        member.post(f"/files/multipart/{requests_id}/sign", json_body=sign), 404, "upload_not_found"
    )
    assert_problem(member.delete(f"/files/multipart/{requests_id}"), 404, "upload_not_found")
    assert_problem(
        uppy.get(f"{session_path}/s3/multipart/{requests_id}/1"), 404, "upload_not_found"
    )
    # Its own door still opens it.
    assert uppy.get(f"{link}/s3/multipart/{requests_id}/1").status == 200


def test_an_upload_over_the_quota_answers_413_and_leaves_nothing_behind(
    client_for: ClientFactory,
    s3: Any,
    tenant: str,
    set_quota: SetQuota,
    sql: psycopg.Connection[Any],
) -> None:
    member = client_for("member")
    _, link = open_request(member, max_files=1)
    set_quota(max_bytes=6 * MiB)
    uppy = uploader(member)
    upload_id = start(uppy, link, "big.bin").json()["uploadId"]
    etags = {
        1: send_part(uppy, link, upload_id, 1, b"a" * (5 * MiB)),
        2: send_part(uppy, link, upload_id, 2, b"b" * (2 * MiB)),
    }
    refused = assert_problem(complete(uppy, link, upload_id, etags), 413, "quota_exceeded")
    assert refused["limit"] == "bytes"
    assert unfinished(s3, tenant) == []
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=f"tenants/{tenant}/").get("KeyCount") == 0
    [(held,)] = sql.execute(
        "select count(*) from public.file_reservations where tenant_id = %s", (tenant,)
    ).fetchall()
    assert held == 0
    assert uppy.get(link).json()["files_left"] == 1


# -- what an uploader must give --------------------------------------------------------------


def test_a_password_guards_every_upload_call_and_its_attempts_are_limited(
    client_for: ClientFactory, sql: psycopg.Connection[Any], tenant: str
) -> None:
    member = client_for("member")
    request_id, link = open_request(member, password="open sesame")
    anyone = uploader(member)
    assert anyone.get(link).json()["password_required"] is True
    assert_problem(start(anyone, link, "a.txt"), 401, "password_required")
    assert_problem(
        uploader(member, "forged").get(f"{link}/s3/multipart/x/1"), 401, "password_required"
    )
    wrong = anyone.post(f"{link}/unlock", json_body={"password": "guess"})
    assert_problem(wrong, 403, "wrong_password")
    unlocked = anyone.post(f"{link}/unlock", json_body={"password": "open sesame"})
    assert unlocked.status == 200, unlocked.body
    granted = uploader(member, unlocked.json()["grant"])
    assert send_file(granted, link, "a.txt", b"hello").status == 200

    # Ten attempts a link each 15 minutes; the eleventh waits, whatever the password.
    for _ in range(8):
        assert_problem(
            anyone.post(f"{link}/unlock", json_body={"password": "g"}), 403, "wrong_password"
        )
    limited = anyone.post(f"{link}/unlock", json_body={"password": "open sesame"})
    assert_problem(limited, 429, "too_many_attempts")
    assert 0 < int(limited.headers["retry-after"]) <= 900
    failures = [r for r in public_rows(sql, tenant) if r[0] == "unlock_public_file_request"]
    assert [r[3] for r in failures].count("wrong_password") == 9
    assert all(r[5]["file_request"] == request_id for r in failures)


def test_allowed_types_check_the_name_and_the_declared_type(client_for: ClientFactory) -> None:
    member = client_for("member")
    _, link = open_request(member, allowed_types=[".pdf", "image/*"])
    uppy = uploader(member)
    for name, declared in (("x.exe", None), ("x.pdf", "text/html"), ("x", "image/png")):
        assert_problem(start(uppy, link, name, type=declared), 400, "file_type_not_allowed")
    for name, declared in (("x.pdf", "application/pdf"), ("y.PNG", None), ("z.jpg", "image/jpeg")):
        assert start(uppy, link, name, type=declared).status == 200


def test_the_uploader_details_asked_for_are_required(client_for: ClientFactory) -> None:
    member = client_for("member")
    _, link = open_request(member, ask_name="optional", ask_email="required")
    uppy = uploader(member)
    assert_problem(start(uppy, link, "a.txt"), 400, "uploader_details_required")
    bad = start(uppy, link, "a.txt", metadata={"email": "not an address"})
    assert_problem(bad, 400, "uploader_details_required")
    assert start(uppy, link, "a.txt", metadata={"email": "a@example.com"}).status == 200


# -- the link itself ---------------------------------------------------------------------------


def test_an_unknown_token_is_404_and_a_creator_no_longer_a_member_stops_the_link(
    client_for: ClientFactory, sql: psycopg.Connection[Any], tenant: str, user: str
) -> None:
    member = client_for("member", sub=user)
    uppy = uploader(member)
    missing = uppy.get("/files/public/requests/" + "A" * 43)
    assert_problem(missing, 404, "link_not_found")
    for name, value in PUBLIC_HEADERS.items():
        assert missing.headers[name.lower()] == value

    _, link = open_request(member)
    sql.execute(
        "delete from public.tenant_members where tenant_id = %s and user_id = %s", (tenant, user)
    )
    assert "no longer" in assert_problem(uppy.get(link), 410, "link_gone")["detail"]


def test_unknown_tokens_are_counted_per_client_address(client_for: ClientFactory) -> None:
    member = client_for("member")
    guesser, other = uploader(member), uploader(member)
    for _ in range(30):
        assert_problem(
            guesser.get(f"/files/public/requests/{uuid.uuid4().hex}"), 404, "link_not_found"
        )
    limited = guesser.get(f"/files/public/requests/{uuid.uuid4().hex}")
    assert_problem(limited, 429, "too_many_attempts")
    assert 0 < int(limited.headers["retry-after"]) <= 600
    # Past the limit, a real link answers that address 429 too: a hit looks like a miss.
    _, link = open_request(member)
    assert_problem(guesser.get(link), 429, "too_many_attempts")
    assert uploader(member).get(link).status == 200
    assert_problem(other.get(f"/files/public/requests/{uuid.uuid4().hex}"), 404, "link_not_found")


def test_a_request_without_a_password_unlocks_with_any(client_for: ClientFactory) -> None:
    member = client_for("member")
    _, link = open_request(member)
    unlocked = uploader(member).post(f"{link}/unlock", json_body={"password": "anything"})
    assert unlocked.status == 200, unlocked.body
    assert set(unlocked.json()) == {"grant", "expires_at"}


def test_members_see_their_own_requests_admins_and_owners_the_tenants(
    client_for: ClientFactory,
) -> None:
    ann, bob = client_for("member"), client_for("member")
    admin = client_for("admin")
    anns, _ = open_request(ann)
    bobs, _ = open_request(bob)
    assert [r["request_id"] for r in ann.get("/files/requests").json()["requests"]] == [anns]
    assert_problem(ann.get(f"/files/requests/{bobs}"), 404, "file_request_not_found")
    assert_problem(ann.post(f"/files/requests/{bobs}/close"), 404, "file_request_not_found")
    assert_problem(ann.get(f"/files/requests/{bobs}/submissions"), 404, "file_request_not_found")
    assert_problem(ann.get("/files/requests/not-a-uuid"), 404, "file_request_not_found")
    seen = {r["request_id"] for r in admin.get("/files/requests").json()["requests"]}
    assert seen == {anns, bobs}
    assert admin.post(f"/files/requests/{bobs}/close").status == 200
    assert_problem(client_for("viewer").get("/files/requests"), 403, "insufficient_role")

    first = admin.get("/files/requests", params={"limit": 1}).json()
    second = admin.get("/files/requests", params={"limit": 1, "cursor": first["next_cursor"]})
    assert {first["requests"][0]["request_id"], second.json()["requests"][0]["request_id"]} == seen
    assert_problem(
        ann.get("/files/requests", params={"cursor": first["next_cursor"]}), 400, "invalid_cursor"
    )


def test_a_request_is_opened_within_the_configured_bounds(client_for: ClientFactory) -> None:
    member = client_for("member")
    answer = member.post("/files/requests", json_body={"title": "x"}).json()
    assert (
        abs(datetime.fromisoformat(answer["expires_at"]).timestamp() - time.time() - 7 * 86400) < 60
    )
    assert answer["max_file_size"] == 10 * 1024**3
    assert answer["max_files"] == 10
    past = datetime.now(UTC) - timedelta(minutes=1)
    too_far = datetime.now(UTC) + timedelta(days=90, minutes=1)
    for body, code in (
        ({"expires_at": past.isoformat()}, "invalid_expires_at"),
        ({"expires_at": too_far.isoformat()}, "invalid_expires_at"),
        ({"max_file_size": 10 * 1024**3 + 1}, "invalid_max_size"),
        ({"folder": "../x"}, "invalid_path"),
        ({"allowed_types": ["not a type"]}, "validation_error"),
        ({"ask_name": "maybe"}, "validation_error"),
        ({"password": "seven.."}, "validation_error"),  # 8 characters at least, as shares
    ):
        assert_problem(member.post("/files/requests", json_body={"title": "x", **body}), 400, code)


def test_a_request_ends_when_asked_as_a_share_link_does(
    client_for: ClientFactory, settings_changed: Any
) -> None:
    """`expires_at` as shares take it (`public_links.link_expires_at`): a time without a
    zone is UTC, and the furthest is `FILE_REQUEST_MAX_DAYS` days ahead."""
    member = client_for("member")

    def opened(expires_at: str) -> AlbResponse:
        return member.post("/files/requests", json_body={"title": "x", "expires_at": expires_at})

    in_paris = datetime.now(UTC).astimezone(timezone(timedelta(hours=1))) + timedelta(days=3)
    in_paris = in_paris.replace(microsecond=0)
    answer = opened(in_paris.isoformat())
    assert answer.status == 201, answer.body
    assert datetime.fromisoformat(answer.json()["expires_at"]) == in_paris
    naive = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0, tzinfo=None)
    answer = opened(naive.isoformat())
    assert datetime.fromisoformat(answer.json()["expires_at"]) == naive.replace(tzinfo=UTC)

    settings_changed(file_request_max_days=30)
    longest = datetime.now(UTC) + timedelta(days=30)
    assert opened((longest - timedelta(minutes=1)).isoformat()).status == 201
    refused = opened((longest + timedelta(minutes=1)).isoformat())
    assert "30 days" in assert_problem(refused, 400, "invalid_expires_at")["detail"]
