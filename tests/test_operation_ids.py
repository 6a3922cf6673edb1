"""Operation ids read like their URLs (docs/api.md, "Operation ids"), over the domain's one
document: the core's routes and the file API's committed part (tests/local/test_openapi.py
holds that part current). Generated clients name their methods after these ids.

The rule: drop the path's `{parameters}` and its root (`/files`, `/tenants/{tenant_id}`,
`/tenants`), split the rest into words on `/` and `-`; those words appear in the id, in
order, a word's singular or plural alike, except that one of them may lead the id as its
verb (`/invitations/{id}/accept` is `accept_invitation`: the other words keep their order).
Ids start with a verb, the path's or the method's (`get_`, `list_`, `create_`, ...), but
this test does not check that: `health` and `ready` have none.

The audit trail keeps recording the renamed routes under their old names
(tenancy/audit_actions.py), which Postgres turns into webhook events.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core_service.app import create_app
from core_service.settings import Settings
from tenancy.audit_actions import RENAMED, audit_action
from webhooks.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parents[1]
PATH_ROOTS = (r"^/files(?=/|$)", r"^/tenants/\{tenant_id\}(?=/|$)", r"^/tenants(?=/|$)")
# The three the issue found, as they were: each breaks the rule.
ISSUE_31 = {
    "restore_deleted": "/files/trash/restore",
    "presign_download": "/files/presigned-url/{path}",
    "upload_files": "/files/upload-multiple",
}


def path_words(path: str) -> list[str]:
    """The words an id must hold: the path's literal segments after its root."""
    for root in PATH_ROOTS:
        path = re.sub(root, "", path, count=1)
    return [
        word
        for segment in path.split("/")
        if segment and not segment.startswith("{")
        for word in segment.split("-")
    ]


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _in_order(needed: list[str], words: list[str]) -> bool:
    remaining = iter(_singular(word) for word in words)
    return all(_singular(word) in remaining for word in needed)


def reads_like_its_url(operation_id: str, path: str) -> bool:
    needed, words = path_words(path), operation_id.split("_")
    if _in_order(needed, words):
        return True
    # The path's verb first: `/webhooks/{id}/rotate-secret` is `rotate_webhook_secret`.
    verb = next((w for w in needed if _singular(w) == _singular(words[0])), None)
    if verb is None:
        return False
    rest = list(needed)
    rest.remove(verb)
    return _in_order(rest, words[1:])


def domain_document() -> dict[str, Any]:
    """The merged document the core serves at /openapi.json (no database needed)."""
    settings = Settings(
        database_url="postgresql://nobody@127.0.0.1:1/none",
        supabase_url="http://127.0.0.1:1",
        bucket="bucket",
        jwt_secret="x" * 32,
        environment="local",
    )
    document: dict[str, Any] = create_app(settings).openapi()
    return document


@pytest.fixture(scope="module")
def operations() -> dict[str, tuple[str, str]]:
    """operation id -> (method, path), for every operation of both services."""
    found: dict[str, tuple[str, str]] = {}
    for path, item in domain_document()["paths"].items():
        for method, operation in item.items():
            name = operation["operationId"]
            assert name not in found, (name, found.get(name), (method, path))
            found[name] = (method.upper(), path)
    return found


def test_every_operation_id_reads_like_its_url(operations: dict[str, tuple[str, str]]) -> None:
    broken = [
        f"{name} ({method} {path}: needs {' '.join(path_words(path))})"
        for name, (method, path) in sorted(operations.items())
        if not reads_like_its_url(name, path)
    ]
    assert not broken, "operation ids that do not read like their URLs:\n" + "\n".join(broken)
    assert len(operations) >= 100  # both services: the file API's part was merged


def test_the_rule_refuses_the_ids_the_issue_found() -> None:
    for name, path in ISSUE_31.items():
        assert not reads_like_its_url(name, path), name
    assert reads_like_its_url("accept_invitation", "/invitations/{invitation_id}/accept")
    assert reads_like_its_url("list_members", "/tenants/{tenant_id}/members")
    assert not reads_like_its_url("session_complete", "/files/upload-sessions/{s}/s3/multipart")


def test_renamed_routes_keep_their_audit_actions(operations: dict[str, tuple[str, str]]) -> None:
    """Each renamed id is served, and its old name is no other route's id: two routes
    never share an action."""
    assert set(RENAMED) <= set(operations), set(RENAMED) - set(operations)
    assert not set(RENAMED.values()) & set(operations)
    actions = [audit_action(name) for name in operations]
    assert len(actions) == len(set(actions))
    for old in ISSUE_31:
        assert old in RENAMED.values(), old


def test_every_webhook_events_api_action_is_still_recorded(
    operations: dict[str, tuple[str, str]],
) -> None:
    """Postgres types a webhook event by the audit row's `source:action`
    (supabase/migrations/*webhook_events*.sql): each `api:` action it types is still the
    action some route records, so every event type is sent as before."""
    recorded = {audit_action(name) for name in operations}
    typed: dict[str, set[str]] = {}
    case = re.compile(r"when ((?:'[a-z]+:[a-z_]+',?\s*)+) then\s+type := '([a-z._]+)'")
    for migration in sorted((ROOT / "supabase" / "migrations").glob("*.sql")):
        for match in case.finditer(migration.read_text()):
            for action in re.findall(r"'api:([a-z_]+)'", match.group(1)):
                typed.setdefault(action, set()).add(match.group(2))
    assert typed, "no api: action found in the migrations"
    assert {
        "restore_deleted": {"file.restored"},
        "complete_multipart": {"upload.completed"},
        "session_complete": {"upload.completed"},
        "delete_folder": {"folder.deleted"},
        "restore_folder": {"folder.restored"},
        "complete_request_upload": {"request.submitted"},
    }.items() <= typed.items(), typed
    assert set(typed) <= recorded, set(typed) - recorded
    assert {event for types in typed.values() for event in types} <= set(EVENT_TYPES)
