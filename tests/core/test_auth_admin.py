"""The auth admin port's Supabase adapter against a local server that answers as
GoTrue's admin API documents (no GoTrue server exists on these machines)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from core_service.auth_admin import InviteRefused, SupabaseAuthAdmin
from tenancy.tokens import AuthUnavailable
from tests.core.conftest import User
from tests.core.gotrue import SERVICE_ROLE_KEY, FakeGoTrue


def run[T](
    factory: Callable[[SupabaseAuthAdmin], Coroutine[Any, Any, T]],
    url: str,
    key: str = SERVICE_ROLE_KEY,
) -> T:
    async def main() -> T:
        admin = SupabaseAuthAdmin(url, key, timeout=2.0)
        try:
            return await factory(admin)
        finally:
            await admin.aclose()

    return asyncio.run(main())


def test_finds_a_user_by_email_case_insensitively(
    gotrue: FakeGoTrue, make_user: Callable[..., User]
) -> None:
    user = make_user()
    found = run(lambda admin: admin.find_user_by_email(user.email.upper()), gotrue.url)
    assert found is not None
    assert (found.id, found.email) == (user.id, user.email)
    assert (
        run(lambda admin: admin.find_user_by_email("nobody-here@example.com"), gotrue.url) is None
    )


def test_lookup_pages_through_the_user_list(
    gotrue: FakeGoTrue, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [make_user() for _ in range(3)]
    monkeypatch.setattr(SupabaseAuthAdmin, "PAGE_SIZE", 2)
    before = len(gotrue.requests)
    found = run(lambda admin: admin.find_user_by_email(users[-1].email), gotrue.url)
    assert found is not None
    assert found.id == users[-1].id
    pages = [path for method, path, _ in gotrue.requests[before:] if method == "GET"]
    assert len(pages) >= 2


def test_invites_a_new_address(gotrue: FakeGoTrue) -> None:
    email = f"invitee-{uuid.uuid4().hex[:8]}@example.com"
    invited = run(lambda admin: admin.invite_user(email), gotrue.url)
    assert invited.email == email
    uuid.UUID(invited.id)
    method, path, body = gotrue.requests[-1]
    assert (method, path) == ("POST", "/auth/v1/invite")
    assert body is not None
    assert body["email"] == email


def test_an_address_registered_meanwhile_resolves_to_that_user(
    gotrue: FakeGoTrue, make_user: Callable[..., User]
) -> None:
    user = make_user()  # confirmed: GoTrue answers 422 email_exists
    resolved = run(lambda admin: admin.invite_user(user.email), gotrue.url)
    assert resolved.id == user.id


def test_an_address_supabase_refuses_is_a_400(gotrue: FakeGoTrue) -> None:
    with pytest.raises(InviteRefused):
        run(lambda admin: admin.invite_user("not-an-address"), gotrue.url)


def test_a_wrong_service_key_is_unavailable_not_a_client_error(gotrue: FakeGoTrue) -> None:
    with pytest.raises(AuthUnavailable):
        run(lambda admin: admin.find_user_by_email("a@example.com"), gotrue.url, key="wrong-key")
    with pytest.raises(AuthUnavailable):
        run(lambda admin: admin.invite_user("a@example.com"), gotrue.url, key="wrong-key")


def test_supabase_auth_down_or_unreachable_is_unavailable(gotrue: FakeGoTrue) -> None:
    gotrue.down = True
    try:
        with pytest.raises(AuthUnavailable):
            run(lambda admin: admin.find_user_by_email("a@example.com"), gotrue.url)
    finally:
        gotrue.down = False
    with pytest.raises(AuthUnavailable):
        run(lambda admin: admin.invite_user("a@example.com"), f"http://127.0.0.1:{_closed_port()}")


def _closed_port() -> int:
    from tests.core.postgres import free_port

    return free_port()
