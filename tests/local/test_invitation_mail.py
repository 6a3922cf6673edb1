"""Invitation e-mails in `make dev` (issue 29): the mail catcher catches them all.

A manager invites through the API; the invitee reads the mail from the
catcher (Mailpit's API), follows its link as a browser would and lands, signed
in, on the invitation page whose last segment is the invitation's id, with
which they accept: the member appears.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dev import DEMO_EMAIL, DEMO_TENANT
from tests.support.stack import Stack

pytestmark = pytest.mark.slow


def wait_for_mail(stack: Stack, address: str, count: int = 1) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(mails := stack.mails_to(address)) < count:
        assert time.monotonic() < deadline, f"no mail to {address}"
        time.sleep(0.1)
    return mails


def test_an_invitee_reads_the_mail_follows_its_link_and_joins(stack: Stack) -> None:
    owner = {"Authorization": f"Bearer {stack.session(DEMO_EMAIL)['access_token']}"}
    address = f"mailed-{uuid.uuid4().hex[:8]}@example.com"
    started = time.monotonic()
    invited = httpx.post(
        f"{stack.api}/tenants/{DEMO_TENANT}/invitations",
        json={"email": address, "role": "member"},
        headers=owner,
    )
    assert invited.status_code == 201, invited.text
    invitation = invited.json()["id"]

    [mail] = wait_for_mail(stack, address)
    print(f"invitation to its mail in the catcher: {time.monotonic() - started:.3f} s")
    assert mail["Subject"] == "You have been invited"  # Supabase Auth's: no account yet
    link = next(word for word in mail["Text"].split() if "/auth/v1/verify?" in word)
    # The link, opened by a browser: Supabase's redirect to the app's invitation page,
    # with the new session in the fragment.
    followed = httpx.get(link)
    assert followed.status_code == 303
    landing = urlsplit(followed.headers["Location"])
    assert landing.path == f"/invitations/{invitation}"
    session = parse_qs(landing.fragment)
    headers = {"Authorization": f"Bearer {session['access_token'][0]}"}

    page_id = landing.path.rsplit("/", 1)[1]
    accepted = httpx.post(f"{stack.api}/invitations/{page_id}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.text
    members = httpx.get(f"{stack.api}/tenants/{DEMO_TENANT}/members", headers=owner).json()
    assert (address, "member") in {(m["email"], m["role"]) for m in members["members"]}


def test_an_invitee_with_an_account_gets_our_mail_with_the_link(stack: Stack) -> None:
    owner = {"Authorization": f"Bearer {stack.session(DEMO_EMAIL)['access_token']}"}
    address = f"known-{uuid.uuid4().hex[:8]}@example.com"
    session = stack.session(address)  # signs up: an account
    invited = httpx.post(
        f"{stack.api}/tenants/{DEMO_TENANT}/invitations",
        json={"email": address, "role": "viewer"},
        headers=owner,
    )
    assert invited.status_code == 201, invited.text
    [mail] = wait_for_mail(stack, address)
    assert mail["Subject"] == "You are invited to join Demo on SnSD"
    link = next(word for word in mail["Text"].split() if "/invitations/" in word)
    assert "viewer" in mail["Text"]
    assert DEMO_EMAIL in mail["Text"]
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    accepted = httpx.post(
        f"{stack.api}/invitations/{link.rsplit('/', 1)[1]}/accept", headers=headers
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "viewer"
