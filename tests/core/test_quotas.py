"""Tenant quotas in the core service (core_service/quotas.py): only the service role sets
them; the tenant's owners and admins (and the service role) read them, with what the
tenant uses and has reserved."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.support.core import User
from tests.support.problems import assert_problem
from tests.support.tokens import JWT_SECRET, claims, hs256


def service_key(secret: str = JWT_SECRET, **overrides: Any) -> str:
    """Supabase's service-role key, as the project's settings show it (no user, no audience)."""
    now = int(time.time())
    body = {"iss": "supabase", "ref": "snsd", "role": "service_role", "iat": now}
    body["exp"] = now + 3600
    body.update(overrides)
    return hs256({k: v for k, v in body.items() if v is not None}, secret)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def put_quota(client: TestClient, tenant: str, token: str, **body: Any) -> Any:
    return client.put(f"/tenants/{tenant}/quota", json=body, headers=bearer(token))


def test_the_service_role_sets_a_quota_and_reads_it_back(
    client: TestClient, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    tenant = make_tenant(make_user())
    answer = put_quota(client, tenant, service_key(), max_bytes=1000, max_objects=10)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["tenant_id"] == tenant
    assert (body["max_bytes"], body["max_objects"]) == (1000, 10)
    assert body["used"] == {"size": 0, "objects": 0}
    assert body["reserved"] == {"size": 0, "objects": 0}
    assert body["updated_at"] is not None
    read = client.get(f"/tenants/{tenant}/quota", headers=bearer(service_key()))
    assert read.json() == body
    # Null lifts a limit.
    lifted = put_quota(client, tenant, service_key(), max_bytes=None, max_objects=10).json()
    assert (lifted["max_bytes"], lifted["max_objects"]) == (None, 10)


def test_only_the_service_role_sets_a_quota(
    client: TestClient,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    token_for: Callable[..., str],
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    # An owner, with their own token.
    assert_problem(
        put_quota(client, tenant, token_for(owner), max_bytes=1), 403, "insufficient_role"
    )
    # A user's token that says it is the service role (a hook can write `role`): still a user's.
    forged_role = token_for(owner, role="service_role")
    assert_problem(put_quota(client, tenant, forged_role, max_bytes=1), 401, "unauthorized")
    # A service-role key signed with another secret.
    wrong_key = service_key("another-secret-with-at-least-32-characters!!")
    assert_problem(put_quota(client, tenant, wrong_key, max_bytes=1), 401, "unauthorized")
    # The service role's claims with a user's audience, or expired.
    with_audience = service_key(aud="authenticated")
    assert_problem(put_quota(client, tenant, with_audience, max_bytes=1), 401, "unauthorized")
    expired = service_key(exp=int(time.time()) - 3600)
    assert_problem(put_quota(client, tenant, expired, max_bytes=1), 401, "unauthorized")
    # Nothing of it reached the table.
    read = client.get(f"/tenants/{tenant}/quota", headers=bearer(service_key())).json()
    assert (read["max_bytes"], read["max_objects"], read["updated_at"]) == (None, None, None)
    # The service role's key does not pass as a user either.
    assert_problem(client.get("/tenants", headers=bearer(service_key())), 401, "unauthorized")


def test_a_service_role_token_forged_as_a_user_token_with_the_role_is_refused(
    client: TestClient, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    """A token shaped like a user's (sub, aud) whose role claim was set to service_role."""
    tenant = make_tenant(make_user())
    forged = hs256(claims(role="service_role"))
    assert_problem(put_quota(client, tenant, forged, max_bytes=1), 401, "unauthorized")


def test_a_quota_is_refused_for_a_missing_tenant_and_a_bad_limit(
    client: TestClient, make_user: Callable[..., User], make_tenant: Callable[..., str]
) -> None:
    missing = str(uuid.uuid4())
    assert_problem(put_quota(client, missing, service_key(), max_bytes=1), 404, "tenant_not_found")
    assert_problem(
        client.get(f"/tenants/{missing}/quota", headers=bearer(service_key())),
        404,
        "tenant_not_found",
    )
    tenant = make_tenant(make_user())
    assert_problem(put_quota(client, tenant, service_key(), max_bytes=-1), 400, "validation_error")
    assert_problem(put_quota(client, tenant, service_key(), extra=1), 400, "validation_error")


def test_owners_and_admins_read_the_quota_and_no_one_else(
    client: TestClient,
    db: psycopg.Connection[dict[str, Any]],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    auth: Callable[..., dict[str, str]],
) -> None:
    owner, admin, member, viewer, stranger = (make_user() for _ in range(5))
    tenant = make_tenant(owner, {admin: "admin", member: "member", viewer: "viewer"})
    assert put_quota(client, tenant, service_key(), max_bytes=5000).status_code == 200
    # What the ledger counts and what uploads in progress reserve.
    db.execute(
        "insert into public.file_usage (tenant_id, folder, version_bytes, version_objects)"
        " values (%s, 'docs', 1200, 3)",
        (tenant,),
    )
    db.execute(
        "insert into public.file_reservations (tenant_id, path, bytes, objects, expires_at)"
        " values (%s, 'docs/up.bin', 300, 1, now() + interval '1 hour'),"
        " (%s, 'docs/old.bin', 999, 1, now() - interval '1 second')",
        (tenant, tenant),
    )
    for reader in (owner, admin):
        answer = client.get(f"/tenants/{tenant}/quota", headers=auth(reader))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["max_bytes"] == 5000
        assert body["used"] == {"size": 1200, "objects": 3}
        assert body["reserved"] == {"size": 300, "objects": 1}  # the lapsed one not
    for refused in (member, viewer):
        answer = client.get(f"/tenants/{tenant}/quota", headers=auth(refused))
        assert_problem(answer, 403, "insufficient_role")
    answer = client.get(f"/tenants/{tenant}/quota", headers=auth(stranger))
    assert_problem(answer, 404, "tenant_not_found")
    assert_problem(client.get(f"/tenants/{tenant}/quota"), 401, "unauthorized")


def test_row_level_security_keeps_quotas_to_owners_and_admins_and_writes_to_the_service_role(
    db: psycopg.Connection[dict[str, Any]],
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
) -> None:
    owner, member = make_user(), make_user()
    tenant = make_tenant(owner, {member: "member"})
    db.execute("insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, 10)", (tenant,))

    def as_user(user: User, statement: str) -> list[Any]:
        with db.transaction():
            db.execute(
                "select set_config('role', 'authenticated', true),"
                " set_config('request.jwt.claims', %s, true)",
                (f'{{"sub": "{user.id}", "role": "authenticated"}}',),
            )
            cursor = db.execute(statement, (tenant,))
            return cursor.fetchall() if cursor.description else []

    assert len(as_user(owner, "select * from public.tenant_quotas where tenant_id = %s")) == 1
    assert as_user(member, "select * from public.tenant_quotas where tenant_id = %s") == []
    assert as_user(member, "select * from private.file_quota_usage(%s)") == []
    for write in (
        "update public.tenant_quotas set max_bytes = null where tenant_id = %s",
        "delete from public.tenant_quotas where tenant_id = %s",
        "select * from public.file_reservations where tenant_id = %s",
    ):
        try:
            as_user(owner, write)
        except psycopg.errors.InsufficientPrivilege:
            continue
        raise AssertionError(f"{write} was allowed to an owner")


def test_every_quota_change_is_an_audit_row(
    client: TestClient,
    db_url: str,
    make_user: Callable[..., User],
    make_tenant: Callable[..., str],
    token_for: Callable[..., str],
) -> None:
    owner = make_user()
    tenant = make_tenant(owner)
    trace = "Root=1-674b1c2d-0123456789abcdef0123abcd"
    headers = {**bearer(service_key()), "X-Amzn-Trace-Id": trace}
    first = client.put(f"/tenants/{tenant}/quota", json={"max_bytes": 1000}, headers=headers)
    assert first.status_code == 200, first.text
    assert put_quota(client, tenant, service_key(), max_objects=5).status_code == 200
    with psycopg.connect(db_url, autocommit=True) as conn:  # an operator's own SQL
        conn.execute("delete from public.tenant_quotas where tenant_id = %s", (tenant,))

    page = client.get(
        f"/tenants/{tenant}/audit",
        headers=bearer(token_for(owner)),
        params={"action": "quota_changed"},
    ).json()["items"][::-1]
    seen = [(item["source"], item["actor"], item["outcome"], item["detail"]) for item in page]
    assert seen == [
        (
            "core",
            None,
            "succeeded",
            {"max_bytes": 1000, "max_objects": None, "updated_by": "service_role"},
        ),
        (
            "core",
            None,
            "succeeded",
            {
                "max_bytes": None,
                "max_objects": 5,
                "updated_by": "service_role",
                "from": {"max_bytes": 1000, "max_objects": None},
            },
        ),
        (
            "core",
            None,
            "succeeded",
            {"max_bytes": None, "max_objects": None, "from": {"max_bytes": None, "max_objects": 5}},
        ),
    ]
    assert page[0]["request_id"] == trace
