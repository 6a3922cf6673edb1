"""Tenant export end to end through `make dev` (issue 30): a tenant with files in folders,
versions, a member, a pending invitation and its audit trail is exported by its owner
(the core inserts the job, the stack's sweep and job queue run it), the ZIP is downloaded
through its presigned URL and checked against the tenant, and `scripts/import_export.py`
recreates it as a new tenant that is compared with the first; an empty tenant exports."""

from __future__ import annotations

import hashlib
import io
import json
import time
import uuid
import zipfile
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from scripts import import_export
from tests.support.stack import Stack

pytestmark = pytest.mark.slow

# A large file goes through a presigned POST (over the inline limit), on export and import.
FILES = {
    "top.txt": b"top of the tree\n",
    "docs/a.txt": b"third version of a\n",
    "docs/sub/b.bin": bytes(range(256)) * 40,
    "docs/sub/deeper/empty.txt": b"",
    "media/large.bin": hashlib.sha256(b"seed").digest() * 40_000,  # 1,280,000 bytes
}
EXPORT_SECONDS = 120


def _headers(token: str, tenant: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if tenant is not None:
        headers["X-Tenant-ID"] = tenant
    return headers


def _upload(stack: Stack, token: str, tenant: str, path: str, data: bytes) -> None:
    folder, _, name = path.rpartition("/")
    if len(data) < 800_000:
        answer = httpx.post(
            f"{stack.api}/files/upload",
            params={"folder": folder, "overwrite": "true"},
            files={"file": (name, data, "application/octet-stream")},
            headers=_headers(token, tenant),
        )
        assert answer.status_code == 201, answer.text
        return
    form = httpx.post(
        f"{stack.api}/files/presigned-upload",
        params={"file_path": path, "content_type": "application/octet-stream"},
        headers=_headers(token, tenant),
    )
    assert form.status_code == 200, form.text
    posted = httpx.post(
        form.json()["url"],
        data=form.json()["fields"],
        files={"file": (name, data, "application/octet-stream")},
    )
    assert posted.status_code in (200, 201, 204), posted.text


def _files(stack: Stack, token: str, tenant: str) -> dict[str, bytes]:
    """Every current file of the tenant with its bytes, through the API."""
    found: dict[str, bytes] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"recursive": "true", "limit": 100}
        if cursor:
            params["cursor"] = cursor
        page = httpx.get(
            f"{stack.api}/files/list", params=params, headers=_headers(token, tenant)
        ).json()
        for info in page["files"]:
            body = httpx.get(
                f"{stack.api}/files/download/{info['path']}",
                headers=_headers(token, tenant),
                follow_redirects=True,
            )
            assert body.status_code == 200, body.text
            found[info["path"]] = body.content
        cursor = page["next_cursor"]
        if not cursor:
            return found


def _export(stack: Stack, token: str, tenant: str) -> tuple[dict[str, Any], bytes, float]:
    """Ask for an export, wait for it, download it: (the export, the ZIP, seconds taken)."""
    started = time.monotonic()
    asked = httpx.post(f"{stack.api}/tenants/{tenant}/exports", headers=_headers(token))
    assert asked.status_code == 202, asked.text
    location = f"{stack.api}{asked.headers['location']}"
    while True:
        export = httpx.get(location, headers=_headers(token)).json()
        if export["state"] in ("succeeded", "failed"):
            break
        assert time.monotonic() - started < EXPORT_SECONDS, export
        time.sleep(0.5)
    took = time.monotonic() - started
    assert export["state"] == "succeeded", export
    download = httpx.get(export["download"]["url"])
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert len(download.content) == export["size"]
    return export, download.content, took


def test_an_export_reimported_equals_the_tenant(stack: Stack, tmp_path: Path) -> None:
    owner_token, tenant = stack.new_tenant("Export Co")
    owner = httpx.get(f"{stack.api}/me", headers=_headers(owner_token)).json()
    for version in (b"first version of a\n", b"second version of a\n"):
        _upload(stack, owner_token, tenant, "docs/a.txt", version)
    for path, data in FILES.items():
        _upload(stack, owner_token, tenant, path, data)
        stack.wait_for_verdict(tenant, path)
    # A member who joined, and an invitation still pending.
    member_email = f"member-{uuid.uuid4().hex[:10]}@example.com"
    pending_email = f"pending-{uuid.uuid4().hex[:10]}@example.com"
    for email, role in ((member_email, "member"), (pending_email, "viewer")):
        invited = httpx.post(
            f"{stack.api}/tenants/{tenant}/invitations",
            json={"email": email, "role": role},
            headers=_headers(owner_token),
        )
        assert invited.status_code == 201, invited.text
    member_token = stack.session(member_email)["access_token"]
    (invitation,) = httpx.get(f"{stack.api}/invitations", headers=_headers(member_token)).json()[
        "invitations"
    ]
    accepted = httpx.post(
        f"{stack.api}/invitations/{invitation['id']}/accept", headers=_headers(member_token)
    )
    assert accepted.status_code == 200, accepted.text

    export, body, took = _export(stack, owner_token, tenant)
    print(f"export of {len(FILES)} files ({sum(map(len, FILES.values()))} bytes): {took:.1f} s")
    assert (export["files"], export["skipped"]) == (len(FILES), [])
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    manifest = json.loads(archive.read("manifest.json"))
    assert sorted(entry["path"] for entry in manifest["files"]) == sorted(FILES)
    for entry in manifest["files"]:
        data = FILES[entry["path"]]
        assert archive.read(f"files/{entry['path']}") == data
        assert entry["size"] == len(data)
        assert entry["crc32"] == f"{zlib.crc32(data):08x}"
        assert entry["sha256"] in (None, hashlib.sha256(data).hexdigest())
        assert entry["written_by"] == owner["user_id"]
        assert entry["versions"] == (3 if entry["path"] == "docs/a.txt" else 1)
    members = json.loads(archive.read("members.json"))
    assert {(m["email"], m["role"]) for m in members} == {
        (owner["email"], "owner"),
        (member_email, "member"),
    }
    invitations = json.loads(archive.read("invitations.json"))
    assert {(i["email"], i["status"]) for i in invitations} == {
        (member_email, "accepted"),
        (pending_email, "pending"),
    }
    trail = [json.loads(line) for line in archive.read("audit.jsonl").splitlines()]
    actions = [row["action"] for row in trail]
    assert actions[0] == "tenant_created"
    assert actions[-1] == "tenant_export_requested"
    assert {"upload_file", "invitation_accepted", "object_created"} <= set(actions)
    assert json.loads(archive.read("usage.json"))["current"]["objects"] == len(FILES)

    # Import it as someone else, then compare the two tenants.
    zip_path = tmp_path / export["download"]["file_name"]
    zip_path.write_bytes(body)
    importer_email = f"importer-{uuid.uuid4().hex[:10]}@example.com"
    importer_token = stack.session(importer_email)["access_token"]
    code = import_export.main(
        [str(zip_path), "--api", stack.api, "--token", importer_token, "--name", "Export Co 2"]
    )
    assert code == 0
    (copy,) = [
        t
        for t in httpx.get(f"{stack.api}/tenants", headers=_headers(importer_token)).json()[
            "tenants"
        ]
        if t["name"] == "Export Co 2"
    ]
    assert _files(stack, importer_token, copy["id"]) == _files(stack, owner_token, tenant)
    copied_invitations = httpx.get(
        f"{stack.api}/tenants/{copy['id']}/invitations", headers=_headers(importer_token)
    ).json()["invitations"]
    assert {(i["email"], i["role"]) for i in copied_invitations} == {
        (owner["email"], "owner"),
        (member_email, "member"),
        (pending_email, "viewer"),
    }

    # An export whose manifest disagrees with a file's bytes is imported, and reported.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(zip_path) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                changed = json.loads(data)
                changed["files"][0]["crc32"] = "00000000"
                data = json.dumps(changed).encode()
            target.writestr(item.filename, data)
    code = import_export.main(
        [str(tampered), "--api", stack.api, "--token", importer_token, "--name", "Tampered"]
    )
    assert code == 1


def test_an_unreadable_export_is_refused(tmp_path: Path) -> None:
    not_a_zip = tmp_path / "export.zip"
    not_a_zip.write_bytes(b"not a zip")
    args = ["--api", "http://127.0.0.1:9", "--token", "t"]
    assert import_export.main([str(not_a_zip), *args]) == 2
    with zipfile.ZipFile(not_a_zip, "w") as empty:
        empty.writestr("README.txt", "no manifest")
    assert import_export.main([str(not_a_zip), *args]) == 2


def test_an_empty_tenant_exports(stack: Stack) -> None:
    token, tenant = stack.new_tenant("Empty")
    export, body, _ = _export(stack, token, tenant)
    assert (export["files"], export["skipped"]) == (0, [])
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert json.loads(archive.read("manifest.json"))["files"] == []
    assert {name for name in archive.namelist()} >= {"tenant.json", "audit.jsonl", "README.txt"}
