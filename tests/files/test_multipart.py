"""Multipart uploads and upload sessions (file_lambda/uploads/), through the Lambda
handler, against a real S3 (SeaweedFS) that checks every signature and a real Postgres.

Every binding is tested both ways: the owner's call succeeds where another user's,
another tenant's, an expired session's or a tampered identifier's is refused.
SeaweedFS verifies part checksums (x-amz-checksum-sha256: `BadDigest`) and S3's
part-size rule (`EntityTooSmall`), so both refusals come from the store itself.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest

from dev.alb import AlbClient, AlbResponse
from file_lambda.storage.port import StoredPart
from file_lambda.uploads.service import Session
from tests.support.files import BUCKET, ClientFactory, count_s3_calls
from tests.support.problems import assert_problem

MiB = 1024 * 1024
PART = 5 * MiB


def sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def create(client: AlbClient, path: str, size: int, **extra: Any) -> AlbResponse:
    return client.post("/files/multipart", json_body={"path": path, "size": size, **extra})


def sign(client: AlbClient, upload_id: str, *numbers: int, **extra: Any) -> AlbResponse:
    parts = [{"part_number": n} for n in numbers]
    return client.post(f"/files/multipart/{upload_id}/sign", json_body={"parts": parts, **extra})


def put(url: str, data: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.put(url, content=data, headers=headers or {}, timeout=60)


def send(client: AlbClient, upload_id: str, parts: dict[int, bytes]) -> dict[int, str]:
    """Sign and PUT `parts` (in parallel); their ETags by part number."""
    signed = sign(client, upload_id, *parts)
    assert signed.status == 200, signed.body
    urls = {p["part_number"]: p["url"] for p in signed.json()["parts"]}
    with ThreadPoolExecutor(4) as pool:
        answers = dict(zip(parts, pool.map(lambda n: put(urls[n], parts[n]), parts), strict=True))
    for answer in answers.values():
        assert answer.status_code == 200, answer.text
    return {n: answer.headers["etag"] for n, answer in answers.items()}


def complete(client: AlbClient, upload_id: str, etags: dict[int, str] | None, **extra: Any) -> Any:
    body: dict[str, Any] = dict(extra)
    if etags is not None:
        body["parts"] = [{"part_number": n, "etag": e} for n, e in sorted(etags.items())]
    return client.post(f"/files/multipart/{upload_id}/complete", json_body=body)


def storage_uploads(s3: Any, tenant: str) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = s3.list_multipart_uploads(
        Bucket=BUCKET, Prefix=f"tenants/{tenant}/"
    ).get("Uploads", [])
    return listed


@pytest.fixture
def db(db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def settings_changed(lambda_module: ModuleType) -> Iterator[Any]:
    """Change the function's settings for one test."""
    state = lambda_module.app.state
    kept = state.settings

    def change(**values: Any) -> None:
        state.settings = dataclasses.replace(kept, **values)

    yield change
    state.settings = kept


# -- the whole flow ---------------------------------------------------------------------


def test_a_file_goes_up_in_parts_straight_to_storage_and_comes_back_whole(
    client_for: ClientFactory, s3: Any, tenant: str, user: str
) -> None:
    client = client_for("member", sub=user)
    parts = {1: os.urandom(PART), 2: os.urandom(PART), 3: os.urandom(1000)}
    data = parts[1] + parts[2] + parts[3]

    created = create(client, "video/raw.bin", len(data))
    assert created.status == 201, created.body
    upload = created.json()
    assert upload["path"] == "video/raw.bin"
    assert upload["size"] == len(data)
    assert upload["part_size"] == 8 * MiB
    assert upload["part_count"] == 2
    # The store's upload is under the tenant's root, at the path, whatever the client says.
    [stored] = storage_uploads(s3, tenant)
    assert stored["Key"] == f"tenants/{tenant}/video/raw.bin"
    assert stored["UploadId"] not in upload["upload_id"]  # sealed: S3's id is not readable

    etags = send(client, upload["upload_id"], parts)
    listed = client.get(f"/files/multipart/{upload['upload_id']}/parts").json()
    assert [(p["part_number"], p["size"]) for p in listed["parts"]] == [
        (1, PART),
        (2, PART),
        (3, 1000),
    ]
    assert listed["uploaded_bytes"] == len(data)

    done = complete(client, upload["upload_id"], etags)

    assert done.status == 201, done.body
    info = done.json()
    assert (info["path"], info["size"]) == ("video/raw.bin", len(data))
    assert info["etag"].endswith('-3"')
    stored_object = s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/video/raw.bin")
    assert stored_object["Body"].read() == data
    assert stored_object["Metadata"] == {"uploaded-by": user}
    assert storage_uploads(s3, tenant) == []
    assert client.get("/files/multipart").json()["uploads"] == []
    metadata = client.get("/files/metadata/video/raw.bin").json()
    assert metadata["size"] == len(data)
    assert metadata["checksum_sha256"] is None


def test_a_resume_sends_only_the_parts_storage_does_not_hold(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    client = client_for("member")
    parts = {1: os.urandom(PART), 2: os.urandom(PART), 3: os.urandom(PART // 2)}
    data = parts[1] + parts[2] + parts[3]
    upload_id = create(client, "big.bin", len(data)).json()["upload_id"]
    send(client, upload_id, {1: parts[1], 3: parts[3]})  # then the client dies

    # A client that lost its state finds its upload and what storage holds of it.
    [unfinished] = client.get("/files/multipart").json()["uploads"]
    assert (unfinished["path"], unfinished["size"]) == ("big.bin", len(data))
    held = client.get(f"/files/multipart/{unfinished['upload_id']}/parts").json()["parts"]
    assert [p["part_number"] for p in held] == [1, 3]
    send(client, unfinished["upload_id"], {2: parts[2]})

    done = complete(client, unfinished["upload_id"], None)  # every part storage holds

    assert done.status == 201, done.body
    body = s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/big.bin")["Body"].read()
    assert body == data


# -- who may use an upload: the owner only, in its tenant ----------------------------------


def test_another_users_upload_id_is_404_on_every_call_and_the_owners_works(
    client_for: ClientFactory, tenant: str
) -> None:
    owner = client_for("member", sub=str(uuid.uuid4()))
    other = client_for("owner", sub=str(uuid.uuid4()))  # same tenant, even its owner
    upload_id = create(owner, "mine.bin", 1000).json()["upload_id"]

    assert_problem(sign(other, upload_id, 1), 404, "upload_not_found")
    assert_problem(other.get(f"/files/multipart/{upload_id}/parts"), 404, "upload_not_found")
    assert_problem(complete(other, upload_id, None), 404, "upload_not_found")
    assert_problem(other.delete(f"/files/multipart/{upload_id}"), 404, "upload_not_found")
    assert other.get("/files/multipart").json()["uploads"] == []

    # The same calls by the owner work: the upload was never touched.
    assert sign(owner, upload_id, 1).status == 200
    etags = send(owner, upload_id, {1: b"x" * 1000})
    assert [u["path"] for u in owner.get("/files/multipart").json()["uploads"]] == ["mine.bin"]
    assert complete(owner, upload_id, etags).status == 201


def test_another_tenants_upload_id_is_404_even_for_the_same_user(
    client_for: ClientFactory, tenant: str, user: str
) -> None:
    other_tenant = str(uuid.uuid4())
    both = {tenant: "member", other_tenant: "owner"}
    here = client_for(None, tenants=both, select=tenant, sub=user)
    there = AlbClient(here.handler, token=here.token, tenant=other_tenant)
    upload_id = create(here, "a.bin", 10).json()["upload_id"]

    assert_problem(sign(there, upload_id, 1), 404, "upload_not_found")
    assert_problem(there.get(f"/files/multipart/{upload_id}/parts"), 404, "upload_not_found")
    assert_problem(there.delete(f"/files/multipart/{upload_id}"), 404, "upload_not_found")
    assert there.get("/files/multipart").json()["uploads"] == []
    assert sign(here, upload_id, 1).status == 200


def test_a_tampered_or_made_up_upload_id_is_404(client_for: ClientFactory) -> None:
    client = client_for("member")
    upload_id = create(client, "a.bin", 10).json()["upload_id"]
    flipped = upload_id[:-3] + ("A" if upload_id[-3] != "A" else "B") + upload_id[-2:]

    for made_up in (flipped, "x", base64.urlsafe_b64encode(os.urandom(80)).decode()):
        assert_problem(sign(client, made_up, 1), 404, "upload_not_found")
    assert sign(client, upload_id, 1).status == 200


def test_the_client_never_chooses_the_key(client_for: ClientFactory, s3: Any) -> None:
    client = client_for("member")
    for bad in ("../escape.bin", "/root.bin", "a//b.bin", "a\u202egpj.exe"):
        assert_problem(create(client, bad, 10), 400, "invalid_path")


def test_a_content_type_must_be_a_media_type(client_for: ClientFactory, s3: Any) -> None:
    client = client_for("member")
    for bad in ("\x18kz6 ", "video", "video/mp4\nx-amz-acl: public-read", 'a/b; q="\u00e9"'):
        assert_problem(create(client, "a.bin", 10, content_type=bad), 400, "invalid_content_type")
    fine = create(client, "a.bin", 10, content_type='text/plain; charset="utf-8"')
    assert fine.json()["content_type"] == 'text/plain; charset="utf-8"'
    assert create(client, "b.csv", 10).json()["content_type"] == "text/csv"


def test_viewers_may_not_upload(client_for: ClientFactory) -> None:
    viewer = client_for("viewer")
    assert_problem(create(viewer, "a.bin", 10), 403, "insufficient_role")
    assert_problem(viewer.post("/files/upload-sessions", json_body={}), 403, "insufficient_role")
    assert_problem(viewer.get("/files/multipart"), 403, "insufficient_role")


def test_viewers_may_not_touch_an_upload_in_progress(client_for: ClientFactory) -> None:
    created = create(client_for("member"), "a.bin", 10)
    assert created.status == 201, created.body
    upload_id = created.json()["upload_id"]
    viewer = client_for("viewer")

    for refused in (
        sign(viewer, upload_id, 1),
        viewer.get(f"/files/multipart/{upload_id}/parts"),
        complete(viewer, upload_id, {1: '"etag"'}),
        viewer.delete(f"/files/multipart/{upload_id}"),
    ):
        assert_problem(refused, 403, "insufficient_role")


# -- part URLs ------------------------------------------------------------------------


def test_a_part_url_is_short_lived_and_good_for_one_part_of_one_upload(
    client_for: ClientFactory,
) -> None:
    client = client_for("member")
    first = create(client, "a.bin", 2 * PART).json()["upload_id"]
    second = create(client, "b.bin", 2 * PART).json()["upload_id"]
    signed = sign(client, first, 1, expires_in=120).json()
    url = signed["parts"][0]["url"]
    assert int(parse_qs(urlsplit(url).query)["X-Amz-Expires"][0]) == 120
    default = sign(client, first, 1).json()["parts"][0]["url"]
    assert int(parse_qs(urlsplit(default).query)["X-Amz-Expires"][0]) == 300
    assert_problem(sign(client, first, 1, expires_in=3600), 400, "invalid_expires_in")

    # S3 refuses the URL for another part number, another upload or another key...
    assert put(url.replace("partNumber=1", "partNumber=2"), b"x").status_code == 403
    [storage_id] = parse_qs(urlsplit(url).query)["uploadId"]
    other_url = sign(client, second, 1).json()["parts"][0]["url"]
    [other_id] = parse_qs(urlsplit(other_url).query)["uploadId"]
    assert put(url.replace(storage_id, other_id), b"x").status_code == 403
    assert put(url.replace("/a.bin", "/b.bin"), b"x").status_code == 403
    # ...and takes its own part.
    assert put(url, b"x").status_code == 200
    listed = client.get(f"/files/multipart/{first}/parts").json()["parts"]
    assert [p["part_number"] for p in listed] == [1]


def test_a_sign_request_is_bounded(client_for: ClientFactory) -> None:
    client = client_for("member")
    upload_id = create(client, "a.bin", 10).json()["upload_id"]
    assert_problem(sign(client, upload_id, *range(1, 102)), 400, "validation_error")
    assert_problem(sign(client, upload_id, 10_001), 400, "validation_error")
    assert_problem(sign(client, upload_id, 0), 400, "validation_error")
    assert_problem(sign(client, upload_id, 3, 3), 400, "invalid_parts")
    signed = sign(client, upload_id, *range(1, 101))
    assert signed.status == 200
    assert len(signed.json()["parts"]) == 100


# -- sizes and completion -----------------------------------------------------------------


def test_every_part_but_the_last_needs_5_mib(client_for: ClientFactory) -> None:
    client = client_for("member")
    parts = {1: os.urandom(PART), 2: os.urandom(1000), 3: os.urandom(PART)}
    upload_id = create(client, "a.bin", sum(map(len, parts.values()))).json()["upload_id"]
    etags = send(client, upload_id, parts)

    refused = assert_problem(complete(client, upload_id, etags), 400, "invalid_parts")

    assert "Part 2 holds 1000 bytes" in refused["detail"]
    assert client.get(f"/files/multipart/{upload_id}/parts").status == 200  # kept: fixable
    # Parts sent again replace the ones held: the same total, now in valid parts.
    # (SeaweedFS keeps listing the replaced ones too, as S3 does not: naming each
    # part with its last ETag completes the upload on both.)
    again = send(client, upload_id, {2: os.urandom(PART), 3: os.urandom(1000)})
    done = complete(client, upload_id, {1: etags[1], **again})
    assert done.status == 201, done.body
    assert done.json()["size"] == 2 * PART + 1000


def test_the_parts_must_add_up_to_the_declared_size(client_for: ClientFactory) -> None:
    client = client_for("member")
    upload_id = create(client, "a.bin", 1001).json()["upload_id"]
    etags = send(client, upload_id, {1: b"x" * 1000})

    refused = assert_problem(complete(client, upload_id, etags), 400, "size_mismatch")

    assert "1000" in refused["detail"]
    assert "1001" in refused["detail"]
    exact = create(client, "b.bin", 1000).json()["upload_id"]
    assert complete(client, exact, send(client, exact, {1: b"x" * 1000})).status == 201


def test_listed_parts_must_be_what_storage_holds(client_for: ClientFactory) -> None:
    client = client_for("member")
    upload_id = create(client, "a.bin", 1000).json()["upload_id"]
    etags = send(client, upload_id, {1: b"x" * 1000})

    assert_problem(complete(client, upload_id, {1: '"0123456789abcdef"'}), 400, "invalid_parts")
    assert_problem(complete(client, upload_id, {2: etags[1]}), 400, "invalid_parts")
    empty = create(client, "b.bin", 1000).json()["upload_id"]
    assert_problem(complete(client, empty, None), 400, "invalid_parts")
    assert complete(client, upload_id, etags).status == 201


def test_the_configured_maximum_holds_at_creation_and_at_completion(
    client_for: ClientFactory, settings_changed: Any
) -> None:
    client = client_for("member")
    settings_changed(multipart_max_size=6 * MiB)
    assert_problem(create(client, "a.bin", 6 * MiB + 1), 400, "invalid_size")
    assert_problem(create(client, "a.bin", 0), 400, "invalid_size")
    assert create(client, "b.bin", 6 * MiB).status == 201

    # An upload started under a larger maximum cannot complete past the current one.
    settings_changed(multipart_max_size=100 * MiB)
    upload_id = create(client, "c.bin", 2 * PART).json()["upload_id"]
    etags = send(client, upload_id, {1: os.urandom(PART), 2: os.urandom(PART)})
    settings_changed(multipart_max_size=6 * MiB)

    assert_problem(complete(client, upload_id, etags), 413, "upload_too_large")

    settings_changed(multipart_max_size=100 * MiB)
    assert complete(client, upload_id, etags).status == 201


def test_overwrite_false_holds_at_completion_not_only_at_creation(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    client = client_for("member")
    upload_id = create(client, "report.pdf", 1000).json()["upload_id"]
    etags = send(client, upload_id, {1: b"n" * 1000})
    # Someone else writes the file meanwhile.
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/report.pdf", Body=b"theirs")
    assert_problem(create(client, "report.pdf", 1000), 409, "file_exists")

    assert_problem(complete(client, upload_id, etags), 409, "file_exists")

    stored = s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/report.pdf")["Body"].read()
    assert stored == b"theirs"
    # The upload is kept: the client may replace the file knowingly.
    done = complete(client, upload_id, etags, overwrite=True)
    assert done.status == 201, done.body
    assert s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/report.pdf")["Body"].read() == (
        b"n" * 1000
    )


def test_an_upload_created_with_overwrite_replaces_the_file(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    client = client_for("member")
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/a.txt", Body=b"old")
    upload_id = create(client, "a.txt", 3, overwrite=True).json()["upload_id"]
    done = complete(client, upload_id, send(client, upload_id, {1: b"new"}))
    assert done.status == 201
    assert done.json()["content_type"] == "text/plain"


# -- nothing left behind ---------------------------------------------------------------------


def test_aborting_removes_every_part(client_for: ClientFactory, s3: Any, tenant: str) -> None:
    client = client_for("member")
    upload_id = create(client, "a.bin", 2 * PART).json()["upload_id"]
    send(client, upload_id, {1: os.urandom(PART)})
    [stored] = storage_uploads(s3, tenant)

    assert client.delete(f"/files/multipart/{upload_id}").status == 204

    with pytest.raises(s3.exceptions.NoSuchUpload):
        s3.list_parts(Bucket=BUCKET, Key=stored["Key"], UploadId=stored["UploadId"])
    assert storage_uploads(s3, tenant) == []
    assert client.get("/files/multipart").json()["uploads"] == []
    assert_problem(client.get(f"/files/multipart/{upload_id}/parts"), 404, "upload_not_found")
    assert client.delete(f"/files/multipart/{upload_id}").status == 204  # done already


def test_when_the_record_cannot_be_written_no_upload_is_left(
    client_for: ClientFactory, lambda_module: ModuleType, s3: Any, tenant: str
) -> None:
    class Down:
        def add(self, *args: Any) -> None:
            from file_lambda.uploads.records import RecordsUnavailable

            raise RecordsUnavailable("down")

    state = lambda_module.app.state
    kept, state.upload_records = state.upload_records, Down()
    try:
        assert_problem(create(client_for("member"), "a.bin", 10), 503, "database_unavailable")
    finally:
        state.upload_records = kept
    assert storage_uploads(s3, tenant) == []


# -- the caller's unfinished uploads -------------------------------------------------------


def test_the_listing_shows_the_callers_own_uploads_newest_first_a_page_at_a_time(
    client_for: ClientFactory, tenant: str
) -> None:
    mine = client_for("member", sub=str(uuid.uuid4()))
    theirs = client_for("member", sub=str(uuid.uuid4()))
    for name in ("one.bin", "two.bin", "three.bin"):
        assert create(mine, name, 10).status == 201
    create(theirs, "theirs.bin", 10)

    first = mine.get("/files/multipart", params={"limit": 2}).json()
    assert [u["path"] for u in first["uploads"]] == ["three.bin", "two.bin"]
    second = mine.get("/files/multipart", params={"limit": 2, "cursor": first["next_cursor"]})
    assert [u["path"] for u in second.json()["uploads"]] == ["one.bin"]
    assert [u["path"] for u in theirs.get("/files/multipart").json()["uploads"]] == ["theirs.bin"]
    # Each listed id resumes: it is the owner's, in this tenant.
    for upload in first["uploads"]:
        assert sign(mine, upload["upload_id"], 1).status == 200
        assert_problem(sign(theirs, upload["upload_id"], 1), 404, "upload_not_found")
    assert_problem(
        mine.get("/files/multipart", params={"cursor": first["next_cursor"] + "x"}),
        400,
        "invalid_cursor",
    )


def test_uploads_older_than_the_lifecycles_days_are_not_listed(
    client_for: ClientFactory, db: psycopg.Connection[Any], user: str
) -> None:
    client = client_for("member", sub=user)
    create(client, "old.bin", 10)
    create(client, "new.bin", 10)
    db.execute(
        "update public.file_uploads set created_at = now() - interval '8 days'"
        " where user_id = %s and path = 'old.bin'",
        (user,),
    )
    listed = client.get("/files/multipart").json()["uploads"]
    assert [u["path"] for u in listed] == ["new.bin"]


# -- checksums ---------------------------------------------------------------------------


def test_storage_verifies_each_parts_sha256(client_for: ClientFactory, s3: Any) -> None:
    client = client_for("member")
    parts = {1: os.urandom(PART), 2: os.urandom(1000)}
    upload_id = create(client, "sums.bin", PART + 1000, checksum="sha256").json()["upload_id"]
    assert_problem(sign(client, upload_id, 1), 400, "checksum_required")
    assert_problem(
        client.post(
            f"/files/multipart/{upload_id}/sign",
            json_body={"parts": [{"part_number": 1, "checksum_sha256": "A" * 44}]},
        ),
        400,
        "invalid_checksum",
    )

    def signed(number: int, data: bytes) -> dict[str, Any]:
        body = {"parts": [{"part_number": number, "checksum_sha256": sha256(data)}]}
        answer = client.post(f"/files/multipart/{upload_id}/sign", json_body=body)
        assert answer.status == 200, answer.body
        part: dict[str, Any] = answer.json()["parts"][0]
        return part

    first = signed(1, parts[1])
    assert first["headers"] == {"x-amz-checksum-sha256": sha256(parts[1])}
    # A body with another SHA-256 is refused by the store itself...
    corrupted = put(first["url"], os.urandom(PART), first["headers"])
    assert corrupted.status_code == 400
    assert "<Code>BadDigest</Code>" in corrupted.text
    # ...and so is the right body without the signed header.
    assert put(first["url"], parts[1]).status_code == 403
    etags = {1: put(first["url"], parts[1], first["headers"]).headers["etag"]}
    second = signed(2, parts[2])
    etags[2] = put(second["url"], parts[2], second["headers"]).headers["etag"]

    listed = [
        {"part_number": n, "etag": etags[n], "checksum_sha256": sha256(parts[n])} for n in (1, 2)
    ]
    assert_problem(complete(client, upload_id, etags), 400, "checksum_required")
    done = client.post(f"/files/multipart/{upload_id}/complete", json_body={"parts": listed})

    assert done.status == 201, done.body
    digest = hashlib.sha256(
        hashlib.sha256(parts[1]).digest() + hashlib.sha256(parts[2]).digest()
    ).digest()
    expected = base64.b64encode(digest).decode() + "-2"
    assert done.json()["checksum_sha256"] == expected
    assert client.get("/files/metadata/sums.bin").json()["checksum_sha256"] == expected


class ListsChecksums:
    """The store as AWS is: ListParts carries each part's SHA-256 (SeaweedFS 4.48
    lists none, so it is added here from the bytes the test sent)."""

    def __init__(self, storage: Any, sums: dict[str, str]) -> None:
        self._storage = storage
        self._sums = sums  # by ETag, unquoted

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    def list_parts(self, key: str, upload_id: str) -> list[StoredPart]:
        return [
            dataclasses.replace(part, checksum_sha256=self._sums[part.etag.strip('"')])
            for part in self._storage.list_parts(key, upload_id)
        ]


@pytest.fixture
def sums_listed(lambda_module: ModuleType) -> Iterator[dict[str, str]]:
    state = lambda_module.app.state
    kept = state.storage
    sums: dict[str, str] = {}
    state.storage = ListsChecksums(kept, sums)
    yield sums
    state.storage = kept


def sha256_upload(
    client: AlbClient, path: str, parts: dict[int, bytes]
) -> tuple[str, dict[int, str]]:
    """A SHA-256 upload with `parts` sent; its id and the parts' ETags."""
    created = create(client, path, sum(map(len, parts.values())), checksum="sha256")
    upload_id = created.json()["upload_id"]
    body = {"parts": [{"part_number": n, "checksum_sha256": sha256(d)} for n, d in parts.items()]}
    signed = client.post(f"/files/multipart/{upload_id}/sign", json_body=body).json()["parts"]
    etags = {}
    for part in signed:
        number = part["part_number"]
        answer = put(part["url"], parts[number], part["headers"])
        assert answer.status_code == 200, answer.text
        etags[number] = answer.headers["etag"]
    return upload_id, etags


def test_a_client_that_lost_its_state_completes_a_sha256_upload_from_the_listing(
    client_for: ClientFactory, lambda_module: ModuleType, sums_listed: dict[str, str]
) -> None:
    client = client_for("member")
    parts = {1: os.urandom(PART), 2: os.urandom(1000)}
    upload_id, etags = sha256_upload(client, "resumed.bin", parts)
    sums_listed.update({etags[n].strip('"'): sha256(d) for n, d in parts.items()})
    # The client forgets the ETags and checksums: the listing is all it has.

    listed = client.get(f"/files/multipart/{upload_id}/parts").json()["parts"]
    assert [(p["part_number"], p["checksum_sha256"]) for p in listed] == [
        (n, sha256(d)) for n, d in parts.items()
    ]
    # What the listing gave, without hashing anything again; and what is sent to storage.
    body = {"parts": [{"part_number": p["part_number"], "etag": p["etag"]} for p in listed]}
    with count_s3_calls(lambda_module.app.state.storage._s3, "CompleteMultipartUpload") as sent:
        done = client.post(f"/files/multipart/{upload_id}/complete", json_body=body)

    assert done.status == 201, done.body
    assert [
        (p["PartNumber"], p["ChecksumSHA256"]) for p in sent[0]["MultipartUpload"]["Parts"]
    ] == [(n, sha256(d)) for n, d in parts.items()]
    digest = hashlib.sha256(b"".join(hashlib.sha256(d).digest() for d in parts.values()))
    assert done.json()["checksum_sha256"] == base64.b64encode(digest.digest()).decode() + "-2"


def test_a_completion_naming_another_checksum_than_the_parts_is_400(
    client_for: ClientFactory, lambda_module: ModuleType
) -> None:
    client = client_for("member")
    parts = {1: os.urandom(PART), 2: os.urandom(1000)}
    upload_id, etags = sha256_upload(client, "wrong.bin", parts)
    body = {
        "parts": [
            {"part_number": n, "etag": etags[n], "checksum_sha256": sha256(b"not the part")}
            for n in parts
        ]
    }

    # Storage refuses it (SeaweedFS: BadDigest)...
    answer = client.post(f"/files/multipart/{upload_id}/complete", json_body=body)
    assert_problem(answer, 400, "invalid_parts")
    # ...and where storage lists the parts' checksums, the API refuses it first.
    state = lambda_module.app.state
    kept = state.storage
    state.storage = ListsChecksums(kept, {e.strip('"'): sha256(parts[n]) for n, e in etags.items()})
    try:
        answer = client.post(f"/files/multipart/{upload_id}/complete", json_body=body)
    finally:
        state.storage = kept
    assert_problem(answer, 400, "invalid_parts")
    assert "not the one storage holds" in answer.json()["detail"]
    body = {
        "parts": [
            {"part_number": n, "etag": etags[n], "checksum_sha256": sha256(d)}
            for n, d in parts.items()
        ]
    }
    done = client.post(f"/files/multipart/{upload_id}/complete", json_body=body)
    assert done.status == 201, done.body


def test_an_upload_without_checksums_signs_none(client_for: ClientFactory) -> None:
    client = client_for("member")
    upload_id = create(client, "a.bin", 10).json()["upload_id"]
    body = {"parts": [{"part_number": 1, "checksum_sha256": sha256(b"x")}]}
    answer = client.post(f"/files/multipart/{upload_id}/sign", json_body=body)
    assert_problem(answer, 400, "invalid_checksum")


# -- upload sessions (Uppy's Companion endpoint) --------------------------------------------


def open_session(client: AlbClient, **body: Any) -> str:
    answer = client.post("/files/upload-sessions", json_body=body)
    assert answer.status == 201, answer.body
    endpoint: str = answer.json()["companion_endpoint"]
    assert endpoint.startswith("https://api.snsdconsultant.com/files/upload-sessions/")
    return endpoint.removeprefix("https://api.snsdconsultant.com")


def anonymous(client: AlbClient) -> AlbClient:
    """What Uppy is: no Authorization header, only the session in the URL."""
    return AlbClient(client.handler)


def companion_upload(uppy: AlbClient, session: str, name: str, data: bytes) -> AlbResponse:
    """The calls @uppy/aws-s3 makes in companionEndpoint mode, in its shapes."""
    created = uppy.post(f"{session}/s3/multipart", json_body={"filename": name, "type": "x/y"})
    assert created.status == 200, created.body
    key, upload_id = created.json()["key"], created.json()["uploadId"]
    signed = uppy.get(f"{session}/s3/multipart/{upload_id}/1", params={"key": key})
    assert signed.status == 200, signed.body
    assert signed.json()["expires"] == 300
    etag = put(signed.json()["url"], data).headers["etag"]
    listed = uppy.get(f"{session}/s3/multipart/{upload_id}", params={"key": key})
    assert listed.json() == [{"PartNumber": 1, "Size": len(data), "ETag": etag}]
    return uppy.post(
        f"{session}/s3/multipart/{upload_id}/complete",
        params={"key": key},
        json_body={"parts": [{"PartNumber": 1, "ETag": etag}]},
    )


def test_a_session_serves_uppys_companion_routes_without_a_token(
    client_for: ClientFactory, s3: Any, tenant: str, user: str
) -> None:
    client = client_for("member", sub=user)
    session = open_session(client, folder="inbox")
    uppy = anonymous(client)

    done = companion_upload(uppy, session, "scan.pdf", b"%PDF" * 300)

    assert done.status == 200, done.body
    assert done.json() == {
        "location": "https://api.snsdconsultant.com/files/download/inbox/scan.pdf",
        "key": "inbox/scan.pdf",
    }
    stored = s3.get_object(Bucket=BUCKET, Key=f"tenants/{tenant}/inbox/scan.pdf")
    assert stored["Metadata"] == {"uploaded-by": user}
    assert stored["ContentType"] == "x/y"

    # A small file goes as a presigned POST (Uppy's /s3/params).
    params = uppy.get(f"{session}/s3/params", params={"filename": "note.txt", "type": "text/plain"})
    assert params.status == 200
    post = params.json()
    assert post["method"] == "POST"
    assert post["fields"]["key"] == f"tenants/{tenant}/inbox/note.txt"
    answer = httpx.post(post["url"], data=post["fields"], files={"file": ("n", b"hi")})
    assert answer.status_code == 204


def test_a_session_is_bound_to_its_folder_user_and_tenant(
    client_for: ClientFactory, tenant: str, user: str
) -> None:
    second_tenant = str(uuid.uuid4())
    both = {tenant: "member", second_tenant: "owner"}
    client = client_for(None, tenants=both, select=tenant, sub=user)
    other = client_for("member", sub=str(uuid.uuid4()))
    session = open_session(client, folder="inbox")
    uppy = anonymous(client)

    # A name must be one segment: it cannot leave the folder.
    for bad in ("../out.bin", "a/b.bin", ""):
        answer = uppy.post(f"{session}/s3/multipart", json_body={"filename": bad})
        assert_problem(answer, 400, "invalid_path")
    # The user's own upload outside the folder, and another user's inside it, are not found.
    outside = create(client, "private/x.bin", 10).json()["upload_id"]
    theirs = create(other, "inbox/y.bin", 10).json()["upload_id"]
    mine = create(client, "inbox/z.bin", 10).json()["upload_id"]
    for upload_id in (outside, theirs):
        assert_problem(uppy.get(f"{session}/s3/multipart/{upload_id}/1"), 404, "upload_not_found")
        assert_problem(uppy.get(f"{session}/s3/multipart/{upload_id}"), 404, "upload_not_found")
        assert_problem(uppy.delete(f"{session}/s3/multipart/{upload_id}"), 404, "upload_not_found")
    assert uppy.get(f"{session}/s3/multipart/{mine}/1").status == 200
    # The key Uppy sends back is never trusted: one that is not the upload's is refused.
    assert_problem(
        uppy.get(f"{session}/s3/multipart/{mine}/1", params={"key": "inbox/other.bin"}),
        404,
        "upload_not_found",
    )
    # The same user's session in another tenant does not open this tenant's uploads.
    elsewhere = AlbClient(client.handler, token=client.token, tenant=second_tenant)
    foreign = open_session(elsewhere, folder="inbox")
    assert_problem(uppy.get(f"{foreign}/s3/multipart/{mine}/1"), 404, "upload_not_found")
    theirs_there = create(elsewhere, "inbox/w.bin", 10).json()["upload_id"]
    assert uppy.get(f"{foreign}/s3/multipart/{theirs_there}/1").status == 200
    assert_problem(uppy.get(f"{session}/s3/multipart/{theirs_there}/1"), 404, "upload_not_found")


def test_an_expired_or_forged_session_is_401(
    client_for: ClientFactory, lambda_module: ModuleType, tenant: str, user: str
) -> None:
    client = client_for("member", sub=user)
    cursors = lambda_module.app.state.cursors
    uppy = anonymous(client)
    body = {"filename": "a.bin"}

    def sealed(expires: float) -> str:
        session = Session(tenant, user, "", False, 10 * MiB, int(expires))
        return f"/files/upload-sessions/{session.seal(cursors)}"

    assert uppy.post(f"{sealed(time.time() + 60)}/s3/multipart", json_body=body).status == 200
    expired = uppy.post(f"{sealed(time.time() - 1)}/s3/multipart", json_body=body)
    assert_problem(expired, 401, "upload_session_expired")
    good = open_session(client)
    flipped = good[:-3] + ("A" if good[-3] != "A" else "B") + good[-2:]
    assert_problem(
        uppy.post(f"{flipped}/s3/multipart", json_body=body), 401, "upload_session_invalid"
    )
    # A listing cursor of the tenant is no session, and a session is no cursor.
    cursor = cursors.seal(tenant, {"f": "", "r": False, "t": None, "a": "x"})
    assert_problem(
        uppy.post(f"/files/upload-sessions/{cursor}/s3/multipart", json_body=body),
        401,
        "upload_session_invalid",
    )
    assert_problem(
        client.get("/files/list", params={"cursor": good.rsplit("/", 1)[1]}),
        400,
        "invalid_cursor",
    )


def test_a_session_lives_as_long_as_asked_within_the_configured_bounds(
    client_for: ClientFactory,
) -> None:
    client = client_for("member")
    answer = client.post("/files/upload-sessions", json_body={"expires_in": 600}).json()
    assert abs(_epoch(answer["expires_at"]) - (time.time() + 600)) < 30
    default = client.post("/files/upload-sessions", json_body={}).json()
    assert abs(_epoch(default["expires_at"]) - (time.time() + 3600)) < 30
    for bad in (59, 86401):
        answer = client.post("/files/upload-sessions", json_body={"expires_in": bad})
        assert_problem(answer, 400, "invalid_expires_in")
    assert_problem(
        client.post("/files/upload-sessions", json_body={"folder": "../x"}), 400, "invalid_path"
    )


def _epoch(moment: str) -> float:
    return datetime.fromisoformat(moment).timestamp()


def test_a_session_enforces_its_max_size_and_overwrite(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    client = client_for("member")
    s3.put_object(Bucket=BUCKET, Key=f"tenants/{tenant}/exists.bin", Body=b"old")
    small = open_session(client, max_size=1000)
    uppy = anonymous(client)

    assert_problem(companion_upload(uppy, small, "big.bin", b"x" * 1001), 413, "upload_too_large")
    assert companion_upload(uppy, small, "fits.bin", b"x" * 1000).status == 200
    answer = uppy.post(f"{small}/s3/multipart", json_body={"filename": "exists.bin"})
    assert_problem(answer, 409, "file_exists")
    replacing = open_session(client, overwrite=True)
    assert companion_upload(uppy, replacing, "exists.bin", b"new").status == 200


def test_a_session_stops_working_when_its_user_loses_the_membership(
    client_for: ClientFactory,
    lambda_module: ModuleType,
    db: psycopg.Connection[Any],
    db_url: str,
    user: str,
) -> None:
    from file_lambda.memberships import Memberships, PostgresMemberships

    state = lambda_module.app.state
    kept, source = state.memberships, PostgresMemberships(lambda: db_url)
    state.memberships = Memberships(source, ttl=1, miss_refresh=0.2)
    try:
        client = client_for("member", sub=user)
        session = open_session(client)
        uppy = anonymous(client)
        body = {"filename": "a.bin"}
        assert uppy.post(f"{session}/s3/multipart", json_body=body).status == 200

        db.execute("update public.tenant_members set role = 'viewer' where user_id = %s", (user,))
        time.sleep(1.2)
        assert_problem(
            uppy.post(f"{session}/s3/multipart", json_body=body), 403, "insufficient_role"
        )
        db.execute("delete from public.tenant_members where user_id = %s", (user,))
        time.sleep(1.2)
        assert_problem(
            uppy.post(f"{session}/s3/multipart", json_body=body), 403, "tenant_forbidden"
        )
    finally:
        state.memberships = kept
        source.close()
