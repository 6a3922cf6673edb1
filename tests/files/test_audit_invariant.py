"""The audit trail's invariant, as a property: every write request that reached a
route has exactly one API row, naming the paths the request named.

Hypothesis draws the route (every write route the file API serves: a route
added later fails `test_every_write_route_is_drawn` until it has a request
here), the
media type of a JSON body (every one FastAPI reads as JSON), the caller's
role, whether the named file exists, and the paths: short or long, ASCII or
not. Each request carries its own trace id, so its row is found by
`request_id` alone; a fresh caller per example keeps the refusal cap (20 an
hour per actor) out of the way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.rows import dict_row

from dev.alb import AlbClient
from file_lambda.audit import MAX_TEXT, REFUSED_TEXT, WRITES
from file_lambda.public_links import PUBLIC_PREFIXES
from tenancy.audit_actions import audit_action
from tests.support.files import ClientFactory

JSON_MEDIA_TYPES = (
    "application/json",
    "application/json; charset=utf-8",
    "application/merge-patch+json",
    "application/x-anything+json",
    "Application/Vnd.Snsd+JSON",
)
ROLES = ("viewer", "member", "admin")

segment = st.text(alphabet=st.sampled_from("abcxyz019_-é😀"), min_size=1, max_size=12).filter(
    lambda text: text.strip("-_") != ""
)
short_path = st.lists(segment, min_size=1, max_size=3).map("/".join)
# Long enough to be cut in a refused row (256) or refused as a path (over 1,024).
long_path = st.tuples(segment, st.integers(min_value=200, max_value=1100)).map(
    lambda drawn: (drawn[0] * (drawn[1] // len(drawn[0]) + 1))[: drawn[1]]
)
paths = st.one_of(short_path, short_path, long_path)


@dataclass
class Call:
    """One write request, and the texts it named: field of the row -> text sent."""

    method: str
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    json_body: Any = None
    files: Any = None
    named: dict[str, str] = field(default_factory=dict)
    batch: list[str] = field(default_factory=list)
    by_seeder: bool = False  # an upload session's request acts as the session's user
    public: bool = False  # a file request's uploader: no account, no actor
    created: str | None = None  # the path a success names, where the request names none


@dataclass
class World:
    caller: AlbClient
    seeder: AlbClient

    def seed(self, path: str, deleted: bool = False) -> str | None:
        """A file at `path` (its version id), deleted if asked; None where it cannot be."""
        folder, _, name = path.rpartition("/")
        answer = self.seeder.post(
            "/files/upload",
            params={"folder": folder, "overwrite": True},
            files={"file": (name, b"seed", "text/plain")},
        )
        if answer.status != 201:
            return None
        if deleted:
            self.seeder.delete(f"/files/delete/{path}")  # the ALB client quotes it
        return str(answer.json()["version_id"])

    def multipart(self, path: str) -> str:
        """The caller's own upload (an upload id is valid for its user only)."""
        upload = self.caller.post("/files/multipart", json_body={"path": path, "size": 10})
        return str(upload.json()["upload_id"]) if upload.status == 201 else "not-an-upload"

    def share(self, path: str) -> str:
        """The id of the seeder's share link to a file at `path` (a made-up id if none)."""
        self.seed(path)
        answer = self.seeder.post("/files/shares", json_body={"path": path})
        return str(answer.json()["id"]) if answer.status == 201 else str(uuid.uuid4())

    def session(self, folder: str) -> tuple[str, str]:
        """The seeder's session (its requests act as the seeder), and its folder."""
        answer = self.seeder.post(
            "/files/upload-sessions", json_body={"folder": folder, "overwrite": True}
        )
        if answer.status != 201:
            answer = self.seeder.post("/files/upload-sessions", json_body={"overwrite": True})
        endpoint = str(answer.json()["companion_endpoint"])
        return endpoint.rstrip("/").rsplit("/", 1)[-1], str(answer.json()["folder"])

    def file_request(self, folder: str) -> tuple[str, str, str]:
        """The seeder's file request on `folder` (or the root): its id, link and folder."""
        answer = self.seeder.post("/files/requests", json_body={"title": "t", "folder": folder})
        if answer.status != 201:
            answer = self.seeder.post("/files/requests", json_body={"title": "t"})
        opened = answer.json()
        token = opened["url"].rsplit("/", 1)[-1]
        return opened["request_id"], f"/files/public/requests/{token}", opened["folder"]


def build(route: str, world: World, path: str, other: str, batch: list[str], exists: bool) -> Call:
    """The request of `route` naming `path` (and `other`, `batch`)."""
    version = world.seed(path) if exists else None
    if route == "copy_file" or route == "move_file":
        return Call(
            "POST",
            f"/files/{route.removesuffix('_file')}",
            json_body={"source": path, "destination": other},
            named={"path": other, "source": path},
        )
    single = {
        "delete_exact": "/files/delete-exact",
        "create_folder": "/files/folder/create",
        "thaw_file": "/files/thaw",
        "purge_trash_file": "/files/trash/purge",
        "purge_trash_folder": "/files/trash/purge-folder",
        "restore_trash_file": "/files/trash/restore",
    }
    if route in single:
        if exists and route in ("purge_trash_file", "restore_trash_file"):
            world.seeder.delete(f"/files/delete/{path}")
        return Call("POST", single[route], json_body={"path": path}, named={"path": path})
    if route == "restore_version":
        body = {"path": path, "version_id": version or "v-unknown"}
        return Call("POST", "/files/versions/restore", json_body=body, named={"path": path})
    if route == "restore_trash_folder":
        body = {"folder": path}
        return Call("POST", "/files/trash/restore-folder", json_body=body, named={"path": path})
    if route == "delete_multiple_files":
        return Call("POST", "/files/delete-multiple", json_body={"paths": batch}, batch=batch)
    if route == "delete_file":
        return Call("DELETE", f"/files/delete/{path}", named={"path": path})
    if route == "delete_folder":
        return Call("DELETE", "/files/folder/delete", params={"path": path}, named={"path": path})
    if route == "create_presigned_upload":
        params = {"file_path": path, "max_size": 100}
        return Call("POST", "/files/presigned-upload", params=params, named={"path": path})
    if route == "upload_file":
        files = {"file": ("f.txt", b"x", "text/plain")}
        return Call(
            "POST", "/files/upload", params={"folder": path}, files=files, named={"path": path}
        )
    if route == "upload_multiple_files":
        files = [("files", ("f.txt", b"x", "text/plain")), ("files", ("g.txt", b"y", "text/plain"))]
        return Call(
            "POST",
            "/files/upload-multiple",
            params={"folder": path},
            files=files,
            named={"path": path},
        )
    if route == "create_multipart":
        body = {"path": path, "size": 10}
        return Call("POST", "/files/multipart", json_body=body, named={"path": path})
    if route == "sign_multipart_parts":
        upload = world.multipart(path)
        body = {"parts": [{"part_number": 1}]}
        return Call("POST", f"/files/multipart/{upload}/sign", json_body=body)
    if route == "complete_multipart":
        upload = world.multipart(path)
        return Call("POST", f"/files/multipart/{upload}/complete", json_body={"parts": None})
    if route == "abort_multipart":
        return Call("DELETE", f"/files/multipart/{world.multipart(path)}")
    if route == "abort_unfinished_upload":  # an admin's abort of anyone's upload (issue 25)
        return Call("DELETE", f"/files/unfinished-uploads/{world.multipart(path)}")
    if route == "create_share":
        return Call("POST", "/files/shares", json_body={"path": path}, named={"path": path})
    if route == "update_share":
        body = {"expires_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}
        return Call("PATCH", f"/files/shares/{world.share(path)}", json_body=body)
    if route == "revoke_share":
        return Call("DELETE", f"/files/shares/{world.share(path)}")
    if route == "create_upload_session":
        body = {"folder": path}
        return Call("POST", "/files/upload-sessions", json_body=body, named={"path": path})
    if route == "create_archive":  # a ZIP of a folder (issue 30): any role may ask
        body = {"folder": path}
        return Call("POST", "/files/archives", json_body=body, named={"path": path})
    if route == "create_file_request":
        body = {"title": "t", "folder": path}
        return Call("POST", "/files/requests", json_body=body, named={"path": path})
    if route in REQUEST_ROUTES:
        request_id, link, folder = world.file_request(path)
        within = {"path": folder} if folder else {}
        if route == "close_file_request":  # refused (a viewer), it names no folder
            return Call("POST", f"/files/requests/{request_id}/close")
        if route == "unlock_public_file_request":
            body = {"password": "p"}
            return Call("POST", f"{link}/unlock", json_body=body, named=within, public=True)
        # Named f.txt, or f (2).txt when that is taken.
        if route == "create_public_request_s3_multipart":
            body = {"filename": "f.txt"}
            return Call("POST", f"{link}/s3/multipart", json_body=body, named=within, public=True)
        if route == "complete_public_request_s3_multipart":
            body = {"parts": [{"PartNumber": 1, "ETag": '"e"'}]}
            url = f"{link}/s3/multipart/made-up/complete"
            return Call("POST", url, json_body=body, named=within, public=True)
        if route == "abort_public_request_s3_multipart":
            url = f"{link}/s3/multipart/made-up"
            return Call("DELETE", url, named=within, public=True)
    token, folder = world.session(path)
    session = f"/files/upload-sessions/{token}/s3/multipart"
    if route == "create_upload_session_s3_multipart":
        created = f"{folder}/f.txt" if folder else "f.txt"
        body = {"filename": "f.txt"}
        return Call("POST", session, json_body=body, by_seeder=True, created=created)
    if route == "complete_upload_session_s3_multipart":
        body = {"parts": [{"PartNumber": 1, "ETag": '"e"'}]}
        return Call("POST", f"{session}/made-up/complete", json_body=body, by_seeder=True)
    if route == "abort_upload_session_s3_multipart":
        return Call("DELETE", f"{session}/made-up", by_seeder=True)
    raise AssertionError(f"no request for {route}")


# A file request's routes: the requester's close, and its uploader's public writes.
REQUEST_ROUTES = (
    "close_file_request",
    "unlock_public_file_request",
    "create_public_request_s3_multipart",
    "complete_public_request_s3_multipart",
    "abort_public_request_s3_multipart",
)
ROUTES = (
    "copy_file",
    "move_file",
    "delete_exact",
    "create_folder",
    "thaw_file",
    "purge_trash_file",
    "purge_trash_folder",
    "restore_trash_file",
    "restore_version",
    "restore_trash_folder",
    "delete_multiple_files",
    "delete_file",
    "delete_folder",
    "create_presigned_upload",
    "upload_file",
    "upload_multiple_files",
    "create_multipart",
    "sign_multipart_parts",
    "complete_multipart",
    "abort_multipart",
    "abort_unfinished_upload",
    "create_upload_session",
    "create_upload_session_s3_multipart",
    "complete_upload_session_s3_multipart",
    "abort_upload_session_s3_multipart",
    "create_share",
    "update_share",
    "revoke_share",
    "create_file_request",
    "create_archive",
    *REQUEST_ROUTES,
)


def write_routes(lambda_module: ModuleType) -> set[str]:
    """The write routes of a caller: a public link's routes have none (no bearer token,
    no tenant named), and write their own rows (tests/files/test_shares.py)."""
    return {
        route.name
        for route in lambda_module.app.routes
        if WRITES & set(getattr(route, "methods", ()) or ())
        and not getattr(route, "path", "").startswith(PUBLIC_PREFIXES)
    }


def test_every_write_route_is_drawn(lambda_module: ModuleType) -> None:
    """Each route served has a request here (a route of another branch may not be served yet)."""
    assert write_routes(lambda_module) <= set(ROUTES)
    assert len(write_routes(lambda_module)) >= 24


@pytest.fixture
def db(db_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    with psycopg.connect(db_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


def trace() -> str:
    return f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"


def assert_names(row: dict[str, Any], call: Call) -> None:
    """The row names each text the request named, whole or cut to the row's bound
    with the field in `detail.truncated`."""
    detail = row["detail"]
    cut = set(detail.get("truncated", ()))
    limit = REFUSED_TEXT if row["outcome"] == "refused" else MAX_TEXT
    for name, sent in call.named.items():
        stored = row["path"] if name == "path" else detail.get(name)
        assert isinstance(stored, str), (name, row)
        # A succeeded upload names the file it wrote in the folder sent.
        assert stored == sent[:limit] or stored.startswith(sent + "/"), (name, sent, row)
        assert (len(sent) > limit) == (name in cut), (name, row)
    if call.created is not None and row["outcome"] == "succeeded":
        assert row["path"] == call.created, row
    if call.batch:
        kept = detail["paths"]
        assert detail["paths_count"] == len(call.batch)
        assert kept, row
        assert kept == [path[:limit] for path in call.batch][: len(kept)]
        whole = len(kept) == len(call.batch) and all(len(p) <= limit for p in call.batch)
        assert whole == ("paths" not in cut), row


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    media_type=st.sampled_from(JSON_MEDIA_TYPES),
    role=st.sampled_from(ROLES),
    path=paths,
    other=paths,
    batch=st.lists(paths, min_size=1, max_size=30),
    exists=st.booleans(),
)
@pytest.mark.slow
def test_every_write_request_has_exactly_one_row_naming_its_paths(
    client_for: ClientFactory,
    tenant: str,
    db: psycopg.Connection[dict[str, Any]],
    lambda_module: ModuleType,
    data: st.DataObject,
    media_type: str,
    role: str,
    path: str,
    other: str,
    batch: list[str],
    exists: bool,
) -> None:
    route = data.draw(st.sampled_from(sorted(write_routes(lambda_module))), label="route")
    actor, seeder = str(uuid.uuid4()), str(uuid.uuid4())
    world = World(
        caller=client_for(tenants={tenant: role}, sub=actor),
        seeder=client_for(tenants={tenant: "owner"}, sub=seeder),
    )
    call = build(route, world, path, other, batch, exists)
    request_id = trace()
    headers = {"x-amzn-trace-id": request_id}
    if call.json_body is not None:
        headers["content-type"] = media_type
    answer = world.caller.request(
        call.method,
        call.url,
        params=call.params,
        json_body=call.json_body,
        files=call.files,
        headers=headers,
    )
    assert answer.status != 500, answer.body

    rows = db.execute(
        "select actor::text as actor, source, action, path, outcome, status, detail"
        " from public.audit_events where tenant_id = %s and request_id = %s",
        (tenant, request_id),
    ).fetchall()
    assert len(rows) == 1, (route, answer.status, answer.body, rows)
    [row] = rows
    assert (row["actor"], row["source"], row["action"], row["status"]) == (
        None if call.public else seeder if call.by_seeder else actor,
        "api",
        # The action the route has always been recorded as (tenancy/audit_actions.py).
        audit_action(route),
        answer.status,
    )
    assert_names(row, call)
