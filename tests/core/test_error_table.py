"""Every code of docs/api.md's error table can be got, with its status, by a request
(issue 25, item 15): the table is parsed, and each code must have a trigger below that
answers it. A code without one fails the test, so the table lists only what a client
can actually get.

Both services run in process, against SeaweedFS and Postgres (the file API through its
Lambda handler, the core as its app). Faults a request cannot cause on its own (storage
or a database going away, a crash) are made by swapping the part in the app's state,
with the real adapter pointed at a closed port where one exists. `TRIGGERS` is the one
place to extend, or to rename a code in, when the table changes.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dev.alb import AlbClient, AlbResponse
from file_lambda.database import Database
from file_lambda.events.consumer import Consumer
from file_lambda.pages import service as pages_service
from file_lambda.public_links import PASSWORDS_PER_LINK
from file_lambda.scans import Verdicts
from file_lambda.storage.port import StorageError, StorageUnavailable
from file_lambda.storage.s3 import S3Storage, make_client
from file_lambda.uploads.service import Session
from tenancy.tokens import TokenVerifier
from tests.core.test_quotas import service_key
from tests.files.test_history import ArchivingStorage
from tests.support.bucket_events import scan_result, sqs_messages
from tests.support.core import User
from tests.support.files import BUCKET, ClientFactory
from tests.support.pages import built_assets
from tests.support.problems import assert_problem
from tests.support.tokens import Jwks

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"
Answer = AlbResponse | httpx.Response


def documented_codes() -> dict[str, str]:
    """{code: status} of the table under docs/api.md's `## Errors`."""
    errors = API_MD.read_text().split("\n## Errors", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d{3}|any) \| `([a-z_]+)` \|", errors, flags=re.MULTILINE)
    return {code: status for status, code in rows}


@dataclasses.dataclass
class World:
    """What the triggers act with: one tenant of both services, its owner, and the apps."""

    files: AlbClient  # the owner, in the tenant
    client_for: ClientFactory
    lambda_module: ModuleType
    core: TestClient
    core_auth: dict[str, str]
    owner: User
    tenant: str
    jwks: Jwks

    def client(self, tenants: dict[str, str], select: str | None = None) -> AlbClient:
        """A file API client (tests/core's `issuer` is the core's: the file API's is the JWKS')."""
        issuer = f"{self.jwks.url}/auth/v1"  # type: ignore[attr-defined]
        return self.client_for(tenants=tenants, select=select, iss=issuer)

    @contextmanager
    def swapped(self, name: str, value: Any) -> Iterator[None]:
        """One of the file API's parts replaced for one request."""
        state = self.lambda_module.app.state
        kept = getattr(state, name)
        setattr(state, name, value)
        try:
            yield
        finally:
            setattr(state, name, kept)

    def upload(self, path: str, data: bytes = b"x") -> dict[str, Any]:
        answer = self.files.post(
            "/files/upload", params={"folder": path.rpartition("/")[0]},
            files={"file": (path.rpartition("/")[2], data)},
        )  # fmt: skip
        assert answer.status == 201, answer.body
        return answer.json()  # type: ignore[no-any-return]

    def multipart(self, size: int, **extra: Any) -> str:
        body = {"path": f"mp-{uuid.uuid4().hex[:8]}.bin", "size": size, **extra}
        created = self.files.post("/files/multipart", json_body=body)
        assert created.status == 201, created.body
        return created.json()["upload_id"]  # type: ignore[no-any-return]

    def session(self, **body: Any) -> str:
        endpoint = self.files.post("/files/upload-sessions", json_body=body).json()
        return endpoint["companion_endpoint"].removeprefix("https://api.snsdconsultant.com")

    def file_request(self, **body: Any) -> str:
        """A new file request's public API path (`/files/public/requests/{token}`)."""
        created = self.files.post("/files/requests", json_body={"title": "t", **body})
        assert created.status == 201, created.body
        return "/files/public/requests/" + created.json()["url"].rsplit("/", 1)[1]


class _Failing:
    """The real adapter, except that `operation` fails with `error`."""

    def __init__(self, real: Any, operation: str, error: Exception) -> None:
        self.real, self.operation, self.error = real, operation, error

    def __getattr__(self, name: str) -> Any:
        if name == self.operation:
            raise self.error
        return getattr(self.real, name)


class _Crashing:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("an unexpected failure")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the triggers: one request (after any setup) per documented code ------------------------


def _version_is_delete_marker(w: World) -> Answer:
    w.upload("marked.txt")
    assert w.files.delete("/files/delete/marked.txt").status == 204
    versions = w.files.get("/files/versions/marked.txt").json()["versions"]
    marker = next(v["version_id"] for v in versions if v["is_delete_marker"])
    body = {"path": "marked.txt", "version_id": marker}
    return w.files.post("/files/versions/restore", json_body=body)


def _size_mismatch(w: World) -> Answer:
    upload_id = w.multipart(10)
    signed = w.files.post(
        f"/files/multipart/{upload_id}/sign", json_body={"parts": [{"part_number": 1}]}
    )
    httpx.put(signed.json()["parts"][0]["url"], content=b"abc", timeout=60)
    return w.files.post(f"/files/multipart/{upload_id}/complete", json_body={})


def _upload_too_large(w: World) -> Answer:
    session = w.session(max_size=2)
    uppy = AlbClient(w.files.handler)
    created = uppy.post(f"{session}/s3/multipart", json_body={"filename": "big.bin"}).json()
    key, upload_id = created["key"], created["uploadId"]
    signed = uppy.get(f"{session}/s3/multipart/{upload_id}/1", params={"key": key}).json()
    etag = httpx.put(signed["url"], content=b"abc", timeout=60).headers["etag"]
    return uppy.post(
        f"{session}/s3/multipart/{upload_id}/complete",
        params={"key": key},
        json_body={"parts": [{"PartNumber": 1, "ETag": etag}]},
    )


def _session_expired(w: World) -> Answer:
    session = Session(w.tenant, w.owner.id, "", False, 10, int(time.time() - 1))
    sealed = session.seal(w.lambda_module.app.state.cursors)
    return AlbClient(w.files.handler).get(
        f"/files/upload-sessions/{sealed}/s3/params", params={"filename": "a.txt"}
    )


def _file_archived(w: World) -> Answer:
    info = w.upload("cold.txt")
    archiving = ArchivingStorage(w.lambda_module.app.state.storage)
    archiving.archived.add((f"tenants/{w.tenant}/cold.txt", info["version_id"]))
    with w.swapped("storage", archiving):
        return w.files.get("/files/presigned-url/cold.txt")


def _quota_exceeded(w: World) -> Answer:
    quota = {"max_bytes": 1}
    service = {"Authorization": f"Bearer {service_key()}"}
    assert w.core.put(f"/tenants/{w.tenant}/quota", json=quota, headers=service).status_code == 200
    try:
        return w.files.post("/files/upload", files={"file": ("q.txt", b"too much")})
    finally:
        w.core.put(f"/tenants/{w.tenant}/quota", json={}, headers=service)


def _response_too_large(w: World) -> Answer:
    handler = w.lambda_module
    kept = handler.settings
    handler.settings = dataclasses.replace(kept, max_response_bytes=100)
    try:
        return w.files.get("/files/list")
    finally:
        handler.settings = kept


def _storage_unavailable(w: World) -> Answer:
    dead = S3Storage(make_client("us-east-1", f"http://127.0.0.1:{_free_port()}"), BUCKET)
    with w.swapped("storage", dead):
        return w.files.get("/files/list")


def _storage_error(w: World) -> Answer:
    refusing = _Failing(w.lambda_module.app.state.storage, "head", StorageError("refused"))
    with w.swapped("storage", refusing):
        return w.files.get("/files/metadata/a.txt")


def _move_incomplete(w: World) -> Answer:
    w.upload("moving.txt")
    down = _Failing(w.lambda_module.app.state.storage, "delete", StorageUnavailable("down"))
    with w.swapped("storage", down):
        body = {"source": "moving.txt", "destination": "moved.txt"}
        return w.files.post("/files/move", json_body=body)


def _database_unavailable(w: World) -> Answer:
    with w.swapped("ledger", Database(lambda: None)):
        return w.files.get("/files/usage")


def _asset_not_found(w: World) -> Answer:
    built_assets()  # the pages exist: only the name is not one of theirs
    return w.files.get("/files/assets/manifest.json")


def _pages_unavailable(w: World) -> Answer:
    """A package built without `make pages`: no manifest where the pages look for it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages_service, "ASSETS", Path("/nonexistent/assets"))
        pages_service.pages_for.cache_clear()
        try:
            return w.files.get("/files/s/any-token")
        finally:
            pages_service.pages_for.cache_clear()


def _auth_unavailable(w: World) -> Answer:
    token = w.jwks.sign(
        {"sub": w.owner.id, "aud": "authenticated", "exp": time.time() + 60}, "rsa-key-1"
    )
    unreachable = TokenVerifier(jwt_secret=None, supabase_url=f"http://127.0.0.1:{_free_port()}")
    with w.swapped("token_verifier", unreachable):
        return AlbClient(w.files.handler, token=token).get("/files/list")


def _internal_error(w: World) -> Answer:
    with w.swapped("storage", _Crashing()):
        return w.files.get("/files/metadata/a.txt")


def _core(
    method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any
) -> Callable[[World], Answer]:
    def trigger(w: World) -> Answer:
        filled = path.format(tenant=w.tenant, other=uuid.uuid4(), owner=w.owner.id)
        return w.core.request(method, filled, headers=w.core_auth | (headers or {}), **kwargs)

    return trigger


def _invitation_exists(w: World) -> Answer:
    body = {"email": f"twice-{uuid.uuid4().hex[:8]}@example.com"}
    first = w.core.post(f"/tenants/{w.tenant}/invitations", json=body, headers=w.core_auth)
    assert first.status_code == 201, first.text
    return w.core.post(f"/tenants/{w.tenant}/invitations", json=body, headers=w.core_auth)


def _resend_too_soon(w: World) -> Answer:
    body = {"email": f"resent-{uuid.uuid4().hex[:8]}@example.com"}
    made = w.core.post(f"/tenants/{w.tenant}/invitations", json=body, headers=w.core_auth)
    assert made.status_code == 201, made.text
    resend = f"/tenants/{w.tenant}/invitations/{made.json()['id']}/resend"
    return w.core.post(resend, headers=w.core_auth)


def _grace_period_ended(w: World) -> Answer:
    """A tenant of the owner's, deleted with no grace at all (the setting, for this request)."""
    made = w.core.post("/tenants", json={"name": "Gone"}, headers=w.core_auth)
    assert made.status_code == 201, made.text
    tenant = made.json()["id"]
    state = w.core.app.state  # type: ignore[attr-defined]
    kept = state.settings
    state.settings = dataclasses.replace(kept, deletion_grace_days=0)
    try:
        deleted = w.core.delete(f"/tenants/{tenant}", params={"confirm": "Gone"},
                                headers=w.core_auth)  # fmt: skip
    finally:
        state.settings = kept
    assert deleted.status_code == 202, deleted.text
    return w.core.post(f"/tenants/{tenant}/restore", headers=w.core_auth)


def _member_exists(w: World) -> Answer:
    body = {"email": w.owner.email}
    return w.core.post(f"/tenants/{w.tenant}/invitations", json=body, headers=w.core_auth)


def _checksummed(w: World, parts: list[dict[str, Any]]) -> Answer:
    upload_id = w.multipart(10, checksum="sha256")
    return w.files.post(f"/files/multipart/{upload_id}/sign", json_body={"parts": parts})


def _shared(w: World, **body: Any) -> str:
    """The public path of a new share link to `a.txt` (or as `body` says)."""
    created = w.files.post("/files/shares", json_body={"path": "a.txt", **body})
    assert created.status == 201, created.body
    return "/files/public/shares/" + created.json()["url"].rsplit("/", 1)[-1]


def _recipient(w: World, method: str, path: str, **kwargs: Any) -> Answer:
    """Someone without an account, from an address of their own (attempts count per address)."""
    address = f"198.18.{uuid.uuid4().int % 256}.{uuid.uuid4().int % 254 + 1}"
    headers = {"x-forwarded-for": address}
    return AlbClient(w.files.handler).request(method, path, headers=headers, **kwargs)


def _share_revoked(w: World) -> Answer:
    created = w.files.post("/files/shares", json_body={"path": "a.txt"}).json()
    assert w.files.delete(f"/files/shares/{created['id']}").status == 204
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    return w.files.request(
        "PATCH", f"/files/shares/{created['id']}", json_body={"expires_at": later}
    )


def _link_gone(w: World) -> Answer:
    link = _shared(w, max_downloads=1)
    assert _recipient(w, "POST", f"{link}/downloads").status == 200
    return _recipient(w, "GET", link)


def _too_many_attempts(w: World) -> Answer:
    link = _shared(w, password="correct horse")
    for _ in range(PASSWORDS_PER_LINK.attempts):
        _recipient(w, "POST", f"{link}/unlock", json_body={"password": "guess"})
    return _recipient(w, "POST", f"{link}/unlock", json_body={"password": "guess"})


def _request_upload(w: World, **request: Any) -> Answer:
    body = {"filename": "a.txt", "type": "text/plain", "metadata": {}}
    link = w.file_request(**request)
    return AlbClient(w.files.handler).post(f"{link}/s3/multipart", json_body=body)


def _file_request_full(w: World) -> Answer:
    link = w.file_request(max_files=1)
    uppy, body = AlbClient(w.files.handler), {"filename": "a.txt"}
    assert uppy.post(f"{link}/s3/multipart", json_body=body).status == 200
    return uppy.post(f"{link}/s3/multipart", json_body=body)


def _judged(w: World, result: str | None) -> str:
    """A new file with GuardDuty's `result` recorded as the consumer records it (None:
    pending); its path."""
    info = w.upload(f"scanned-{uuid.uuid4().hex[:8]}.txt")
    if result is not None:
        key = f"tenants/{w.tenant}/{info['path']}"
        event = scan_result(key, info["version_id"], result, etag=info["etag"].strip('"'))
        Consumer(w.lambda_module.memberships).consume(sqs_messages([event]))
    return str(info["path"])


@contextmanager
def _enforcing(w: World) -> Iterator[None]:
    """The file API judging every read by its verdict (the tests run with scanning off)."""
    state = w.lambda_module.app.state
    verdicts = Verdicts(state.ledger, enforced=True, retry_after=10, ttl=30)
    with w.swapped("verdicts", verdicts):
        yield


def _file_infected(w: World) -> Answer:
    path = _judged(w, "THREATS_FOUND")
    with _enforcing(w):
        return w.files.get(f"/files/download/{path}")


def _by_link(w: World, result: str | None) -> Answer:
    link = _shared(w, path=_judged(w, result))
    with _enforcing(w):
        return _recipient(w, "POST", f"{link}/downloads")


# -- webhooks (core_service/webhooks/) ---------------------------------------------------

WEBHOOK = {"url": "https://93.184.215.14/hooks", "event_types": ["file.created"]}


def _webhook_endpoint(w: World) -> str:
    """A new endpoint of the tenant's: its path."""
    created = w.core.post(f"/tenants/{w.tenant}/webhooks", json=WEBHOOK, headers=w.core_auth)
    assert created.status_code == 201, created.text
    return f"/tenants/{w.tenant}/webhooks/{created.json()['id']}"


def _webhook_endpoint_limit(w: World) -> Answer:
    for _ in range(20):
        _webhook_endpoint(w)
    return w.core.post(f"/tenants/{w.tenant}/webhooks", json=WEBHOOK, headers=w.core_auth)


def _webhook_endpoint_disabled(w: World) -> Answer:
    endpoint = _webhook_endpoint(w)
    w.core.patch(endpoint, json={"enabled": False}, headers=w.core_auth)
    return w.core.post(f"{endpoint}/test", headers=w.core_auth)


def _webhook_secrets_unavailable(w: World) -> Answer:
    state = w.core.app.state  # type: ignore[attr-defined]
    kept = state.webhooks
    state.webhooks = dataclasses.replace(kept, vault=None)
    try:
        return w.core.post(f"/tenants/{w.tenant}/webhooks", json=WEBHOOK, headers=w.core_auth)
    finally:
        state.webhooks = kept


def _export_in_progress(w: World) -> Answer:
    w.core.post(f"/tenants/{w.tenant}/exports", headers=w.core_auth)
    return w.core.post(f"/tenants/{w.tenant}/exports", headers=w.core_auth)


def _too_many_archives(w: World) -> Answer:
    for _ in range(3):
        w.files.post("/files/archives", json_body={"folder": ""})
    return w.files.post("/files/archives", json_body={"folder": ""})


TRIGGERS: dict[str, Callable[[World], Answer]] = {
    "validation_error": lambda w: w.files.get("/files/list", params={"limit": "0"}),
    "invalid_body": _core(
        "POST", "/tenants", content=b"\xc4\xb8T\xff", headers={"Content-Type": "application/json"}
    ),
    "tenant_required": lambda w: w.client(
        tenants={w.tenant: "owner", str(uuid.uuid4()): "owner"}
    ).get("/files/list"),
    "invalid_path": lambda w: w.files.delete("/files/delete/a/./b"),
    "invalid_cursor": lambda w: w.files.get("/files/list", params={"cursor": "made-up"}),
    "invalid_expires_in": lambda w: w.files.get(
        "/files/presigned-url/a.txt", params={"expires_in": "1"}
    ),
    "invalid_max_size": lambda w: w.files.post("/files/upload-sessions", json_body={"max_size": 0}),
    "same_path": lambda w: w.files.post(
        "/files/copy", json_body={"source": "a.txt", "destination": "a.txt"}
    ),
    "version_is_delete_marker": _version_is_delete_marker,
    "invalid_deleted_since": lambda w: w.files.post(
        "/files/trash/restore-folder",
        json_body={"folder": "", "deleted_since": "2999-01-01T00:00:00Z"},
    ),
    "invalid_size": lambda w: w.files.post(
        "/files/multipart", json_body={"path": "s.bin", "size": 0}
    ),
    "invalid_content_type": lambda w: w.files.post(
        "/files/multipart", json_body={"path": "t.bin", "size": 1, "content_type": "not a type"}
    ),
    "invalid_parts": lambda w: w.files.post(
        f"/files/multipart/{w.multipart(10)}/sign",
        json_body={"parts": [{"part_number": 1}, {"part_number": 1}]},
    ),
    "invalid_checksum": lambda w: _checksummed(w, [{"part_number": 1, "checksum_sha256": "abc"}]),
    "checksum_required": lambda w: _checksummed(w, [{"part_number": 1}]),
    "size_mismatch": _size_mismatch,
    "invalid_expires_at": lambda w: w.files.post(
        "/files/shares", json_body={"path": "a.txt", "expires_at": "2000-01-01T00:00:00Z"}
    ),
    "password_required": lambda w: _recipient(
        w, "POST", _shared(w, password="correct horse") + "/downloads"
    ),
    "wrong_password": lambda w: _recipient(
        w, "POST", _shared(w, password="correct horse") + "/unlock", json_body={"password": "no"}
    ),
    "listing_not_allowed": lambda w: _recipient(w, "GET", _shared(w) + "/files"),
    "share_not_found": lambda w: w.files.get(f"/files/shares/{uuid.uuid4()}"),
    "archive_not_found": lambda w: w.files.get(f"/files/archives/{uuid.uuid4()}"),
    "folder_not_found": lambda w: w.files.post("/files/archives", json_body={"folder": "none"}),
    "too_many_archives": _too_many_archives,
    "link_not_found": lambda w: _recipient(w, "GET", f"/files/public/shares/{uuid.uuid4().hex}"),
    "share_revoked": _share_revoked,
    "link_gone": _link_gone,
    "too_many_attempts": _too_many_attempts,
    "resend_too_soon": _resend_too_soon,
    "unauthorized": lambda w: AlbClient(w.files.handler).get("/files/list"),
    "upload_session_expired": _session_expired,
    "upload_session_invalid": lambda w: AlbClient(w.files.handler).get(
        "/files/upload-sessions/made-up/s3/params", params={"filename": "a.txt"}
    ),
    "tenant_forbidden": lambda w: w.client(
        tenants={w.tenant: "owner"}, select=str(uuid.uuid4())
    ).get("/files/list"),
    "insufficient_role": lambda w: w.client(tenants={w.tenant: "viewer"}).post(
        "/files/folder/create", json_body={"path": "f"}
    ),
    "file_not_found": lambda w: w.files.get("/files/metadata/missing.txt"),
    "upload_not_found": lambda w: w.files.get("/files/multipart/made-up/parts"),
    "file_request_not_found": lambda w: w.files.get(f"/files/requests/{uuid.uuid4()}"),
    "file_request_full": _file_request_full,
    "file_type_not_allowed": lambda w: _request_upload(w, allowed_types=[".pdf"]),
    "uploader_details_required": lambda w: _request_upload(w, ask_name="required"),
    "tenant_not_found": _core("GET", "/tenants/{other}"),
    "member_not_found": _core(
        "PATCH", "/tenants/{tenant}/members/{other}", json={"role": "member"}
    ),
    "invitation_not_found": _core("DELETE", "/tenants/{tenant}/invitations/{other}"),
    "route_not_found": lambda w: w.files.get("/files/no-such-route"),
    "asset_not_found": _asset_not_found,
    "method_not_allowed": _core("DELETE", "/me"),
    "file_exists": lambda w: w.files.post("/files/upload", files={"file": ("a.txt", b"again")}),
    "file_archived": _file_archived,
    "file_infected": _file_infected,
    "scan_pending": lambda w: _by_link(w, None),
    "file_not_scanned": lambda w: _by_link(w, "UNSUPPORTED"),
    "range_not_satisfiable": lambda w: w.files.get(
        "/files/download/a.txt", headers={"range": "bytes=1000000-"}
    ),
    "file_not_archived": lambda w: w.files.post("/files/thaw", json_body={"path": "a.txt"}),
    "file_not_deleted": lambda w: w.files.post("/files/trash/restore", json_body={"path": "a.txt"}),
    "member_exists": _member_exists,
    "invitation_exists": _invitation_exists,
    "confirmation_mismatch": _core("DELETE", "/tenants/{tenant}", params={"confirm": "Not it"}),
    "tenant_not_deleted": _core("POST", "/tenants/{tenant}/restore"),
    "grace_period_ended": _grace_period_ended,
    "last_owner": _core("PATCH", "/tenants/{tenant}/members/{owner}", json={"role": "member"}),
    "payload_too_large": _core(
        "POST", "/tenants", content=b" " * 9000, headers={"Content-Type": "application/json"}
    ),
    "upload_too_large": _upload_too_large,
    "quota_exceeded": _quota_exceeded,
    "internal_error": _internal_error,
    "response_too_large": _response_too_large,
    "storage_error": _storage_error,
    "storage_unavailable": _storage_unavailable,
    "database_unavailable": _database_unavailable,
    "pages_unavailable": _pages_unavailable,
    "auth_unavailable": _auth_unavailable,
    "move_incomplete": _move_incomplete,
    "not_ready": lambda w: w.core.get("/ready"),  # the session app's S3 is a closed port
    "webhook_url_refused": _core(
        "POST", "/tenants/{tenant}/webhooks", json=WEBHOOK | {"url": "https://10.0.0.1/"}
    ),
    "webhook_endpoint_not_found": _core("GET", "/tenants/{tenant}/webhooks/{other}"),
    "webhook_delivery_not_found": lambda w: w.core.get(
        f"{_webhook_endpoint(w)}/deliveries/{uuid.uuid4()}", headers=w.core_auth
    ),
    "webhook_endpoint_limit": _webhook_endpoint_limit,
    "webhook_endpoint_disabled": _webhook_endpoint_disabled,
    "webhook_secrets_unavailable": _webhook_secrets_unavailable,
    "export_not_found": lambda w: w.core.get(
        f"/tenants/{w.tenant}/exports/{uuid.uuid4()}", headers=w.core_auth
    ),
    "export_in_progress": _export_in_progress,
}


@pytest.fixture
def world(
    client: TestClient,
    client_for: ClientFactory,
    lambda_module: ModuleType,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[[User], dict[str, str]],
    jwks: Jwks,
) -> World:
    owner = make_user()
    tenant = make_tenant(owner)
    issuer = f"{jwks.url}/auth/v1"  # type: ignore[attr-defined]
    files = client_for(tenants={tenant: "owner"}, sub=owner.id, email=owner.email, iss=issuer)
    built = World(files, client_for, lambda_module, client, auth(owner), owner, tenant, jwks)
    built.upload("a.txt")
    return built


def test_every_documented_code_has_a_trigger_and_no_trigger_is_undocumented() -> None:
    documented = documented_codes()
    assert len(documented) > 40
    assert set(documented) == set(TRIGGERS), (
        f"no trigger: {sorted(set(documented) - set(TRIGGERS))}; "
        f"not in the table: {sorted(set(TRIGGERS) - set(documented))}"
    )


@pytest.mark.parametrize("code", sorted(TRIGGERS))
def test_the_code_is_answered_as_documented(code: str, world: World) -> None:
    status = documented_codes()[code]
    answer = TRIGGERS[code](world)
    assert_problem(answer, int(status), code)
