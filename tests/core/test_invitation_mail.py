"""Invitation e-mails (issue 29): the invitee hears about the invitation.

In process against real servers: the app under its real lifespan on the
tests' Postgres, the Supabase Auth stand-in (dev/auth.py) answering its admin
invite, and the mail catcher (dev/mailcatcher.py) as Amazon SES v2, which the
app's boto3 client reaches through its endpoint URL, and as the stand-in's
outbox. TestClient returns once the answer's background tasks have run, so
each mail has been sent (or has failed) when a request returns.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient

from core_service.app import create_app
from core_service.settings import Settings
from dev.auth import LocalAuth
from dev.claims import api_key
from dev.mailcatcher import MailCatcher
from tests.support.core import User
from tests.support.problems import assert_problem
from tests.support.tokens import JWT_SECRET

Conn = psycopg.Connection[dict[str, Any]]
Headers = Callable[[User], dict[str, str]]
SENDER = "SnSD <invitations@snsdconsultant.com>"
INVITE_URL_BASE = "https://app.snsdconsultant.com/invitations"


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[MailCatcher]:
    mail = MailCatcher(tmp_path / "mail")
    mail.serve()
    yield mail
    mail.stop()


@pytest.fixture
def local_auth(db_url: str, catcher: MailCatcher) -> Iterator[LocalAuth]:
    auth = LocalAuth(db_url, JWT_SECRET, site_url="https://app.snsdconsultant.com", mail=catcher)
    auth.serve()
    yield auth
    auth.stop()


@pytest.fixture
def issuer(local_auth: LocalAuth) -> str:
    """The tokens' issuer: the Auth stand-in the app is configured with."""
    return f"{local_auth.url}/auth/v1"


@pytest.fixture
def mail_settings(settings: Settings, local_auth: LocalAuth, catcher: MailCatcher) -> Settings:
    return replace(
        settings,
        supabase_url=local_auth.url,
        mail_from=SENDER,
        invite_url_base=INVITE_URL_BASE,
        ses_endpoint_url=catcher.url,
        service_role_key=api_key("service_role", JWT_SECRET),
    )


@pytest.fixture
def app(app_with: Callable[..., TestClient], mail_settings: Settings) -> TestClient:
    return app_with(mail_settings)


def new_address() -> str:
    return f"invitee-{uuid.uuid4().hex[:10]}@example.com"


def invite(
    app: TestClient, headers: dict[str, str], tenant: str, email: str, role: str = "member"
) -> dict[str, Any]:
    answer = app.post(
        f"/tenants/{tenant}/invitations", json={"email": email, "role": role}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def listed(
    app: TestClient, headers: dict[str, str], tenant: str, invitation: str
) -> dict[str, Any]:
    answer = app.get(f"/tenants/{tenant}/invitations", headers=headers)
    assert answer.status_code == 200, answer.text
    return next(i for i in answer.json()["invitations"] if i["id"] == invitation)


def mails_to(catcher: MailCatcher, address: str) -> list[dict[str, Any]]:
    return [m for m in catcher.messages() if any(t["Address"] == address for t in m["To"])]


def test_an_address_without_an_account_gets_supabase_auths_invite(
    app: TestClient, catcher: MailCatcher, db: Conn, make_user: Callable[..., User],
    make_tenant: Callable[..., str], auth: Headers,
) -> None:  # fmt: skip
    owner = make_user()
    tenant = make_tenant(owner)
    address = new_address()
    invitation = invite(app, auth(owner), tenant, address)
    assert invitation["mail_status"] == "pending"  # answered before the mail went
    assert listed(app, auth(owner), tenant, invitation["id"])["mail_status"] == "sent"
    [mail] = mails_to(catcher, address)
    assert mail["Subject"] == "You have been invited"
    link = next(word for word in mail["Text"].split() if "/auth/v1/verify?" in word)
    query = parse_qs(urlsplit(link).query)
    assert query["type"] == ["invite"]
    assert query["redirect_to"] == [f"{INVITE_URL_BASE}/{invitation['id']}"]
    user = db.execute(
        "select email_confirmed_at, invited_at from auth.users where email = %s", (address,)
    ).fetchone()
    assert user is not None
    assert user["invited_at"] is not None
    assert user["email_confirmed_at"] is None  # until the invitee follows the link


def test_an_address_with_an_account_gets_our_mail_through_ses(
    app: TestClient, catcher: MailCatcher, make_user: Callable[..., User],
    make_tenant: Callable[..., str], auth: Headers,
) -> None:  # fmt: skip
    owner = make_user()
    invitee = make_user()
    tenant = make_tenant(owner, name="Acme Consulting")
    other = make_tenant(owner, name="Secret Other Client")
    invite(app, auth(owner), other, new_address())  # another tenant's invitation, mailed too
    invitation = invite(app, auth(owner), tenant, invitee.email, role="viewer")
    after = listed(app, auth(owner), tenant, invitation["id"])
    assert after["mail_status"] == "sent"
    assert after["mailed_at"] is not None
    [mail] = mails_to(catcher, invitee.email)
    assert mail["From"]["Address"] == "invitations@snsdconsultant.com"
    assert [t["Address"] for t in mail["To"]] == [invitee.email]
    assert mail["Subject"] == "You are invited to join Acme Consulting on SnSD"
    link = f"{INVITE_URL_BASE}/{invitation['id']}"
    for body in (mail["Text"], mail["HTML"]):
        assert link in body
        assert "Acme Consulting" in body
        assert "viewer" in body
        assert owner.email in body
        assert invitation["expires_at"][:4] in body  # the expiry's date
        assert "Secret Other Client" not in body
        assert other not in body


def test_a_failing_mail_service_keeps_the_invitation_and_a_resend_sends_it(
    app_with: Callable[..., TestClient], mail_settings: Settings, catcher: MailCatcher,
    make_user: Callable[..., User], make_tenant: Callable[..., str], auth: Headers,
) -> None:  # fmt: skip
    app = app_with(mail_settings, invitation_resend_seconds=1)
    owner = make_user()
    invitee = make_user()
    tenant = make_tenant(owner)
    catcher.failing = True
    invitation = invite(app, auth(owner), tenant, invitee.email)
    failed = listed(app, auth(owner), tenant, invitation["id"])
    assert (failed["status"], failed["mail_status"], failed["mailed_at"]) == (
        "pending", "failed", None,
    )  # fmt: skip
    assert mails_to(catcher, invitee.email) == []
    catcher.failing = False
    time.sleep(1.1)
    resent = app.post(
        f"/tenants/{tenant}/invitations/{invitation['id']}/resend", headers=auth(owner)
    )
    assert resent.status_code == 202, resent.text
    assert resent.json()["mail_status"] == "pending"
    assert listed(app, auth(owner), tenant, invitation["id"])["mail_status"] == "sent"
    assert len(mails_to(catcher, invitee.email)) == 1


def test_the_api_answers_before_a_slow_mail_service(
    mail_settings: Settings, catcher: MailCatcher, make_user: Callable[..., User],
    make_tenant: Callable[..., str], auth: Headers,
) -> None:  # fmt: skip
    """Served by uvicorn, as in production: the answer goes out, then the mail."""
    owner, invitee = make_user(), make_user()
    tenant = make_tenant(owner)
    catcher.delay = 2.0
    server = uvicorn.Server(
        uvicorn.Config(create_app(mail_settings), host="127.0.0.1", port=0, log_level="warning")
    )
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        started = time.monotonic()
        answer = httpx.post(
            f"http://127.0.0.1:{port}/tenants/{tenant}/invitations",
            json={"email": invitee.email},
            headers=auth(owner),
            timeout=10,
        )
        answered = time.monotonic() - started
        assert answer.status_code == 201, answer.text
        assert answered < 1.0, answered
        while not mails_to(catcher, invitee.email):
            assert time.monotonic() - started < 10, "no mail"
            time.sleep(0.05)
        assert time.monotonic() - started >= 2.0
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_an_unreachable_auth_service_fails_the_mail_not_the_invitation(
    app_with: Callable[..., TestClient], mail_settings: Settings, catcher: MailCatcher,
    make_user: Callable[..., User], make_tenant: Callable[..., str], auth: Headers,
) -> None:  # fmt: skip
    app = app_with(mail_settings, service_role_key=api_key("anon", JWT_SECRET))
    owner = make_user()
    tenant = make_tenant(owner)
    invitation = invite(app, auth(owner), tenant, new_address())
    assert listed(app, auth(owner), tenant, invitation["id"])["mail_status"] == "failed"
    assert catcher.messages() == []


def test_names_cannot_inject_headers_or_markup(
    app: TestClient, catcher: MailCatcher, db: Conn, make_user: Callable[..., User],
    make_tenant: Callable[..., str], auth: Headers,
) -> None:  # fmt: skip
    owner = make_user()
    invitee = make_user()
    tenant = make_tenant(owner, name="Evil\r\nBcc: victim@example.com\r\n<script>x()</script>")
    db.execute(
        "update auth.users set email = %s where id = %s",
        (f"{owner.email}\r\nBcc: other@example.com <b>", owner.id),
    )
    invite(app, auth(owner), tenant, invitee.email)
    [mail] = catcher.messages()
    assert "\r" not in mail["Subject"]
    assert "\n" not in mail["Subject"]
    assert mail["Subject"].startswith("You are invited to join Evil Bcc: victim@example.com")
    assert [t["Address"] for t in mail["To"]] == [invitee.email]
    assert "<script>" not in mail["HTML"]
    assert "&lt;script&gt;" in mail["HTML"]
    assert "<b>" not in mail["HTML"]
    assert "\nBcc:" not in mail["Text"]


def test_a_resend_is_limited_to_once_a_minute_and_to_those_who_may_grant_the_role(
    app: TestClient, catcher: MailCatcher, make_user: Callable[..., User],
    make_tenant: Callable[..., str], auth: Headers,
) -> None:  # fmt: skip
    owner, admin, member = make_user(), make_user(), make_user()
    tenant = make_tenant(owner, {admin: "admin", member: "member"})
    invitation = invite(app, auth(owner), tenant, new_address(), role="admin")
    resend = f"/tenants/{tenant}/invitations/{invitation['id']}/resend"
    too_soon = app.post(resend, headers=auth(owner))
    assert_problem(too_soon, 429, "resend_too_soon")
    assert 1 <= int(too_soon.headers["Retry-After"]) <= 60
    # An admin may not grant admin, so may not resend it either; a member manages nothing.
    assert_problem(app.post(resend, headers=auth(admin)), 403, "insufficient_role")
    assert_problem(app.post(resend, headers=auth(member)), 403, "insufficient_role")
    elsewhere = make_tenant(owner)
    from_elsewhere = f"/tenants/{elsewhere}/invitations/{invitation['id']}/resend"
    assert_problem(app.post(from_elsewhere, headers=auth(owner)), 404, "invitation_not_found")
    revoked = invite(app, auth(owner), tenant, new_address())
    app.delete(f"/tenants/{tenant}/invitations/{revoked['id']}", headers=auth(owner))
    assert_problem(
        app.post(f"/tenants/{tenant}/invitations/{revoked['id']}/resend", headers=auth(owner)),
        404, "invitation_not_found",
    )  # fmt: skip
    assert len(catcher.messages()) == 2  # the two invitations' own mails, no resend
