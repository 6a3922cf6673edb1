"""Revocation on `make dev`'s real stack: a member removed or demoted through the
core loses those rights on the file API within a minute, with the token they
already hold (SECURITY.md: the membership window)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack

# The promise; the stack keeps memberships 30 s (MEMBERSHIP_CACHE_SECONDS).
WINDOW_SECONDS = 60


def bearer(token: str, tenant: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    return headers | ({"X-Tenant-ID": tenant} if tenant else {})


def join(stack: Stack, owner_token: str, tenant: str, role: str) -> str:
    """A new user invited with `role`, who accepts: their token from before and after."""
    email = f"joiner-{uuid.uuid4().hex[:12]}@example.com"
    session = stack.session(email)
    invited = httpx.post(
        f"{stack.api}/tenants/{tenant}/invitations",
        json={"email": email, "role": role},
        headers=bearer(owner_token),
    )
    assert invited.status_code == 201, invited.text
    accepted = httpx.post(
        f"{stack.api}/invitations/{invited.json()['id']}/accept",
        headers=bearer(session["access_token"]),
    )
    assert accepted.status_code == 200, accepted.text
    return str(session["access_token"])


def user_id(stack: Stack, token: str) -> str:
    return str(httpx.get(f"{stack.api}/me", headers=bearer(token)).json()["user_id"])


def first_change(check: Callable[[], bool], seconds: float) -> float | None:
    """Seconds until `check()` holds, or None if it never did within `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.5)
    return None


@pytest.mark.slow
def test_removed_and_demoted_members_lose_file_access_within_the_window(stack: Stack) -> None:
    owner, tenant = stack.new_tenant("Revocation")
    # Tokens issued before they joined, carrying no tenant: the file API
    # reads the database, so they work at once when the tenant is named.
    member = join(stack, owner, tenant, "member")
    admin = join(stack, owner, tenant, "admin")
    files = f"{stack.api}/files"

    def upload(token: str, name: str) -> httpx.Response:
        return httpx.post(
            f"{files}/upload",
            params={"folder": "shared"},
            files={"file": (name, b"data", "text/plain")},
            headers=bearer(token, tenant),
        )

    assert upload(member, "by-member.txt").status_code == 201
    assert upload(admin, "by-admin.txt").status_code == 201
    assert httpx.get(f"{files}/list", headers=bearer(member, tenant)).status_code == 200

    removed = httpx.delete(
        f"{stack.api}/tenants/{tenant}/members/{user_id(stack, member)}", headers=bearer(owner)
    )
    demoted = httpx.patch(
        f"{stack.api}/tenants/{tenant}/members/{user_id(stack, admin)}",
        json={"role": "viewer"},
        headers=bearer(owner),
    )
    assert (removed.status_code, demoted.status_code) == (204, 200)
    changed_at = time.monotonic()

    def member_refused() -> bool:
        return httpx.get(f"{files}/list", headers=bearer(member, tenant)).status_code == 403

    def admin_refused() -> bool:
        # An admin-only route that changes nothing: 404 for an admin, 403 for a viewer.
        probe = httpx.post(
            f"{files}/delete-exact", json={"path": "ghost.txt"}, headers=bearer(admin, tenant)
        )
        assert probe.status_code in (403, 404), probe.text
        return probe.status_code == 403

    member_after = first_change(member_refused, WINDOW_SECONDS)
    assert member_after is not None
    assert first_change(admin_refused, WINDOW_SECONDS - member_after) is not None
    admin_after = time.monotonic() - changed_at
    assert admin_after < WINDOW_SECONDS
    print(
        f"removed member refused after {member_after:.1f} s, demoted admin by {admin_after:.1f} s"
    )

    # After the window: every call of the removed member is refused, and the
    # demoted admin is exactly a viewer.
    refused: dict[str, Any] = httpx.post(
        f"{files}/presigned-upload",
        params={"file_path": "late.txt"},
        headers=bearer(member, tenant),
    ).json()
    assert (refused["status"], refused["code"]) == (403, "tenant_forbidden")
    assert upload(member, "late.txt").status_code == 403
    assert upload(admin, "late.txt").status_code == 403
    listing = httpx.get(f"{files}/list", params={"folder": "shared"}, headers=bearer(admin, tenant))
    assert listing.status_code == 200
    assert sorted(f["name"] for f in listing.json()["files"]) == ["by-admin.txt", "by-member.txt"]


def test_a_just_accepted_invitation_works_on_the_very_next_request(stack: Stack) -> None:
    """Issue 25, item 11: the file API had read the invitee's memberships a moment
    before (no tenant yet); the request right after accepting is served."""
    owner, tenant = stack.new_tenant("Joined")
    email = f"invitee-{uuid.uuid4().hex[:12]}@example.com"
    invitee = str(stack.session(email)["access_token"])
    before = httpx.get(f"{stack.api}/files/list", headers=bearer(invitee, tenant))
    assert (before.status_code, before.json()["code"]) == (403, "tenant_forbidden")
    invited = httpx.post(
        f"{stack.api}/tenants/{tenant}/invitations",
        json={"email": email, "role": "member"},
        headers=bearer(owner),
    )
    assert invited.status_code == 201, invited.text

    accepted = httpx.post(
        f"{stack.api}/invitations/{invited.json()['id']}/accept", headers=bearer(invitee)
    )
    listed = httpx.get(f"{stack.api}/files/list", headers=bearer(invitee, tenant))

    assert accepted.status_code == 200, accepted.text
    assert listed.status_code == 200, listed.text
