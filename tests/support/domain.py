"""The hardening tests' view of a running stack: users made on it, the tokens it handed out,
and its log searched for secrets."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from dev import DEV_JWT_SECRET, seaweedfs
from tests.support.stack import Stack

# What the stack is configured with and must never log.
CONFIGURED_SECRETS = frozenset({DEV_JWT_SECRET, seaweedfs.SECRET_KEY})
# The log level production runs the Lambda at (template.yaml's `LogLevel` default):
# the leak tests must see every line production would write.
PRODUCTION_LOGGING = {"POWERTOOLS_LOG_LEVEL": "INFO"}


# Anything shaped like a JWT (a bearer token) or a base64 JSON policy starts with `eyJ`.
JWT_SHAPE = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}")
POLICY_SHAPE = re.compile(r"eyJ[A-Za-z0-9+/=]{40,}")
SIGNATURES = re.compile(r"(?i)(x-amz-signature|x-amz-credential|x-amz-security-token)")


def logged(domain: Domain) -> list[str]:
    """The stack's log lines, without the banner `make dev` prints for the developer
    (it shows a demo token on purpose: that is a terminal, not a log)."""
    lines = domain.stack.output().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("SnSD local stack"))
    # The banner ends with the curl line that uses its exports.
    end = next(
        i
        for i, line in enumerate(lines)
        if i > start and line.startswith('curl -H "Authorization: Bearer $TOKEN"')
    )
    return lines[:start] + lines[end + 1 :]


def find_leaks(lines: list[str], secrets: set[str]) -> list[str]:
    found = []
    for number, line in enumerate(lines, 1):
        hits = [secret[:12] + "..." for secret in secrets if secret and secret in line]
        hits += [match.group(0)[:20] for match in JWT_SHAPE.finditer(line)]
        hits += [match.group(0)[:20] for match in POLICY_SHAPE.finditer(line)]
        hits += [match.group(0) for match in SIGNATURES.finditer(line)]
        if hits:
            found.append(f"line {number}: {hits}: {line[:300]}")
    return found


@dataclass
class User:
    email: str
    user_id: str
    refresh_token: str
    token: str


@dataclass
class Domain:
    """A running stack and the users made on it; every token it hands out is remembered
    (the leak tests look for each of them in the stack's log)."""

    stack: Stack
    issued: set[str] = field(default_factory=set)

    @property
    def api(self) -> str:
        return self.stack.api

    def _session(self, answer: httpx.Response) -> dict[str, Any]:
        assert answer.status_code == 200, answer.text
        session: dict[str, Any] = answer.json()
        self.issued.add(session["access_token"])
        return session

    def user(self, label: str = "user") -> User:
        email = f"{label}-{uuid.uuid4().hex[:12]}@example.com"
        session = self._session(
            httpx.post(
                f"{self.stack.auth}/auth/v1/signup",
                json={"email": email, "password": "any"},
                headers=self.stack.apikey,
            )
        )
        return User(email, session["user"]["id"], session["refresh_token"], session["access_token"])

    def refresh(self, user: User) -> str:
        """A new token for `user`, carrying their memberships as they are now."""
        session = self._session(
            httpx.post(
                f"{self.stack.auth}/auth/v1/token",
                params={"grant_type": "refresh_token"},
                json={"refresh_token": user.refresh_token},
                headers=self.stack.apikey,
            )
        )
        user.refresh_token, user.token = session["refresh_token"], session["access_token"]
        return user.token

    def owner_of_new_tenant(self, name: str = "Acme") -> tuple[User, str]:
        """A new user who creates a tenant (their token refreshed to carry it)."""
        owner = self.user("owner")
        created = httpx.post(
            f"{self.api}/tenants",
            json={"name": name},
            headers={"Authorization": f"Bearer {owner.token}"},
        )
        assert created.status_code == 201, created.text
        self.refresh(owner)
        return owner, str(created.json()["id"])

    def join(self, user: User, tenant: str, inviter: User, role: str = "member") -> str:
        """`inviter` invites `user` to `tenant` and `user` accepts (their token refreshed to
        carry it); the invitation's id."""
        with self.client(inviter.token) as api:
            invited = api.post(
                f"/tenants/{tenant}/invitations", json={"email": user.email, "role": role}
            )
            assert invited.status_code == 201, invited.text
        invitation = str(invited.json()["id"])
        with self.client(user.token) as api:
            accepted = api.post(f"/invitations/{invitation}/accept")
            assert accepted.status_code == 200, accepted.text
        self.refresh(user)
        return invitation

    def client(self, token: str | None, tenant: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if tenant:
            headers["X-Tenant-ID"] = tenant
        return httpx.Client(base_url=self.api, headers=headers, timeout=60, **kwargs)
