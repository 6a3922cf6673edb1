"""Every unfinished upload of a tenant, for its owners and admins: listed with who
started it, and aborted whoever did (`GET /files/unfinished-uploads`, `DELETE
/files/unfinished-uploads/{upload_id}`); a removed member's uploads, whose
reservations their removal ended (migration 20260105000200), are aborted in S3
when the tenant's uploads are next listed. SeaweedFS and Postgres, no mocks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest

from dev.alb import AlbClient
from file_lambda.storage.port import StorageUnavailable
from tests.support.files import BUCKET, ClientFactory
from tests.support.problems import assert_problem


@pytest.fixture
def sql(db_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


def start(client: AlbClient, path: str, size: int = 100) -> str:
    created = client.post("/files/multipart", json_body={"path": path, "size": size})
    assert created.status == 201, created.body
    upload_id: str = created.json()["upload_id"]
    signed = client.post(
        f"/files/multipart/{upload_id}/sign", json_body={"parts": [{"part_number": 1}]}
    )
    httpx.put(signed.json()["parts"][0]["url"], content=b"p" * size).raise_for_status()
    return upload_id


def in_storage(s3: Any, tenant: str) -> list[str]:
    listed = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=f"tenants/{tenant}/")
    return sorted(
        item["Key"].removeprefix(f"tenants/{tenant}/") for item in listed.get("Uploads", [])
    )


def held(sql: psycopg.Connection[Any], tenant: str) -> list[tuple[str, int]]:
    rows = sql.execute(
        "select path, bytes from public.file_reservations where tenant_id = %s order by path",
        (tenant,),
    ).fetchall()
    return [(path, int(size)) for path, size in rows]


def with_quota(sql: psycopg.Connection[Any], tenant: str) -> None:
    sql.execute(
        "insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, 1000000)",
        (tenant,),
    )


def test_owners_and_admins_list_and_abort_every_users_upload(
    client_for: ClientFactory, s3: Any, sql: Any, tenant: str
) -> None:
    alice, bob = str(uuid.uuid4()), str(uuid.uuid4())
    member_a = client_for("member", sub=alice)
    member_b = client_for("member", sub=bob)
    with_quota(sql, tenant)
    start(member_a, "a.bin", 100)
    start(member_b, "b.bin", 200)

    for role in ("admin", "owner"):
        listed = client_for(role).get("/files/unfinished-uploads")
        assert listed.status == 200, listed.body
        uploads = listed.json()["uploads"]
        assert [(u["path"], u["user_id"], u["size"]) for u in uploads] == [
            ("b.bin", bob, 200),
            ("a.bin", alice, 100),
        ]
    admin = client_for("admin")
    [newest, oldest] = admin.get("/files/unfinished-uploads").json()["uploads"]
    # The id an admin sees opens nowhere else: not to sign or complete as that user.
    assert_problem(
        admin.post(
            f"/files/multipart/{newest['upload_id']}/sign",
            json_body={"parts": [{"part_number": 1}]},
        ),
        404,
        "upload_not_found",
    )
    assert admin.delete(f"/files/unfinished-uploads/{newest['upload_id']}").status == 204
    assert in_storage(s3, tenant) == ["a.bin"]
    assert held(sql, tenant) == [("a.bin", 100)]
    assert [u["path"] for u in admin.get("/files/unfinished-uploads").json()["uploads"]] == [
        "a.bin"
    ]
    assert [u["path"] for u in member_b.get("/files/multipart").json()["uploads"]] == []
    # Again: nothing left to abort, still 204 (as the owner's own abort).
    assert admin.delete(f"/files/unfinished-uploads/{newest['upload_id']}").status == 204
    assert oldest["user_id"] == alice


def test_members_and_viewers_may_not_list_or_abort_others_uploads(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    member = client_for("member", sub=str(uuid.uuid4()))
    upload_id = start(member, "mine.bin")
    for role in ("member", "viewer"):
        other = client_for(role, sub=str(uuid.uuid4()))
        assert_problem(other.get("/files/unfinished-uploads"), 403, "insufficient_role")
        assert_problem(
            other.delete(f"/files/unfinished-uploads/{upload_id}"), 403, "insufficient_role"
        )
    # Not even their own, through the admins' door.
    assert_problem(
        member.delete(f"/files/unfinished-uploads/{upload_id}"), 403, "insufficient_role"
    )
    assert in_storage(s3, tenant) == ["mine.bin"]


def test_another_tenants_or_a_made_up_upload_is_404_to_an_admin(
    client_for: ClientFactory, s3: Any, tenant: str
) -> None:
    elsewhere = str(uuid.uuid4())
    admin_id = str(uuid.uuid4())
    # The same admin, owner of another tenant, with an upload there.
    there = client_for(
        None, tenants={tenant: "admin", elsewhere: "owner"}, select=elsewhere, sub=admin_id
    )
    theirs = start(there, "there.bin")
    here = client_for(
        None, tenants={tenant: "admin", elsewhere: "owner"}, select=tenant, sub=admin_id
    )
    assert_problem(here.delete(f"/files/unfinished-uploads/{theirs}"), 404, "upload_not_found")
    assert_problem(here.delete("/files/unfinished-uploads/made-up"), 404, "upload_not_found")
    assert here.get("/files/unfinished-uploads").json()["uploads"] == []
    # A stranger to the tenant is refused before any id is opened.
    stranger = client_for(None, tenants={elsewhere: "owner"}, select=tenant)
    assert_problem(stranger.delete(f"/files/unfinished-uploads/{theirs}"), 403, "tenant_forbidden")
    assert in_storage(s3, elsewhere) == ["there.bin"]


def test_the_listing_pages_with_a_cursor_of_its_own(client_for: ClientFactory) -> None:
    member = client_for("member", sub=str(uuid.uuid4()))
    for name in ("1.bin", "2.bin", "3.bin"):
        start(member, name, 10)
    admin = client_for("admin")
    first = admin.get("/files/unfinished-uploads", params={"limit": 2}).json()
    assert [u["path"] for u in first["uploads"]] == ["3.bin", "2.bin"]
    rest = admin.get("/files/unfinished-uploads", params={"cursor": first["next_cursor"]}).json()
    assert [u["path"] for u in rest["uploads"]] == ["1.bin"]
    assert rest["next_cursor"] is None
    # The member's own listing's cursor is not this listing's, nor the reverse.
    own = member.get("/files/multipart", params={"limit": 1}).json()["next_cursor"]
    assert_problem(
        admin.get("/files/unfinished-uploads", params={"cursor": own}), 400, "invalid_cursor"
    )
    assert_problem(
        member.get("/files/multipart", params={"cursor": first["next_cursor"]}),
        400,
        "invalid_cursor",
    )


def test_a_removed_members_uploads_hold_nothing_and_are_aborted_at_the_next_listing(
    client_for: ClientFactory, s3: Any, sql: Any, tenant: str
) -> None:
    leaver, stayer = str(uuid.uuid4()), str(uuid.uuid4())
    leaving, staying = client_for("member", sub=leaver), client_for("member", sub=stayer)
    with_quota(sql, tenant)
    start(leaving, "leaver.bin", 300)
    start(staying, "stayer.bin", 400)
    assert held(sql, tenant) == [("leaver.bin", 300), ("stayer.bin", 400)]

    # The core's removal is one delete (tests/core/test_member_removal.py goes through its route).
    sql.execute(
        "delete from public.tenant_members where tenant_id = %s and user_id = %s", (tenant, leaver)
    )
    assert held(sql, tenant) == [("stayer.bin", 400)]  # at once, in the removal's transaction
    assert in_storage(s3, tenant) == ["leaver.bin", "stayer.bin"]

    listed = client_for("owner").get("/files/unfinished-uploads")
    assert listed.status == 200, listed.body
    assert [u["path"] for u in listed.json()["uploads"]] == ["stayer.bin"]
    assert in_storage(s3, tenant) == ["stayer.bin"]
    assert held(sql, tenant) == [("stayer.bin", 400)]


def test_storage_refusing_an_abort_leaves_the_upload_marked_and_the_listing_answers(
    client_for: ClientFactory,
    lambda_module: Any,
    s3: Any,
    sql: Any,
    tenant: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    leaver = str(uuid.uuid4())
    start(client_for("member", sub=leaver), "leaver.bin", 10)
    sql.execute(
        "delete from public.tenant_members where tenant_id = %s and user_id = %s", (tenant, leaver)
    )
    owner = client_for("owner")

    def unavailable(key: str, upload_id: str) -> None:
        raise StorageUnavailable("storage is down")

    with monkeypatch.context() as patched:
        patched.setattr(lambda_module.storage, "abort_multipart", unavailable)
        listed = owner.get("/files/unfinished-uploads")
    assert listed.status == 200, listed.body
    assert [u["path"] for u in listed.json()["uploads"]] == ["leaver.bin"]
    assert in_storage(s3, tenant) == ["leaver.bin"]
    # Storage is back: the next listing aborts it.
    assert owner.get("/files/unfinished-uploads").json()["uploads"] == []
    assert in_storage(s3, tenant) == []
