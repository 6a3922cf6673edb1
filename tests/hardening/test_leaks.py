"""Leaks: every endpoint of the domain, successes and errors, presigned URLs and POSTs
included, then every line the stack logged (the Lambda's Powertools logger, the core's
logging, uvicorn's access log, the root logger; all go to the stack's output) is searched
for secrets: bearer tokens, presigned signatures and policies, and the configured keys."""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt

from dev import DEV_JWT_SECRET, seaweedfs
from tests.support.domain import CONFIGURED_SECRETS, Domain, find_leaks, logged
from tests.support.pages import DOCS_ASSETS, built_assets
from tests.support.problems import PROBLEM


def presigned_secrets(url: str) -> set[str]:
    query = parse_qs(urlsplit(url).query)
    return {value for name in ("X-Amz-Signature", "X-Amz-Credential") for value in query[name]}


def test_no_secret_reaches_any_log_line(domain: Domain) -> None:
    secrets = set(CONFIGURED_SECRETS)
    owner, tenant = domain.owner_of_new_tenant("Leaks")
    colleague = domain.user("colleague")
    stranger, other_tenant = domain.owner_of_new_tenant("Elsewhere")
    now = int(time.time())
    issuer = f"{domain.stack.auth}/auth/v1"
    base = {"sub": owner.user_id, "aud": "authenticated", "iss": issuer, "iat": now}
    refused_tokens = {
        # Well-formed but refused: expired, forged, alg none, another audience.
        "expired": jwt.encode({**base, "exp": now - 3600}, DEV_JWT_SECRET, algorithm="HS256"),
        "forged": jwt.encode(
            {**base, "exp": now + 600}, "another-secret-of-at-least-32-bytes!!", algorithm="HS256"
        ),
        "none": jwt.encode({**base, "exp": now + 600}, None, algorithm="none"),
        "audience": jwt.encode(
            {**base, "exp": now + 600, "aud": "anon"}, DEV_JWT_SECRET, algorithm="HS256"
        ),
        "garbage": "eyJhbGciOiJIUzI1NiJ9.not-a-token-at-all.c2lnbmF0dXJlLXZhbHVl",
    }
    secrets |= set(refused_tokens.values())

    built_assets(DOCS_ASSETS)  # /docs answers 200 with its Swagger UI built
    with domain.client(owner.token, tenant) as api:
        # -- core ---------------------------------------------------------------------------------
        for path in ("/health", "/ready", "/docs", "/openapi.json", "/me", "/tenants"):
            assert api.get(path).status_code == 200, path
        assert api.get(f"/tenants/{tenant}").status_code == 200
        assert api.patch(f"/tenants/{tenant}", json={"name": "Leaks 2"}).status_code == 200
        members = f"/tenants/{tenant}/members"
        assert api.get(members).status_code == 200
        invitations = f"/tenants/{tenant}/invitations"
        joining = api.post(invitations, json={"email": colleague.email, "role": "member"})
        assert joining.status_code == 201, joining.text
        declining = api.post(invitations, json={"email": stranger.email})
        assert declining.status_code == 201, declining.text
        revoked = api.post(invitations, json={"email": f"new-{uuid.uuid4().hex[:8]}@example.com"})
        assert revoked.status_code == 201, revoked.text
        assert api.get(invitations).status_code == 200
        assert api.delete(f"{invitations}/{revoked.json()['id']}").status_code == 204
        with domain.client(colleague.token) as invitee:
            assert invitee.get("/invitations").status_code == 200
            accepted = invitee.post(f"/invitations/{joining.json()['id']}/accept")
            assert accepted.status_code == 200, accepted.text
        with domain.client(stranger.token) as invitee:
            declined = invitee.post(f"/invitations/{declining.json()['id']}/decline")
            assert declined.status_code == 204, declined.text
        assert (
            api.patch(f"{members}/{colleague.user_id}", json={"role": "viewer"}).status_code == 200
        )
        assert api.delete(f"{members}/{colleague.user_id}").status_code == 204
        # Core errors: not found, validation, conflict, another tenant, a malformed body.
        assert api.get(f"/tenants/{other_tenant}").status_code == 404
        assert api.get("/tenants/not-a-uuid").status_code == 400
        assert api.delete(f"{members}/{owner.user_id}").status_code == 409
        assert api.post(invitations, json={"email": owner.email}).status_code == 409
        assert api.post(f"/invitations/{uuid.uuid4()}/accept").status_code == 404
        assert api.post("/tenants", content=b"\xc4\xb8T\xff{", headers={
            "content-type": "application/json"}).status_code == 400  # fmt: skip
        assert api.get("/nowhere").status_code == 404

        # -- files --------------------------------------------------------------------------------
        small, large = b"small file\n", b"L" * 850_000
        assert api.post("/files/upload", files={"file": ("a.txt", small)}).status_code == 201
        assert (
            api.post(
                "/files/upload", params={"folder": "big"}, files={"file": ("large.bin", large)}
            ).status_code
            == 201
        )
        both = [("files", ("b.txt", b"b")), ("files", ("a.txt", b"again"))]  # one conflicts
        assert api.post("/files/upload-multiple", files=both).status_code == 207
        assert api.get("/files/download/a.txt").content == small
        etag = api.get("/files/metadata/a.txt").json()["etag"]
        assert api.get("/files/download/a.txt", headers={"If-None-Match": etag}).status_code == 304
        redirect = api.get("/files/download/big/large.bin")
        assert redirect.status_code == 307
        secrets |= presigned_secrets(redirect.headers["location"])
        assert httpx.get(redirect.headers["location"]).content == large
        assert api.get("/files/list", params={"recursive": "true"}).status_code == 200
        assert api.post("/files/folder/create", json={"path": "empty"}).status_code == 201
        assert (
            api.post("/files/copy", json={"source": "a.txt", "destination": "c.txt"}).status_code
            == 201
        )
        assert (
            api.post("/files/move", json={"source": "c.txt", "destination": "d.txt"}).status_code
            == 200
        )
        url = api.get("/files/presigned-url/a.txt", params={"expires_in": 60})
        assert url.status_code == 200
        secrets |= presigned_secrets(url.json()["url"])
        assert httpx.get(url.json()["url"]).content == small
        post = api.post(
            "/files/presigned-upload",
            params={"file_path": "direct.txt", "content_type": "text/plain"},
        )
        assert post.status_code == 200, post.text
        fields: dict[str, Any] = post.json()["fields"]
        secrets |= {fields["x-amz-signature"], fields["policy"], fields["x-amz-credential"]}
        posted = httpx.post(
            post.json()["url"], data=fields, files={"file": ("direct.txt", b"direct", "text/plain")}
        )
        assert posted.status_code in (200, 201, 204), posted.text
        assert (
            api.post("/files/delete-multiple", json={"paths": ["b.txt", "d.txt"]}).status_code
            == 200
        )
        assert api.delete("/files/delete/direct.txt").status_code == 204
        assert api.delete("/files/folder/delete", params={"path": "big"}).status_code == 200
        # File errors: missing, invalid path, conflict, too large (ours, the ALB's), bad cursor.
        assert api.get("/files/download/missing.txt").status_code == 404
        assert api.get("/files/metadata/a%00b").status_code == 400
        assert api.post("/files/upload", files={"file": ("a.txt", b"x")}).status_code == 409
        assert (
            api.post("/files/upload", files={"file": ("z.bin", b"z" * 950_000)}).status_code == 413
        )
        assert (
            api.post("/files/upload", files={"file": ("z.bin", b"z" * 1_100_000)}).status_code
            == 413
        )
        assert api.get("/files/list", params={"cursor": "bm90LWEtY3Vyc29y"}).status_code == 400
        assert api.get("/files/list", headers={"X-Tenant-ID": other_tenant}).status_code == 403

    # -- refused callers, on both halves --------------------------------------------------------
    for token in refused_tokens.values():
        for path in ("/me", "/files/list"):
            answer = httpx.get(f"{domain.api}{path}", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 401, (path, answer.text)
            assert answer.headers["content-type"] == PROBLEM
    with domain.client(stranger.token) as api:
        assert api.get(f"/tenants/{tenant}/members").status_code == 404

    # -- the logs -------------------------------------------------------------------------------
    secrets |= domain.issued
    lines = logged(domain)
    assert len(lines) > 50, "the stack logged almost nothing: is logging wired up?"
    joined = "\n".join(lines)
    # The log is there, and at the levels production runs: access log, core and Lambda lines.
    assert '"GET /me HTTP/1.1" 200' in joined
    assert '"service":"file-api"' in joined
    assert not (leaks := find_leaks(lines, secrets)), "\n".join(leaks[:20])


def test_the_search_finds_what_it_looks_for() -> None:
    token = jwt.encode({"sub": "x"}, DEV_JWT_SECRET, algorithm="HS256")
    lines = [
        "INFO ok line",
        f"Authorization: Bearer {token}",
        "GET /x?X-Amz-Signature=abc HTTP/1.1",
        '{"policy": "eyJleHBpcmF0aW9uIjogIjIwMjYtMTEtMjVUMjE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbXX0"}',
        f"key {seaweedfs.SECRET_KEY}",
    ]
    assert [hit.split(":")[0] for hit in find_leaks(lines, {seaweedfs.SECRET_KEY})] == [
        "line 2", "line 3", "line 4", "line 5",
    ]  # fmt: skip
