"""A removed member's unfinished uploads stop holding room in the tenant's quota
at once (migration 20260105000200_upload_reservations.sql), through the core's
own route, which never talks to S3: the uploads are marked for the file API
to abort (tests/files/test_unfinished_uploads.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.support.core import User

Db = psycopg.Connection[dict[str, Any]]


def start_upload(db: Db, tenant_id: str, user: User, size: int) -> str:
    """What the file API's multipart create leaves in the database: a record, a reservation."""
    upload = f"s3-{uuid.uuid4()}"
    db.execute(
        "insert into public.file_uploads (storage_upload_id, tenant_id, user_id, path, size,"
        " content_type, overwrite) values (%s, %s, %s, %s, %s, 'x/y', false)",
        (upload, tenant_id, user.id, f"{upload}.bin", size),
    )
    db.execute(
        "insert into public.file_reservations (tenant_id, path, bytes, objects, upload_id,"
        " expires_at) values (%s, %s, %s, 1, %s, now() + interval '7 days')",
        (tenant_id, f"{upload}.bin", size, upload),
    )
    return upload


def held(db: Db, tenant_id: str) -> dict[str, int]:
    rows = db.execute(
        "select upload_id, bytes from public.file_reservations where tenant_id = %s",
        (tenant_id,),
    ).fetchall()
    return {row["upload_id"]: row["bytes"] for row in rows}


def marked(db: Db, tenant_id: str) -> set[str]:
    rows = db.execute(
        "select storage_upload_id from public.file_uploads"
        " where tenant_id = %s and member_removed_at is not null",
        (tenant_id,),
    ).fetchall()
    return {row["storage_upload_id"] for row in rows}


def test_removing_a_member_releases_their_uploads_reservations_at_once(
    client: TestClient,
    db: Db,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[..., dict[str, str]],
) -> None:
    owner, member, stayer = make_user(), make_user(), make_user()
    tenant_id = make_tenant(owner, {member: "member", stayer: "member"})
    theirs = start_upload(db, tenant_id, member, 5_000)
    kept = start_upload(db, tenant_id, stayer, 700)

    removed = client.delete(f"/tenants/{tenant_id}/members/{member.id}", headers=auth(owner))
    assert removed.status_code == 204, removed.text
    assert held(db, tenant_id) == {kept: 700}
    assert marked(db, tenant_id) == {theirs}

    # Leaving is a removal too.
    leave = client.delete(f"/tenants/{tenant_id}/members/{stayer.id}", headers=auth(stayer))
    assert leave.status_code == 204, leave.text
    assert held(db, tenant_id) == {}
    assert marked(db, tenant_id) == {theirs, kept}


def test_a_refused_removal_releases_nothing(
    client: TestClient,
    db: Db,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[..., dict[str, str]],
) -> None:
    owner, member = make_user(), make_user()
    tenant_id = make_tenant(owner, {member: "member"})
    upload = start_upload(db, tenant_id, owner, 100)
    refused = client.delete(f"/tenants/{tenant_id}/members/{owner.id}", headers=auth(member))
    assert refused.status_code == 403, refused.text
    last = client.delete(f"/tenants/{tenant_id}/members/{owner.id}", headers=auth(owner))
    assert last.status_code == 409, last.text  # the last owner stays
    assert held(db, tenant_id) == {upload: 100}
    assert marked(db, tenant_id) == set()


def test_deleting_a_tenant_with_unfinished_uploads_still_takes_everything(
    db: Db, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    owner = make_user()
    tenant_id = make_tenant(owner)
    start_upload(db, tenant_id, owner, 100)
    db.execute("delete from public.tenants where id = %s", (tenant_id,))
    assert held(db, tenant_id) == {}
    [row] = db.execute(
        "select count(*) as n from public.file_uploads where tenant_id = %s", (tenant_id,)
    ).fetchall()
    assert row["n"] == 0
