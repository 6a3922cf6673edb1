"""A tenant's deletion on `make dev` (docs/api.md, "Deleting a tenant"): by name, refused
to its members at once, undone within the grace period with everything back, then, the
grace period ended in SQL, purged by the stack's own job sweep and function: both buckets
empty under its prefixes, no row naming it but the record and the purge's job
(SECURITY.md), the record verified by the script."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from dev import DEV_BUCKET, deletions
from jobs.purges import record_key
from tests.local.test_revocation import bearer, first_change, join
from tests.support.browser import PageServer
from tests.support.stack import Stack, own_stack

ROOT = Path(__file__).resolve().parents[2]
# The file API keeps memberships this long (MEMBERSHIP_CACHE_SECONDS), and a little more.
WINDOW = 32.0
# Objects put straight into each bucket beside the API's, for the purge to work through.
MANY = 3000


@pytest.fixture(scope="module")
def stack(page_server: PageServer) -> Iterator[Stack]:
    """This module's own `make dev`: its thousands of objects keep the malware scanner
    busy for minutes, and the package's other tests wait for verdicts on the shared one."""
    with own_stack("snsd-deletion-", page_server.allowed_origin) as running:
        yield running


def _versions(s3: Any, bucket: str, tenant: str) -> int:
    found = 0
    for prefix in (f"tenants/{tenant}/", f"jobs/{tenant}/"):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
            found += len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))
        found += len(s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", []))
    return found


def _state(stack: Stack, owner: str, member: str, tenant: str) -> dict[str, Any]:
    """What the tenant's people see of it: files, versions, trash, members, links, hooks."""
    files = f"{stack.api}/files"

    def versions(path: str) -> list[tuple[str, bool]]:
        answer = httpx.get(f"{files}/versions/{path}", headers=bearer(member, tenant)).json()
        return [(v["version_id"], v["is_delete_marker"]) for v in answer["versions"]]

    listed = httpx.get(f"{files}/list", headers=bearer(member, tenant)).json()["files"]
    return {
        # What a file is, not how its scan is going (a verdict may land in between).
        "list": [(f["path"], f["size"], f.get("etag")) for f in listed],
        "versions": versions("a.txt"),
        "trash": versions("trash.txt"),
        "members": sorted(
            m["user_id"]
            for m in httpx.get(
                f"{stack.api}/tenants/{tenant}/members", headers=bearer(owner)
            ).json()["members"]
        ),
        "webhooks": [
            e["id"]
            for e in httpx.get(
                f"{stack.api}/tenants/{tenant}/webhooks", headers=bearer(owner)
            ).json()["endpoints"]
        ],
    }


@pytest.mark.slow
def test_deleted_refused_restored_then_purged_with_a_verified_record(
    stack: Stack, tmp_path: Path
) -> None:
    owner, tenant = stack.new_tenant("Deletion Ltd")
    member = join(stack, owner, tenant, "member")
    files = f"{stack.api}/files"
    s3 = stack.s3()

    def upload(name: str, data: bytes) -> None:
        answer = httpx.post(
            f"{files}/upload",
            params={"overwrite": "true"},
            files={"file": (name, data)},
            headers=bearer(owner, tenant),
        )
        assert answer.status_code == 201, answer.text

    upload("a.txt", b"one")
    upload("a.txt", b"two")  # a second version
    upload("trash.txt", b"bin")
    assert (
        httpx.delete(f"{files}/delete/trash.txt", headers=bearer(owner, tenant)).status_code == 204
    )
    multipart = httpx.post(f"{files}/multipart", json={"path": "big.bin", "size": 20_000_000},
                           headers=bearer(owner, tenant))  # fmt: skip
    assert multipart.status_code == 201, multipart.text
    share = httpx.post(f"{files}/shares", json={"path": "a.txt"}, headers=bearer(owner, tenant))
    assert share.status_code == 201, share.text
    link = f"{files}/public/shares/" + share.json()["url"].rsplit("/", 1)[-1]
    request = httpx.post(f"{files}/requests", json={"title": "Send it"},
                         headers=bearer(owner, tenant))  # fmt: skip
    assert request.status_code == 201, request.text
    request_link = f"{files}/public/requests/" + request.json()["url"].rsplit("/", 1)[-1]
    hook = httpx.post(
        f"{stack.api}/tenants/{tenant}/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["file.created"]},
        headers=bearer(owner),
    )
    assert hook.status_code == 201, hook.text
    assert httpx.get(link).status_code == 200
    assert httpx.get(request_link).status_code == 200
    before = _state(stack, owner, member, tenant)

    # Deleted by name (another name refused, nothing changed).
    wrong = httpx.delete(f"{stack.api}/tenants/{tenant}", params={"confirm": "deletion ltd"},
                         headers=bearer(owner))  # fmt: skip
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "confirmation_mismatch"
    deleted = httpx.delete(f"{stack.api}/tenants/{tenant}", params={"confirm": "Deletion Ltd"},
                           headers=bearer(owner))  # fmt: skip
    assert deleted.status_code == 202, deleted.text

    # The core at once; links at once; the file API within the membership window.
    assert httpx.get(f"{stack.api}/tenants/{tenant}", headers=bearer(member)).status_code == 404
    assert httpx.get(link).status_code == 410
    assert httpx.get(request_link).status_code == 410
    refused_after = first_change(
        lambda: httpx.get(f"{files}/list", headers=bearer(member, tenant)).status_code == 403,
        WINDOW,
    )
    assert refused_after is not None, "the member still reads the deleted tenant's files"
    print(f"member refused by the file API {refused_after:.1f} s after the deletion")

    # Undone: everything back as it was.
    restored = httpx.post(f"{stack.api}/tenants/{tenant}/restore", headers=bearer(owner))
    assert restored.status_code == 204, restored.text
    back_after = first_change(
        lambda: httpx.get(f"{files}/list", headers=bearer(member, tenant)).status_code == 200,
        WINDOW,
    )
    assert back_after is not None
    assert _state(stack, owner, member, tenant) == before
    assert httpx.get(link).status_code == 200
    assert httpx.get(request_link).status_code == 200

    # Many more objects, and their "replicated" copies (SeaweedFS does not replicate).
    def put(i: int) -> None:
        for bucket in (DEV_BUCKET, deletions.REPLICA_BUCKET):
            s3.put_object(Bucket=bucket, Key=f"tenants/{tenant}/many/{i:05}", Body=b"x")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(MANY)))
    for listing in s3.get_paginator("list_object_versions").paginate(
        Bucket=DEV_BUCKET, Prefix=f"tenants/{tenant}/"
    ):
        for v in listing.get("Versions", []):
            if "/many/" not in v["Key"]:
                s3.copy_object(Bucket=deletions.REPLICA_BUCKET, Key=v["Key"],
                               CopySource={"Bucket": DEV_BUCKET, "Key": v["Key"],
                                           "VersionId": v["VersionId"]})  # fmt: skip
    s3.create_multipart_upload(Bucket=deletions.REPLICA_BUCKET, Key=f"tenants/{tenant}/big.bin")
    assert _versions(s3, deletions.REPLICA_BUCKET, tenant) > MANY

    # Deleted again; its grace period ended in SQL; the stack's sweep purges it.
    again = httpx.delete(f"{stack.api}/tenants/{tenant}", params={"confirm": "Deletion Ltd"},
                         headers=bearer(owner))  # fmt: skip
    assert again.status_code == 202
    with psycopg.connect(stack.urls["database"], autocommit=True) as conn:
        conn.execute(
            "update public.tenants set purge_after = now() - interval '1 second' where id = %s",
            (tenant,),
        )
        started = time.monotonic()
        job: tuple[Any, ...] | None = None
        while time.monotonic() - started < 240:
            rows = conn.execute(
                "select state::text, steps, error from public.jobs"
                " where tenant_id = %s and kind = 'purge'",
                (tenant,),
            ).fetchall()
            if rows and rows[0][0] in ("succeeded", "failed"):
                job = rows[0]
                break
            time.sleep(1)
        assert job is not None, stack.output()[-3000:]
        assert job[0] == "succeeded", (job, stack.output()[-3000:])
        print(f"purge: {job[1]} steps, {time.monotonic() - started:.1f} s from the grace's end")
        left = {}
        for schema, table, _ in conn.execute("select * from private.tenant_tables()").fetchall():
            (count,) = conn.execute(
                f"select count(*) from {schema}.{table} where tenant_id = %s",  # noqa: S608
                (tenant,),
            ).fetchone() or (0,)
            if count:
                left[f"{schema}.{table}"] = count
        assert left == {"public.jobs": 1}  # the purge's own (SECURITY.md)
        assert conn.execute(
            "select count(*) from private.tenant_deletions where tenant_id = %s", (tenant,)
        ).fetchone() == (1,)
    assert _versions(s3, DEV_BUCKET, tenant) == 0
    assert _versions(s3, deletions.REPLICA_BUCKET, tenant) == 0

    document = json.loads(s3.get_object(Bucket=DEV_BUCKET, Key=record_key(tenant))["Body"].read())
    counts = document["record"]["counts"]
    assert counts["bucket"]["versions"] >= MANY + 3
    assert counts["bucket"]["delete_markers"] == 1
    assert counts["replica"]["objects"] >= MANY
    assert counts["replica"]["uploads_aborted"] == 1
    assert counts["rows"]["public.tenant_members"] == 2
    path = tmp_path / "record.json"
    path.write_text(json.dumps(document))
    seed = (stack.state_dir / deletions.KEY_FILE).read_text().strip()
    script = [sys.executable, "-m", "scripts.verify_deletion_record"]
    public = subprocess.run([*script, "--print-public-key", seed], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    verified = subprocess.run([*script, str(path), "--public-key", public], cwd=ROOT,
                              capture_output=True, text=True, check=False)  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    # Nobody can bring it back now.
    gone = httpx.post(f"{stack.api}/tenants/{tenant}/restore", headers=bearer(owner))
    assert gone.status_code == 404
