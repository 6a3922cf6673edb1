"""The local Supabase Auth stand-in, through supabase-py's own auth client (`supabase-auth`):
the calls an app makes on every screen work against `make dev` as against Supabase."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from supabase_auth import SyncGoTrueClient
from supabase_auth.errors import AuthApiError

from dev import DEMO_TENANT
from dev.token import main as token_main
from tenancy.tokens import verify_service_role
from tests.support.stack import Stack, start_stack

# What the stand-in prints instead of sending a mail (dev/auth.py).
MAIL = re.compile(r"\[auth\] mail to (\S+) \((\w+)\): (\S+)\n\[auth\]   or the code (\d{6})")


@pytest.fixture
def new_client(stack: Stack) -> Callable[[], SyncGoTrueClient]:
    def make() -> SyncGoTrueClient:
        return SyncGoTrueClient(
            url=f"{stack.auth}/auth/v1", headers=stack.apikey, auto_refresh_token=False
        )

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
    current = httpx.post(
        url, json=body, headers={"X-Supabase-Api-Version": "2024-01-01", **stack.apikey}
    )
    assert current.json() == {"code": "invalid_credentials", "message": "Invalid login credentials"}
    assert current.headers["x-supabase-api-version"] == "2024-01-01"
    legacy = httpx.post(url, json=body, headers=stack.apikey)
    assert legacy.json() == {
        "code": 400,
        "error_code": "invalid_credentials",
        "msg": "Invalid login credentials",
    }
    assert legacy.headers["x-sb-error-code"] == "invalid_credentials"

    missing = httpx.get(f"{stack.auth}/auth/v1/user", headers=stack.apikey)
    assert (missing.status_code, missing.json()["error_code"]) == (401, "no_authorization")
    forged = httpx.get(
        f"{stack.auth}/auth/v1/user", headers={"Authorization": "Bearer x.y.z", **stack.apikey}
    )
    assert (forged.status_code, forged.json()["error_code"]) == (403, "bad_jwt")


def test_sign_out_revokes_the_sessions_its_scope_names(
    stack: Stack, new_client: Callable[[], SyncGoTrueClient]
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
        headers={"Authorization": f"Bearer {again.access_token}", **stack.apikey},
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
    settings = httpx.get(f"{stack.auth}/auth/v1/settings", headers=stack.apikey).json()
    assert settings["external"]["email"] is True
    assert not any(on for provider, on in settings["external"].items() if provider != "email")
    assert settings["disable_signup"] is False
    assert settings["mailer_autoconfirm"] is True


# -- passwords and the API key, as Supabase checks them (issue 25, item 16) ----------------


def test_a_wrong_password_is_refused_as_supabase_auth_refuses_it(
    stack: Stack, new_client: Callable[[], SyncGoTrueClient]
) -> None:
    auth, email = new_client(), address()
    auth.sign_up({"email": email, "password": "right-password"})

    for wrong in ("wrong-password", "RIGHT-PASSWORD", "right-password "):
        refused = error_of(
            lambda w=wrong: new_client().sign_in_with_password({"email": email, "password": w})
        )  # type: ignore[misc]
        assert (refused.status, refused.code, refused.message) == (
            400,
            "invalid_credentials",
            "Invalid login credentials",
        )
    url = f"{stack.auth}/auth/v1/token?grant_type=password"
    legacy = httpx.post(url, json={"email": email, "password": ""}, headers=stack.apikey)
    assert legacy.status_code == 400
    assert legacy.json() == {
        "code": 400,
        "error_code": "invalid_credentials",
        "msg": "Invalid login credentials",
    }
    assert (
        new_client().sign_in_with_password({"email": email, "password": "right-password"}).session
    )

    # A new password replaces the old one.
    auth.update_user({"password": "new-password"})
    assert new_client().sign_in_with_password({"email": email, "password": "new-password"}).session
    old = error_of(
        lambda: new_client().sign_in_with_password({"email": email, "password": "right-password"})
    )
    assert old.code == "invalid_credentials"

    # A user who signed up by e-mail code has no password to sign in with.
    otp_user = address()
    auth.sign_in_with_otp({"email": otp_user})
    no_password = error_of(
        lambda: new_client().sign_in_with_password({"email": otp_user, "password": "x"})
    )
    assert no_password.code == "invalid_credentials"
    signup = httpx.post(
        f"{stack.auth}/auth/v1/signup", json={"email": address()}, headers=stack.apikey
    )
    assert (signup.status_code, signup.json()["error_code"]) == (400, "validation_failed")


def test_every_call_needs_the_projects_api_key_as_supabases_gateway_asks(
    stack: Stack, new_client: Callable[[], SyncGoTrueClient]
) -> None:
    settings = f"{stack.auth}/auth/v1/settings"
    missing = httpx.get(settings)
    assert missing.status_code == 401
    assert missing.json() == {
        "message": "No API key found in request",
        "hint": "No `apikey` request header or url param was found.",
    }
    user_token = new_client().sign_up({"email": address(), "password": "x-password"}).session
    assert user_token is not None
    other_secret = jwt.encode(
        {"role": "anon"}, "another-secret-of-at-least-32-characters", algorithm="HS256"
    )
    for wrong in ("not-a-key", other_secret, user_token.access_token):
        refused = httpx.get(settings, headers={"apikey": wrong})
        assert refused.status_code == 401, wrong
        assert refused.json() == {
            "message": "Invalid API key",
            "hint": "Double check your Supabase `anon` or `service_role` API key.",
        }
    # Nothing refused by the gateway reaches Auth: no user is made without a key.
    email = address()
    assert (
        httpx.post(
            f"{stack.auth}/auth/v1/signup", json={"email": email, "password": "x-password"}
        ).status_code
        == 401
    )
    assert (
        error_of(
            lambda: new_client().sign_in_with_password({"email": email, "password": "x-password"})
        ).code
        == "invalid_credentials"
    )

    for key in (stack.keys["anon"], stack.keys["service_role"]):
        assert httpx.get(settings, headers={"apikey": key}).status_code == 200
    assert httpx.get(settings, params={"apikey": stack.keys["anon"]}).status_code == 200
    # A browser's preflight carries no key, as there.
    assert httpx.options(settings).status_code == 204


@pytest.mark.slow
def test_signing_out_stops_the_access_token_on_both_services(
    stack: Stack, new_client: Callable[[], SyncGoTrueClient]
) -> None:
    """Issue 25, item 12 on the real stack: `signOut()` deletes the session at the
    stand-in as Supabase Auth does; the core refuses its token at once, the file API
    within MEMBERSHIP_CACHE_SECONDS (30 s here)."""
    auth = new_client()
    session = auth.sign_up({"email": address(), "password": "x-password"}).session
    assert session is not None
    bearer = {"Authorization": f"Bearer {session.access_token}"}
    tenant = httpx.post(f"{stack.api}/tenants", json={"name": "Signed out"}, headers=bearer)
    assert tenant.status_code == 201, tenant.text
    files = {**bearer, "X-Tenant-ID": tenant.json()["id"]}
    assert httpx.get(f"{stack.api}/files/list", headers=files).status_code == 200
    other_device = (
        new_client()
        .sign_in_with_password({"email": auth.get_user().user.email, "password": "x-password"})
        .session
    )  # type: ignore[union-attr]
    assert other_device is not None

    auth.sign_out({"scope": "local"})
    signed_out_at = time.monotonic()

    me = httpx.get(f"{stack.api}/me", headers=bearer)
    assert (me.status_code, me.json()["code"]) == (401, "unauthorized")
    while httpx.get(f"{stack.api}/files/list", headers=files).status_code != 401:
        assert time.monotonic() - signed_out_at < 35, "the file API kept the signed-out token"
        time.sleep(0.5)
    # The user's other session goes on.
    other = {"Authorization": f"Bearer {other_device.access_token}"}
    assert httpx.get(f"{stack.api}/me", headers=other).status_code == 200
    assert (
        httpx.get(
            f"{stack.api}/files/list", headers={**other, "X-Tenant-ID": tenant.json()["id"]}
        ).status_code
        == 200
    )


def test_make_token_signs_in_the_demo_user_and_new_users(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SNSD_LOCAL_DIR", str(stack.state_dir))
    email = address()
    for argv in ([], ["--email", email], ["--email", email]):  # the last signs in again
        assert token_main(argv) == 0
        token = capsys.readouterr().out.strip()
        assert (
            httpx.get(f"{stack.api}/me", headers={"Authorization": f"Bearer {token}"}).status_code
            == 200
        )
    with pytest.raises(SystemExit, match="refused"):
        token_main(["--email", email, "--password", "not-the-password"])


@pytest.mark.slow
def test_make_token_service_role_signs_with_the_secret_the_stack_runs_with(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make dev` with its own SUPABASE_JWT_SECRET: `make token SERVICE_ROLE=1` prints a
    key its services accept (it was signed with the default secret: 401)."""
    secret = "a-secret-of-this-developer-with-at-least-32-characters"
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-local-secret-"))
    other = start_stack(state_dir, env={"SUPABASE_JWT_SECRET": secret})
    try:
        monkeypatch.setenv("SNSD_LOCAL_DIR", str(state_dir))
        assert token_main(["--service-role"]) == 0
        key = capsys.readouterr().out.strip()
        verify_service_role(key, secret)
        assert token_main([]) == 0
        demo = {"Authorization": f"Bearer {capsys.readouterr().out.strip()}"}
        assert httpx.get(f"{other.api}/me", headers=demo).status_code == 200

        quota = httpx.put(
            f"{other.api}/tenants/{DEMO_TENANT}/quota",
            json={"max_bytes": 1000, "max_objects": None},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert quota.status_code == 200, quota.text
        for key in other.keys.values():  # the project's keys open the stand-in
            settings = httpx.get(f"{other.auth}/auth/v1/settings", headers={"apikey": key})
            assert settings.status_code == 200
    finally:
        try:
            other.stop_cleanly()
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
