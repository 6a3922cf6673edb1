"""The core service's tenant matrix over real HTTP: every core endpoint, called on one
tenant by each role (viewer, member, admin, owner), by a user with no membership and by
the owner of another tenant. Allowed and refused exactly as API.md says (an admin manages
members and viewers and invites them; an owner manages admins, owners and the tenant
itself; only its invitee accepts an invitation; a tenant keeps one owner), and no
response, body or header, ever names another tenant's id, its members' ids, its
invitations or their e-mail addresses.

tests/core/test_routes.py and test_invitations.py check single rules (who may invite
whom, the last owner, a stranger's 404s); this is the full cross product, through the
load balancer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.support.domain import Domain, User
from tests.support.problems import PROBLEM

ROLES = ("viewer", "member", "admin", "owner")
RANK = {role: rank for rank, role in enumerate(ROLES)}
OUTSIDERS = ("no membership", "other tenant's owner")
CALLERS = (*ROLES, *OUTSIDERS)


def may_manage(caller: str, target: str) -> bool:
    """API.md: admins manage members and viewers; owners manage every role."""
    return caller == "owner" or (caller == "admin" and RANK[target] <= RANK["member"])


@dataclass
class World:
    domain: Domain
    tenant: str
    owner: User  # the tenant's first owner, who sets things up
    callers: dict[str, User]
    other_tenant: str
    other_members: list[User]
    # Everything of one tenant that the other tenant's people must never see.
    secrets_of: dict[str, set[str]] = field(default_factory=dict)

    def add(self, role: str) -> str:
        """A new user who joined the tenant with `role` (invited, accepted): their id."""
        user = self.domain.user("target")
        self.secrets_of[self.tenant] |= {user.user_id, user.email}
        self.domain.join(user, self.tenant, self.owner, role)
        return user.user_id

    def invite(self, role: str) -> str:
        """A pending invitation (by the owner) of a fresh address with `role`: its id."""
        email = f"invitee-{uuid.uuid4().hex[:10]}@example.com"
        invited = httpx.post(
            f"{self.domain.api}/tenants/{self.tenant}/invitations",
            json={"email": email, "role": role},
            headers={"Authorization": f"Bearer {self.owner.token}"},
        )
        assert invited.status_code == 201, invited.text
        self.secrets_of[self.tenant] |= {invited.json()["id"], email}
        return str(invited.json()["id"])


@pytest.fixture(scope="module")
def world(domain: Domain) -> World:
    owner, tenant = domain.owner_of_new_tenant("Matrix")
    other_owner, other_tenant = domain.owner_of_new_tenant("Elsewhere")
    other_member = domain.user("other-member")
    domain.join(other_member, other_tenant, other_owner)
    callers = {role: domain.user(role) for role in ROLES}
    callers["no membership"] = domain.user("nobody")
    callers["other tenant's owner"] = other_owner
    for role in ROLES:  # the "owner" caller is a second owner: the first one stays
        domain.join(callers[role], tenant, owner, role)
    ours = [owner, *(callers[role] for role in ROLES)]
    theirs = [other_owner, other_member]
    world = World(domain, tenant, owner, callers, other_tenant, theirs)
    world.secrets_of[tenant] = {tenant} | {x for u in ours for x in (u.user_id, u.email)}
    world.secrets_of[other_tenant] = {other_tenant} | {
        x for u in theirs for x in (u.user_id, u.email)
    }
    return world


@dataclass
class Calls:
    """One caller's answers, each checked for the other tenant's ids and for its shape."""

    world: World
    caller: str
    client: httpx.Client
    leaks: list[str] = field(default_factory=list)

    @property
    def foreign(self) -> set[str]:
        if self.caller in ROLES:
            return self.world.secrets_of[self.world.other_tenant]
        own = self.world.other_tenant if self.caller == "other tenant's owner" else None
        return set().union(
            *(secrets for tenant, secrets in self.world.secrets_of.items() if tenant != own)
        )

    def __call__(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        answer = self.client.request(method, url, **kwargs)
        seen = answer.text + "\n" + "\n".join(f"{k}: {v}" for k, v in answer.headers.items())
        for secret in self.foreign:
            if secret.lower() in seen.lower():
                self.leaks.append(f"{method} {url} -> {answer.status_code} shows {secret}")
        if answer.status_code >= 400:
            assert answer.headers["content-type"] == PROBLEM, (method, url, answer.text)
        return answer


def expect(answer: httpx.Response, allowed: bool, status: int, outsider: bool) -> None:
    where = f"{answer.request.method} {answer.request.url.path}"
    if outsider:
        # Not a member and no such tenant answer alike: nothing is learnt.
        assert (answer.status_code, answer.json()["code"]) == (404, "tenant_not_found"), where
    elif allowed:
        assert answer.status_code == status, (where, answer.text)
    else:
        assert (answer.status_code, answer.json()["code"]) == (403, "insufficient_role"), (
            where,
            answer.text,
        )


@pytest.fixture(params=CALLERS)
def calls(request: pytest.FixtureRequest, world: World) -> Iterator[Calls]:
    caller = str(request.param)
    token = world.domain.refresh(world.callers[caller])
    with world.domain.client(token) as client:
        recorded = Calls(world, caller, client)
        yield recorded
    assert not recorded.leaks, "\n".join(recorded.leaks)


def test_every_core_endpoint_by_every_kind_of_caller(calls: Calls) -> None:
    world, caller = calls.world, calls.caller
    outsider = caller in OUTSIDERS
    tenant = f"/tenants/{world.tenant}"
    mine = {world.tenant} if not outsider else set()
    if caller == "other tenant's owner":
        mine = {world.other_tenant}

    me = calls("GET", "/me")
    assert me.status_code == 200
    assert set(me.json()["tenants"]) == mine
    assert {t["id"] for t in calls("GET", "/tenants").json()["tenants"]} == mine
    # The header that picks a tenant for the file API changes nothing here.
    foreign_header = {"X-Tenant-ID": world.other_tenant if not outsider else world.tenant}
    assert set(calls("GET", "/me", headers=foreign_header).json()["tenants"]) == mine

    read = calls("GET", tenant)
    expect(read, True, 200, outsider)
    if not outsider:
        assert read.json()["role"] == caller
    expect(calls("PATCH", tenant, json={"name": f"By {caller}"}), caller == "owner", 200, outsider)
    listed = calls("GET", f"{tenant}/members")
    expect(listed, True, 200, outsider)
    if not outsider:
        assert world.owner.user_id in {m["user_id"] for m in listed.json()["members"]}

    invitations = f"{tenant}/invitations"
    for role in ROLES:
        email = f"new-{uuid.uuid4().hex[:10]}@example.com"
        world.secrets_of[world.tenant].add(email)
        answer = calls("POST", invitations, json={"email": email, "role": role})
        expect(answer, may_manage(caller, role), 201, outsider)
        if answer.status_code == 201:
            world.secrets_of[world.tenant].add(answer.json()["id"])
            assert (answer.json()["email"], answer.json()["status"]) == (email, "pending")
    pending = calls("GET", invitations)
    expect(pending, caller in ("admin", "owner"), 200, outsider)
    if pending.status_code == 200:
        assert pending.json()["invitations"]
    for role in ROLES:
        invitation = world.invite(role)
        answer = calls("DELETE", f"{invitations}/{invitation}")
        expect(answer, may_manage(caller, role), 204, outsider)
    # An invitation is its invitee's to accept or decline: to anyone else it does not exist.
    invitation = world.invite("viewer")
    for action in ("accept", "decline"):
        answer = calls("POST", f"/invitations/{invitation}/{action}")
        assert (answer.status_code, answer.json()["code"]) == (404, "invitation_not_found")
    assert calls("GET", "/invitations").json() == {"invitations": []}

    for old, new in [
        ("viewer", "member"),
        ("member", "viewer"),
        ("member", "admin"),
        ("admin", "member"),
        ("admin", "owner"),
        ("owner", "admin"),
    ]:
        target = world.add(old)
        answer = calls("PATCH", f"{tenant}/members/{target}", json={"role": new})
        expect(answer, may_manage(caller, old) and may_manage(caller, new), 200, outsider)
        if answer.status_code == 200:
            assert answer.json()["role"] == new

    for role in ROLES:
        target = world.add(role)
        answer = calls("DELETE", f"{tenant}/members/{target}")
        expect(answer, may_manage(caller, role), 204, outsider)

    # Unknown members and tenants: never a hint of what exists elsewhere.
    stranger = world.other_members[1].user_id  # a member of the other tenant
    answer = calls("PATCH", f"{tenant}/members/{stranger}", json={"role": "viewer"})
    assert answer.status_code in ((404,) if outsider or caller != "viewer" else (403, 404))
    assert calls("GET", f"/tenants/{uuid.uuid4()}").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_anyone_may_leave_but_the_last_owner_stays(world: World, role: str) -> None:
    domain = world.domain
    leaver = domain.user(f"leaver-{role}")
    domain.join(leaver, world.tenant, world.owner, role)
    with domain.client(leaver.token) as api:
        assert api.delete(f"/tenants/{world.tenant}/members/{leaver.user_id}").status_code == 204
        assert api.get(f"/tenants/{world.tenant}").status_code == 404

    if role == "owner":
        sole, tenant = domain.owner_of_new_tenant("Alone")
        with domain.client(sole.token) as api:
            members = f"/tenants/{tenant}/members/{sole.user_id}"
            for answer in (api.delete(members), api.patch(members, json={"role": "admin"})):
                assert (answer.status_code, answer.json()["code"]) == (409, "last_owner")
            assert api.get(f"/tenants/{tenant}").json()["role"] == "owner"
