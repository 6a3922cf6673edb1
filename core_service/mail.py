"""Invitation e-mails: the invitee hears about an invitation (issue 29).

An address without a confirmed account gets Supabase Auth's invite (its
admin API, `POST /auth/v1/invite`, with the service role key): Supabase
creates the user and mails the link that lets them set a password, and
refuses (`422 email_exists`) an address whose account is confirmed. Those
get a mail of ours through Amazon SES (`sesv2` `SendEmail`) instead, with a
link to the invitation. The core tells the two apart through
`private.invitation_mail()`, which reads `auth.users` as its definer.

A mail is sent after the transaction that made (or resent) the invitation
commits, as a background task: the API has answered by then, and a mail
service that fails or hangs never loses or delays the invitation. Its
outcome is written to the invitation (`mail_status`, `mailed_at`) by the
service role.

Supabase's invite carries nothing of the tenant: Supabase keeps an invite's
`data` in the new user's metadata and mails it again, unchanged, when
another tenant invites the same unconfirmed address, so that tenant's mail
would show the first one's name. Its link ends at our invitation link
(`redirect_to`), where the app shows whom the invitation is from.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core_service.db import Database

log = logging.getLogger(__name__)

MailStatus = Literal["pending", "sent", "failed"]
# Seconds a mail service has to answer; a background task, so no caller waits.
MAIL_TIMEOUT = 10.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(text: str) -> str:
    """`text` with no line break or other control character: safe in a header."""
    return " ".join(_CONTROL.sub(" ", text).split())


@dataclass(frozen=True, slots=True)
class InvitationMail:
    """What an invitation's mail says; nothing in it comes from another tenant."""

    invitation_id: uuid.UUID
    to: str
    tenant_name: str
    inviter: str | None
    role: str
    link: str
    expires_at: datetime

    @property
    def subject(self) -> str:
        return one_line(f"You are invited to join {self.tenant_name} on SnSD")

    @property
    def _who(self) -> str:
        return one_line(self.inviter) if self.inviter else "A manager of this tenant"

    @property
    def _until(self) -> str:
        return self.expires_at.strftime("%d %B %Y, %H:%M UTC")

    def text(self) -> str:
        return (
            f"{self._who} invited you to join {one_line(self.tenant_name)} on SnSD"
            f" as {self.role}.\n\n"
            f"Accept or decline the invitation here:\n{self.link}\n\n"
            f"The invitation is open until {self._until}. If you did not expect it,"
            " ignore this mail: nothing happens until you accept.\n"
        )

    def html(self) -> str:
        e = html.escape
        return (
            "<!doctype html><html><body>"
            f"<p>{e(self._who)} invited you to join <strong>{e(one_line(self.tenant_name))}"
            f"</strong> on SnSD as {e(self.role)}.</p>"
            f'<p><a href="{e(self.link)}">Accept or decline the invitation</a></p>'
            f"<p>The invitation is open until {e(self._until)}. If you did not expect it,"
            " ignore this mail: nothing happens until you accept.</p>"
            "</body></html>"
        )


class MailFailed(Exception):
    """The mail service refused the mail or did not answer."""


class AccountExists(MailFailed):
    """Supabase Auth will not invite an address whose account is confirmed."""


class Mailer(Protocol):
    async def send(self, mail: InvitationMail) -> None: ...


class Inviter(Protocol):
    async def invite(self, email: str, redirect_to: str) -> None: ...


def ses_client(region: str, endpoint_url: str | None) -> Any:
    return boto3.client(
        "sesv2",
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(
            connect_timeout=5,
            read_timeout=MAIL_TIMEOUT,
            retries={"mode": "standard", "max_attempts": 3},
        ),
    )


class SesMailer:
    """Our own mail, through Amazon SES v2 `SendEmail` (a simple message: SES builds
    the headers, and the subject it gets holds no line break anyway)."""

    def __init__(self, client: Any, sender: str, configuration_set: str | None = None) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    async def send(self, mail: InvitationMail) -> None:
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [mail.to]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": mail.text(), "Charset": "UTF-8"},
                        "Html": {"Data": mail.html(), "Charset": "UTF-8"},
                    },
                }
            },
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            await asyncio.to_thread(self._client.send_email, **request)
        except (ClientError, BotoCoreError) as exc:
            raise MailFailed(f"SES: {exc}") from None


class SupabaseInviter:
    """Supabase Auth's admin invite: it creates the user and mails them the link."""

    def __init__(self, supabase_url: str, service_role_key: str | None) -> None:
        self._url = f"{supabase_url}/auth/v1/invite"
        self._key = service_role_key

    async def invite(self, email: str, redirect_to: str) -> None:
        if not self._key:
            raise MailFailed("SUPABASE_SERVICE_ROLE_KEY is not set")
        await asyncio.to_thread(self._post, email, redirect_to)

    def _post(self, email: str, redirect_to: str) -> None:
        # SUPABASE_URL is a checked http(s) setting, never a caller's input.
        request = Request(  # noqa: S310
            f"{self._url}?{urlencode({'redirect_to': redirect_to})}",
            data=json.dumps({"email": email}).encode(),
            method="POST",
            headers={
                "apikey": str(self._key),
                "Authorization": f"Bearer {self._key}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urlopen(request, timeout=MAIL_TIMEOUT) as answer:  # noqa: S310
                answer.read()
        except HTTPError as exc:
            code = _error_code(exc.read())
            if exc.code == 422 and code == "email_exists":
                raise AccountExists(email) from None
            raise MailFailed(f"Supabase Auth: {exc.code} {code}") from None
        except (URLError, OSError) as exc:
            raise MailFailed(f"Supabase Auth: {exc}") from None


def _error_code(body: bytes) -> str:
    """Supabase Auth's error code, whichever of its two error shapes it answered."""
    try:
        error = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(error, dict):
        return ""
    return str(error.get("error_code") or error.get("code") or "")


class InvitationMailer:
    """Sends an invitation's mail and records the outcome on the invitation."""

    def __init__(
        self, database: Database, mailer: Mailer, inviter: Inviter, link_base: str
    ) -> None:
        self._database = database
        self._mailer = mailer
        self._inviter = inviter
        self._link_base = link_base

    def link(self, invitation_id: uuid.UUID) -> str:
        return f"{self._link_base}/{invitation_id}"

    async def deliver(self, invitation_id: uuid.UUID) -> MailStatus | None:
        """Mail the invitation, if it is still open; never raises (a background task)."""
        try:
            async with self._database.as_service() as conn:
                cursor = await conn.execute(
                    "select * from private.invitation_mail(%s)", (invitation_id,)
                )
                row = await cursor.fetchone()
            if row is None:
                return None  # accepted, declined, revoked or expired meanwhile
            status = await self.send_invitation(
                InvitationMail(
                    invitation_id=row["id"],
                    to=row["email"],
                    tenant_name=row["tenant_name"],
                    inviter=row["inviter_email"],
                    role=row["role"],
                    link=self.link(row["id"]),
                    expires_at=row["expires_at"],
                ),
                has_account=row["has_account"],
            )
            async with self._database.as_service() as conn:
                await conn.execute(
                    "update public.tenant_invitations set mail_status = %s,"
                    " mailed_at = case when %s then now() else mailed_at end"
                    " where id = %s and status = 'pending'",
                    (status, status == "sent", invitation_id),
                )
            return status
        except Exception:
            log.exception("invitation %s: its mail could not be recorded", invitation_id)
            return None

    async def send_invitation(self, mail: InvitationMail, *, has_account: bool) -> MailStatus:
        """Supabase's invite for an address without an account, ours through SES otherwise."""
        try:
            if not has_account:
                try:
                    await self._inviter.invite(mail.to, mail.link)
                    return "sent"
                except AccountExists:
                    pass  # confirmed since we looked: it is ours to send
            await self._mailer.send(mail)
            return "sent"
        except MailFailed as exc:
            log.warning("invitation %s: mail failed: %s", mail.invitation_id, exc)
            return "failed"
