"""Clients generated from the served OpenAPI document work, as an app developer would
make them: `openapi-python-client` for Python, `openapi-typescript` with
`openapi-fetch` for TypeScript (run by Node). Each calls every operation of the
domain, core and files, uploads and downloads included, against the local stack.

The generators come from their registries, pinned: openapi-python-client in its own
virtualenv under `.tools/` (its pins are not the app's), the npm packages from
`tests/local/clients/package-lock.json` with `npm ci`. Without them the tests skip,
except under CI=true, where they fail.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import httpx
import pytest

from dev import DEV_JWT_SECRET
from dev.claims import service_role_key
from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
NODE_SOURCES = Path(__file__).with_name("clients")
OPENAPI_PYTHON_CLIENT = "openapi-python-client==0.29.1"
PYTHON_TOOL = ROOT / ".tools" / "openapi-python-client"
PACKAGE = "snsd_client"
# Generators installed from their registries on first use, then a Node build.
pytestmark = pytest.mark.slow


def unavailable(message: str) -> NoReturn:
    """Skip without the tool; CI has the registries, so there it is a failure."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run(command: list[str], cwd: Path, what: str, timeout: int = 600) -> str:
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{what} failed:\n{(done.stdout + done.stderr)[-6000:]}")
    return done.stdout


@dataclass
class Scenario:
    """One owner of two tenants (files in one, the core's calls on a new one) and a
    guest invited into the second: what every operation needs."""

    stack: Stack
    owner: str
    files_tenant: str
    guest: str
    guest_email: str
    # The local project's service-role key, as an operator holds it (`make token SERVICE_ROLE=1`).
    service: str

    @classmethod
    def start(cls, stack: Stack) -> Scenario:
        owner, tenant = stack.new_tenant("Generated clients")
        email = f"guest-{uuid.uuid4().hex[:12]}@example.com"
        guest = stack.session(email)["access_token"]
        return cls(stack, owner, tenant, guest, email, service_role_key(DEV_JWT_SECRET))

    def as_json(self) -> str:
        return json.dumps(
            {
                "api": self.stack.api,
                "owner": self.owner,
                "tenant": self.files_tenant,
                "guest": self.guest,
                "guestEmail": self.guest_email,
                "service": self.service,
            }
        )


@pytest.fixture(scope="module")
def served(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """The document the stack serves, saved for the generators, and its operation ids."""
    spec = httpx.get(f"{stack.api}/openapi.json").raise_for_status().json()
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_text(json.dumps(spec))
    ids = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    return path, ids


# -- Python: openapi-python-client ---------------------------------------------------------


def python_generator() -> Path:
    """openapi-python-client in its own virtualenv, installed once per pinned version."""
    stamp = PYTHON_TOOL / f".installed-{OPENAPI_PYTHON_CLIENT}"
    if not stamp.exists():
        shutil.rmtree(PYTHON_TOOL, ignore_errors=True)
        run([sys.executable, "-m", "venv", str(PYTHON_TOOL)], ROOT, "python -m venv")
        pip = [str(PYTHON_TOOL / "bin" / "pip"), "install", "--quiet", OPENAPI_PYTHON_CLIENT]
        installed = subprocess.run(pip, capture_output=True, text=True, timeout=600, check=False)
        if installed.returncode != 0:
            unavailable(f"cannot install {OPENAPI_PYTHON_CLIENT} from PyPI:\n{installed.stderr}")
        stamp.touch()
    return PYTHON_TOOL / "bin" / "openapi-python-client"


@pytest.fixture(scope="module")
def python_client(
    served: tuple[Path, set[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    """The generated package, imported from a temporary directory."""
    generator = python_generator()
    work = tmp_path_factory.mktemp("python-client")
    config = work / "config.json"
    # No post hooks: they format the code with a ruff the tool's venv may not have.
    config.write_text(json.dumps({"package_name_override": PACKAGE, "post_hooks": []}))
    output = run(
        [
            str(generator),
            "generate",
            f"--path={served[0]}",
            f"--config={config}",
            "--meta=none",
            f"--output-path={work / PACKAGE}",
        ],
        work,
        "openapi-python-client generate",
    )
    # Every path and schema made it: the generator warns about what it had to skip.
    assert "Warning" not in output, output
    sys.path.insert(0, str(work))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(work))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@dataclass
class PythonCalls:
    """Calls operations of the generated package by id, asserting each one's status."""

    package: ModuleType
    client: Any
    seen: dict[str, int] = field(default_factory=dict)

    def __call__(self, operation: str, status: int, client: Any = None, **kwargs: Any) -> Any:
        api = Path(self.package.__file__ or "").parent / "api"
        (module_file,) = api.glob(f"*/{operation}.py")
        module = importlib.import_module(f"{PACKAGE}.api.{module_file.parent.name}.{operation}")
        response = module.sync_detailed(client=client or self.client, **kwargs)
        assert response.status_code == status, (operation, response.status_code, response.content)
        self.seen[operation] = response.status_code
        return response.parsed


def test_the_python_client_calls_every_operation(
    stack: Stack, served: tuple[Path, set[str]], python_client: ModuleType
) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    scenario = Scenario.start(stack)

    def client(token: str | None, **headers: str) -> Any:
        if token is None:
            return python_client.Client(base_url=stack.api)
        return python_client.AuthenticatedClient(base_url=stack.api, token=token, headers=headers)

    def upload(name: str, body: bytes, kind: str = "text/plain") -> Any:
        return types.File(payload=BytesIO(body), file_name=name, mime_type=kind)

    owner = client(scenario.owner, **{"X-Tenant-ID": scenario.files_tenant})
    guest = client(scenario.guest)
    call = PythonCalls(python_client, owner)

    # -- the core: tenants, members, invitations --
    assert call("health", 200, client=client(None)).status == "ok"
    assert call("ready", 200, client=client(None)).status == "ready"
    me = call("get_me", 200)
    tenant = call("create_tenant", 201, body=models.TenantCreate(name="Made by a client"))
    assert tenant.id in {t.id for t in call("list_tenants", 200).tenants}
    assert call("get_tenant", 200, tenant_id=tenant.id).name == "Made by a client"
    renamed = call("rename_tenant", 200, tenant_id=tenant.id, body=models.TenantUpdate(name="R"))
    assert renamed.name == "R"
    # A tenant deleted by name, seen among the deleted, restored within its grace period.
    doomed = call("create_tenant", 201, body=models.TenantCreate(name="Doomed"))
    gone = call("delete_tenant", 202, tenant_id=doomed.id, confirm="Doomed")
    assert gone.purge_after > gone.deleted_at
    assert doomed.id in {t.id for t in call("list_deleted_tenants", 200).tenants}
    call("restore_tenant", 204, tenant_id=doomed.id)
    limits = models.QuotaUpdate(max_bytes=10**9, max_objects=None)
    service = client(scenario.service)
    assert call("set_tenant_quota", 200, client=service, tenant_id=tenant.id, body=limits)
    assert call("get_tenant_quota", 200, tenant_id=tenant.id).max_bytes == 10**9

    def invite() -> Any:
        body = models.InvitationCreate(email=scenario.guest_email)
        return call("create_invitation", 201, tenant_id=tenant.id, body=body)

    invitation = invite()
    # Mailed when made: asking again within the minute is a problem, parsed.
    too_soon = call("resend_invitation", 429, tenant_id=tenant.id, invitation_id=invitation.id)
    assert too_soon.code == "resend_too_soon"
    listed = call("list_invitations", 200, tenant_id=tenant.id).invitations
    assert [i.id for i in listed] == [invitation.id]
    received = call("list_received_invitations", 200, client=guest).invitations
    assert [i.tenant_name for i in received] == ["R"]
    call("accept_invitation", 200, client=guest, invitation_id=invitation.id)
    members = call("list_members", 200, tenant_id=tenant.id).members
    (joined,) = [m for m in members if m.user_id != uuid.UUID(me.user_id)]
    role = models.MemberUpdate(role=models.MemberUpdateRole.ADMIN)
    changed = call(
        "change_member_role", 200, tenant_id=tenant.id, user_id=joined.user_id, body=role
    )
    assert changed.role == "admin"
    call("remove_member", 204, tenant_id=tenant.id, user_id=joined.user_id)
    call("revoke_invitation", 204, tenant_id=tenant.id, invitation_id=invite().id)
    call("decline_invitation", 204, client=guest, invitation_id=invite().id)
    trail = call("list_audit_events", 200, tenant_id=tenant.id, action="member_removed").items
    assert [event.actor for event in trail] == [uuid.UUID(me.user_id)]

    # -- webhooks: an endpoint on loopback (make dev allows it), a test event, its log --
    asked_for = models.EndpointCreate(
        url="http://127.0.0.1:9/hooks", event_types=[models.EventType("member.joined")]
    )
    hook = call("create_webhook_endpoint", 201, tenant_id=tenant.id, body=asked_for)
    assert hook.secret.startswith("whsec_")
    endpoint = {"tenant_id": tenant.id, "endpoint_id": hook.id}
    hooks = call("list_webhook_endpoints", 200, tenant_id=tenant.id).endpoints
    assert [h.id for h in hooks] == [hook.id]
    assert call("get_webhook_endpoint", 200, **endpoint).url == "http://127.0.0.1:9/hooks"
    described = models.EndpointUpdate(description="CRM")
    assert call("update_webhook_endpoint", 200, body=described, **endpoint).description == "CRM"
    assert call("rotate_webhook_secret", 200, **endpoint).secret.startswith("whsec_")
    queued = call("send_webhook_test", 202, **endpoint)
    (delivery,) = call("list_webhook_deliveries", 200, **endpoint).items
    assert delivery.webhook_id == queued.webhook_id
    shown = call("get_webhook_delivery", 200, delivery_id=delivery.id, **endpoint)
    assert shown.event_type == "webhook.test"
    again = call("redeliver_webhook_delivery", 202, delivery_id=delivery.id, **endpoint)
    assert again.status == "pending"
    call("delete_webhook_endpoint", 204, **endpoint)

    # -- exports: asked for and polled (the ZIP itself is tests/local/test_exports.py's) --
    export = call("create_tenant_export", 202, tenant_id=tenant.id)
    exports = call("list_tenant_exports", 200, tenant_id=tenant.id).exports
    assert [e.id for e in exports] == [export.id]
    polled = call("get_tenant_export", 200, tenant_id=tenant.id, export_id=export.id)
    assert polled.state in {"queued", "running", "succeeded"}

    # -- files: uploads and downloads through the API --
    assert call("files_health", 200, client=client(None)).status == "ok"
    body = models.BodyUploadFile(file=upload("hello.txt", b"Hello from a generated client"))
    assert call("upload_file", 201, body=body, folder="docs").path == "docs/hello.txt"
    several = models.BodyUploadMultipleFiles(files=[upload("a.txt", b"a"), upload("b.txt", b"bb")])
    result = call("upload_multiple_files", 201, body=several, folder="docs")
    assert sorted(info.path for info in result.uploaded) == ["docs/a.txt", "docs/b.txt"]
    listing = call("list_files", 200, folder="docs")
    assert {f.name for f in listing.files} == {"hello.txt", "a.txt", "b.txt"}
    downloaded = call("download_file", 200, path="docs/hello.txt")
    assert downloaded.payload.read() == b"Hello from a generated client"
    assert call("get_metadata", 200, path="docs/a.txt").size == 1
    usage = call("get_usage", 200)
    assert usage.all_versions.size >= usage.current.size >= 0
    transfer = models.TransferRequest(source="docs/a.txt", destination="docs/c.txt")
    assert call("copy_file", 201, body=transfer).path == "docs/c.txt"
    transfer = models.TransferRequest(source="docs/c.txt", destination="docs/d.txt")
    assert call("move_file", 200, body=transfer).path == "docs/d.txt"
    deleted = call("delete_multiple_files", 200, body=models.PathsRequest(paths=["docs/d.txt"]))
    assert deleted.deleted == ["docs/d.txt"]
    call("delete_file", 204, path="docs/b.txt")
    call("delete_exact", 204, body=models.PathRequest(path="docs/a.txt"))
    assert call("create_folder", 201, body=models.FolderRequest(path="empty")).path == "empty"
    assert call("delete_folder", 200, path="empty").deleted_count == 1

    # -- presigned transfers straight to and from storage --
    url = call("get_presigned_url", 200, path="docs/hello.txt").url
    assert httpx.get(url).content == b"Hello from a generated client"
    post = call("create_presigned_upload", 200, file_path="direct/d.bin")
    sent = httpx.post(post.url, data=post.fields.additional_properties, files={"file": b"d"})
    assert sent.is_success, sent.text

    # -- versions and the trash --
    again = models.BodyUploadFile(file=upload("hello.txt", b"Second version"))
    call("upload_file", 201, body=again, folder="docs", overwrite=True)
    versions = call("list_versions", 200, path="docs/hello.txt").versions
    first = models.VersionRequest(path="docs/hello.txt", version_id=versions[-1].version_id)
    assert call("restore_version", 201, body=first).path == "docs/hello.txt"
    not_archived = call("thaw_file", 409, body=models.ThawRequest(path="docs/hello.txt"))
    assert not_archived.code == "file_not_archived"
    call("delete_file", 204, path="docs/hello.txt")
    trash = call("list_trash", 200, folder="docs").files
    assert "docs/hello.txt" in {f.path for f in trash}
    restored = call("restore_trash_file", 200, body=models.PathRequest(path="docs/hello.txt"))
    assert restored.path == "docs/hello.txt"
    call("delete_file", 204, path="docs/hello.txt")
    assert call(
        "purge_trash_file", 200, body=models.PathRequest(path="docs/hello.txt")
    ).purged_files
    call("delete_file", 204, path="direct/d.bin")
    folder = models.FolderRestoreRequest(folder="direct")
    assert call("restore_trash_folder", 200, body=folder).restored_count == 1
    call("delete_file", 204, path="direct/d.bin")
    assert (
        call("purge_trash_folder", 200, body=models.FolderRequest(path="direct")).purged_files == 1
    )

    # -- multipart: parts PUT to signed URLs --
    data = b"parts" * 1000
    created = call("create_multipart", 201, body=models.MultipartCreate(path="m.bin", size=5000))
    assert [u.path for u in call("list_multipart", 200).uploads] == ["m.bin"]
    sign = models.SignRequest(parts=[models.PartToSign(part_number=1)])
    (part,) = call("sign_multipart_parts", 200, upload_id=created.upload_id, body=sign).parts
    put = httpx.put(part.url, content=data, headers=part.headers.additional_properties)
    assert put.is_success, put.text
    assert call("list_multipart_parts", 200, upload_id=created.upload_id).uploaded_bytes == len(
        data
    )
    complete = models.CompleteRequest(
        parts=[models.PartToComplete(part_number=1, etag=put.headers["ETag"])]
    )
    assert call("complete_multipart", 201, upload_id=created.upload_id, body=complete).size == 5000
    aborted = call("create_multipart", 201, body=models.MultipartCreate(path="n.bin", size=1))
    call("abort_multipart", 204, upload_id=aborted.upload_id)
    call("create_multipart", 201, body=models.MultipartCreate(path="o.bin", size=1))
    (everyones,) = call("list_unfinished_uploads", 200).uploads
    assert everyones.path == "o.bin"
    call("abort_unfinished_upload", 204, upload_id=everyones.upload_id)
    assert call("list_multipart", 200).uploads == []

    # -- an upload session, as Uppy's @uppy/aws-s3 uses it (no bearer token) --
    opened = call("create_upload_session", 201, body=models.SessionCreate(folder="uppy"))
    session = opened.companion_endpoint.rstrip("/").rsplit("/", 1)[1]
    anyone = client(None)
    params = call(
        "get_upload_session_s3_params", 200, client=anyone, session=session, filename="s.txt"
    )
    form = params.fields.additional_properties
    assert httpx.post(params.url, data=form, files={"file": b"s"}).is_success
    started = call(
        "create_upload_session_s3_multipart",
        200,
        client=anyone,
        session=session,
        body=models.CompanionCreate(filename="big.bin"),
    )
    ids = {"session": session, "upload_id": started.upload_id, "key": started.key}
    signed = call("sign_upload_session_s3_multipart_part", 200, client=anyone, part_number=1, **ids)
    put = httpx.put(signed.url, content=data)
    assert put.is_success, put.text
    (listed_part,) = call("list_upload_session_s3_multipart_parts", 200, client=anyone, **ids)
    assert listed_part.size == len(data)
    parts = [models.CompanionCompletePart(part_number=1, e_tag=put.headers["ETag"])]
    body = models.CompanionComplete(parts=parts)
    assert (
        call("complete_upload_session_s3_multipart", 200, client=anyone, body=body, **ids).key
        == "uppy/big.bin"
    )
    other = models.CompanionCreate(filename="other.bin")
    started = call(
        "create_upload_session_s3_multipart", 200, client=anyone, session=session, body=other
    )
    ids = {"session": session, "upload_id": started.upload_id, "key": started.key}
    call("abort_upload_session_s3_multipart", 200, client=anyone, **ids)

    # -- a share link: managed by its creator, opened by anyone holding its URL --
    shared = models.BodyUploadFile(file=upload("s.txt", b"Shared through a link"))
    call("upload_file", 201, body=shared, folder="shared")
    asked = models.ShareCreate(
        path="shared", kind=models.ShareCreateKind.FOLDER, lists_contents=True,
        password="correct horse",
    )  # fmt: skip
    share = call("create_share", 201, body=asked)
    token = share.url.rsplit("/", 1)[1]
    assert share.id in {s.id for s in call("list_shares", 200).shares}
    assert call("get_share", 200, share_id=share.id).kind == "folder"
    later = models.ShareUpdate(expires_at=datetime.now(UTC) + timedelta(days=1))
    assert call("update_share", 200, share_id=share.id, body=later).state == "active"
    assert call("get_public_share", 200, client=anyone, token=token).password_required
    unlock = models.UnlockRequest(password="correct horse")
    grant = call("unlock_public_share", 200, client=anyone, token=token, body=unlock).grant
    granted = {"client": anyone, "token": token, "x_link_grant": grant}
    listed_shared = call("list_public_share_files", 200, **granted).files
    assert [f.path for f in listed_shared] == ["s.txt"]
    wanted = models.DownloadRequest(path="s.txt")
    # A share link hands out only what is known to be clean (issue 28).
    stack.wait_for_verdict(scenario.files_tenant, "shared/s.txt")
    got = call("create_public_share_download", 200, body=wanted, **granted)
    assert httpx.get(got.url).content == b"Shared through a link"
    call(
        "download_public_share", 307, path="s.txt", **granted
    )  # the generated client does not follow
    call("revoke_share", 204, share_id=share.id)
    # -- a folder archive: asked for, listed, polled (the job function makes it) --
    archive = call("create_archive", 202, body=models.ArchiveRequest(folder="shared/"))
    assert archive.name == "shared.zip"
    assert archive.id in {a.id for a in call("list_archives", 200).archives}
    assert call("get_archive", 200, archive_id=archive.id).state in {
        "queued",
        "running",
        "succeeded",
    }
    # -- a file request: the requester's calls, then an uploader's (no account, a password) --
    opened = call(
        "create_file_request",
        201,
        body=models.RequestCreate(title="Invoices", folder="inbox", password="open sesame"),
    )
    request_id, token = opened.request_id, opened.url.rsplit("/", 1)[1]
    assert request_id in {r.request_id for r in call("list_file_requests", 200).requests}
    assert call("get_file_request", 200, request_id=request_id).password_required
    assert call("get_public_file_request", 200, client=anyone, token=token).title == "Invoices"
    password = models.UnlockRequest(password="open sesame")
    unlocked = call("unlock_public_file_request", 200, client=anyone, token=token, body=password)
    link = {"token": token, "x_link_grant": unlocked.grant}

    def send(name: str) -> dict[str, str]:
        body = models.CompanionCreate(filename=name)
        started = call("create_public_request_s3_multipart", 200, client=anyone, body=body, **link)
        return {**link, "upload_id": started.upload_id}

    sent = send("invoice.pdf")
    signed = call(
        "sign_public_request_s3_multipart_part", 200, client=anyone, part_number=1, **sent
    )
    put = httpx.put(signed.url, content=data)
    assert put.is_success, put.text
    assert len(call("list_public_request_s3_multipart_parts", 200, client=anyone, **sent)) == 1
    parts = [models.CompanionCompletePart(part_number=1, e_tag=put.headers["ETag"])]
    body = models.CompanionComplete(parts=parts)
    assert call(
        "complete_public_request_s3_multipart", 200, client=anyone, body=body, **sent
    ).key == ("invoice.pdf")
    call("abort_public_request_s3_multipart", 200, client=anyone, **send("other.pdf"))
    (submission,) = [
        s
        for s in call("list_file_request_submissions", 200, request_id=request_id).submissions
        if s.state == "completed"
    ]
    assert submission.path == "inbox/invoice.pdf"
    assert call("close_file_request", 200, request_id=request_id).state == "closed"

    assert set(call.seen) == served[1], "operations no test calls through the Python client"


# -- TypeScript: openapi-typescript and openapi-fetch, run by Node ---------------------------

NODE_LOCKED = ("package.json", "package-lock.json")
NODE_CODE = ("generate.mjs", "drive.ts", "tsconfig.json")
# What npm prints when it cannot reach the registry at all.
UNREACHABLE = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "network")


def node_packages() -> Path:
    """A directory holding the locked npm packages, installed once by the lock's hash."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        unavailable("node and npm are needed for the TypeScript client (Node 20)")
    digest = hashlib.sha256(b"".join((NODE_SOURCES / n).read_bytes() for n in NODE_LOCKED))
    work = ROOT / ".local" / "clients-node" / digest.hexdigest()[:16]
    if not (work / "node_modules" / ".installed").exists():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        for name in NODE_LOCKED:
            shutil.copy(NODE_SOURCES / name, work / name)
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=work,
            env={**os.environ, "npm_config_update_notifier": "false"},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        output = installed.stdout + installed.stderr
        if installed.returncode != 0 and any(sign in output for sign in UNREACHABLE):
            unavailable(f"the npm registry is unreachable: {output[-2000:]}")
        assert installed.returncode == 0, f"npm ci failed:\n{output[-4000:]}"
        (work / "node_modules" / ".installed").touch()
    return work


def test_the_typescript_client_calls_every_operation(
    stack: Stack, served: tuple[Path, set[str]]
) -> None:
    work = node_packages()
    for name in NODE_CODE:
        shutil.copy(NODE_SOURCES / name, work / name)
    run(["node", "generate.mjs", str(served[0]), "api.d.ts"], work, "openapi-typescript")
    # Type-checked against the document's types, then run as JavaScript.
    run([str(work / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"], work, "tsc")
    scenario = Scenario.start(stack)
    output = run(["node", "out/drive.js", scenario.as_json()], work, "the TypeScript client")
    spec = json.loads(served[0].read_text())
    called = {
        spec["paths"][path][method]["operationId"]: status
        for method, path, status in json.loads(output)
        if path in spec["paths"]
    }
    assert set(called) == served[1], "operations no test calls through the TypeScript client"
    assert called["thaw_file"] == 409  # nothing is archived locally: a problem, parsed
    assert called["resend_invitation"] == 429  # mailed a moment ago: a problem, parsed
    problems = {"thaw_file", "resend_invitation"}
    assert all(200 <= status < 300 for name, status in called.items() if name not in problems)
