"""The local Supabase Auth stand-in, through supabase-py's own auth client (`supabase-auth`):
the calls an app makes on every screen work against `make dev` as against Supabase."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from supabase_auth import SyncGoTrueClient
from supabase_auth.errors import AuthApiError

from tests.support.stack import Stack

# What the stand-in prints instead of sending a mail (dev/auth.py).
MAIL = re.compile(r"\[auth\] mail to (\S+) \((\w+)\): (\S+)\n\[auth\]   or the code (\d{6})")


@pytest.fixture
def new_client(stack: Stack) -> Callable[[], SyncGoTrueClient]:
    def make() -> SyncGoTrueClient:
        return SyncGoTrueClient(url=f"{stack.auth}/auth/v1", auto_refresh_token=False)

    return make


def address() -> str:
    return f"auth-{uuid.uuid4().hex[:12]}@example.com"


def mail_to(stack: Stack, email: str, kind: str) -> tuple[str, str]:
    """The last link and code the stand-in printed for `email`."""
    mails = [m for m in MAIL.finditer(stack.output()) if m.group(1) == email]
    assert mails, f"no mail printed to {email}:\n{stack.output()[-2000:]}"
    assert mails[-1].group(2) == kind
    return mails[-1].group(3), mails[-1].group(4)


def error_of(call: Callable[[], object]) -> AuthApiError:
    with pytest.raises(AuthApiError) as caught:
        call()
    return caught.value


def fragment(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).fragment).items()}


def test_sign_up_sign_in_read_and_update_the_user(
    stack: Stack, new_client: Callable[[], SyncGoTrueClient]
) -> None:
    auth, email = new_client(), address()
    signed_up = auth.sign_up(
        {"email": email, "password": "secret-1", "options": {"data": {"a": 1}}}
    )
    assert signed_up.user is not None
    assert signed_up.user.user_metadata == {"a": 1}

    signed_in = auth.sign_in_with_password({"email": email, "password": "secret-1"})
    assert signed_in.session is not None
    got = auth.get_user()
    assert got is not None
    assert (got.user.id, got.user.email) == (signed_up.user.id, email)

    # `data` is merged into the metadata; a null removes a key.
    updated = auth.update_user({"data": {"b": "two", "a": None}})
    assert updated.user.user_metadata == {"b": "two"}
    assert auth.get_user().user.user_metadata == {"b": "two"}  # type: ignore[union-attr]

    # A new email waits for its confirmation link, as Supabase Auth's does.
    new_email = address()
    pending = auth.update_user({"email": new_email})
    assert (pending.user.email, pending.user.new_email) == (email, new_email)
    link, _ = mail_to(stack, new_email, "email_change")
    confirmed = httpx.get(link)
    assert confirmed.status_code == 303
    token = fragment(confirmed.headers["location"])["access_token"]
    assert auth.get_user(token).user.email == new_email  # type: ignore[union-attr]

    # An address in use is refused, in the error shape the client parses.
    other = new_client()
    other.sign_up({"email": address(), "password": "x"})
    refused = error_of(lambda: other.update_user({"email": new_email}))
    assert (refused.status, refused.code) == (422, "email_exists")


def test_sign_in_errors_come_in_both_api_versions_shapes(
    stack: Stack, new_client: Callable[[], SyncGoTrueClient]
) -> None:
    unknown = error_of(
        lambda: new_client().sign_in_with_password({"email": address(), "password": "x"})
    )
    assert (unknown.status, unknown.code) == (400, "invalid_credentials")

    url = f"{stack.auth}/auth/v1/token?grant_type=password"
    body = {"email": address(), "password": "x"}
    current = httpx.post(url, json=body, headers={"X-Supabase-Api-Version": "2024-01-01"})
    assert current.json() == {"code": "invalid_credentials", "message": "Invalid login credentials"}
    assert current.headers["x-supabase-api-version"] == "2024-01-01"
    legacy = httpx.post(url, json=body)
    assert legacy.json() == {
        "code": 400,
        "error_code": "invalid_credentials",
        "msg": "Invalid login credentials",
    }
    assert legacy.headers["x-sb-error-code"] == "invalid_credentials"

    missing = httpx.get(f"{stack.auth}/auth/v1/user")
    assert (missing.status_code, missing.json()["error_code"]) == (401, "no_authorization")
    forged = httpx.get(f"{stack.auth}/auth/v1/user", headers={"Authorization": "Bearer x.y.z"})
    assert (forged.status_code, forged.json()["error_code"]) == (403, "bad_jwt")


def test_sign_out_revokes_the_sessions_its_scope_names(
    new_client: Callable[[], SyncGoTrueClient],
) -> None:
    email = address()
    phone, laptop, tablet = new_client(), new_client(), new_client()
    phone.sign_up({"email": email, "password": "x"})
    sessions = {}
    for name, device in (("laptop", laptop), ("tablet", tablet)):
        signed_in = device.sign_in_with_password({"email": email, "password": "x"})
        assert signed_in.session is not None
        sessions[name] = signed_in.session

    # `others`: every session but the phone's ends; the phone's goes on.
    phone.sign_out({"scope": "others"})
    assert phone.get_user() is not None
    ended = error_of(lambda: laptop.get_user(sessions["laptop"].access_token))
    assert (ended.status, ended.code) == (403, "session_not_found")
    refused = error_of(lambda: tablet.refresh_session(sessions["tablet"].refresh_token))
    assert refused.code == "refresh_token_not_found"

    # `local`: this session only; the client forgets it.
    again = laptop.sign_in_with_password({"email": email, "password": "x"}).session
    assert again is not None
    phone_session = phone.get_session()
    assert phone_session is not None
    phone.sign_out({"scope": "local"})
    assert phone.get_session() is None
    assert laptop.get_user() is not None
    phone_ended = error_of(lambda: laptop.get_user(phone_session.access_token))
    assert phone_ended.code == "session_not_found"

    unknown = httpx.post(
        f"{laptop._url}/logout",
        params={"scope": "everywhere"},
        headers={"Authorization": f"Bearer {again.access_token}"},
    )
    assert (unknown.status_code, unknown.json()["error_code"]) == (400, "validation_failed")

    # `global` (the default): all of them.
    tablet.sign_in_with_password({"email": email, "password": "x"})
    laptop.sign_out()
    for token in (again.access_token, tablet.get_session().access_token):  # type: ignore[union-attr]
        assert error_of(lambda token=token: laptop.get_user(token)).code == "session_not_found"


def test_a_password_reset_prints_the_link_that_signs_the_user_in(
    stack: Stack, new_client: Callable[[], SyncGoTrueClient]
) -> None:
    auth, email = new_client(), address()
    user = auth.sign_up({"email": email, "password": "forgotten"}).user
    assert user is not None
    app = stack.env["CORS_ALLOWED_ORIGINS"]
    auth.reset_password_for_email(email, {"redirect_to": f"{app}/reset"})
    link, _ = mail_to(stack, email, "recovery")

    landed = httpx.get(link)
    assert landed.status_code == 303
    location = landed.headers["location"]
    assert location.startswith(f"{app}/reset#")
    session = fragment(location)
    assert (session["type"], session["token_type"]) == ("recovery", "bearer")
    assert auth.get_user(session["access_token"]).user.id == user.id  # type: ignore[union-attr]

    # The link is used up; its second use lands on the app with the error.
    again = fragment(httpx.get(link).headers["location"])
    assert (again["error"], again["error_code"]) == ("access_denied", "otp_expired")

    # An unknown address gets the same answer, and no mail.
    stranger = address()
    auth.reset_password_for_email(stranger)
    assert stranger not in stack.output()


def test_a_one_time_code_signs_a_new_user_up_and_in(
    stack: Stack, new_client: Callable[[], SyncGoTrueClient]
) -> None:
    auth, email = new_client(), address()
    refused = error_of(
        lambda: auth.sign_in_with_otp({"email": email, "options": {"should_create_user": False}})
    )
    assert (refused.status, refused.code) == (422, "otp_disabled")

    auth.sign_in_with_otp({"email": email, "options": {"data": {"plan": "trial"}}})
    _, code = mail_to(stack, email, "magiclink")
    wrong = error_of(
        lambda: auth.verify_otp(
            {"email": email, "token": f"{(int(code) + 1) % 10**6:06d}", "type": "email"}
        )
    )
    assert (wrong.status, wrong.code) == (403, "otp_expired")
    signed_in = auth.verify_otp({"email": email, "token": code, "type": "email"})
    assert signed_in.session is not None
    assert signed_in.user is not None
    assert (signed_in.user.email, signed_in.user.user_metadata) == (email, {"plan": "trial"})
    assert auth.get_user().user.email == email  # type: ignore[union-attr]


def test_settings_say_email_sign_in_with_users_confirmed_at_once(stack: Stack) -> None:
    settings = httpx.get(f"{stack.auth}/auth/v1/settings").json()
    assert settings["external"]["email"] is True
    assert not any(on for provider, on in settings["external"].items() if provider != "email")
    assert settings["disable_signup"] is False
    assert settings["mailer_autoconfirm"] is True
