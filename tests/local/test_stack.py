"""The whole domain through HTTP only, as `make dev` serves it: a new user signs up,
creates a tenant, gets a token that carries it, and uses the file API."""

from __future__ import annotations

import hashlib
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import boto3
import httpx
import jwt

from dev import DEMO_EMAIL, DEMO_TENANT, DEV_BUCKET, seaweedfs
from dev.stack import bucket_cors
from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]


def claims_of(token: str) -> dict[str, Any]:
    # The API verifies it; here only its content matters.
    payload: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return payload


def test_a_new_user_creates_a_tenant_and_uses_its_files(stack: Stack) -> None:
    session = stack.session(f"new-{uuid.uuid4().hex[:8]}@example.com")
    first = session["access_token"]
    assert claims_of(first)["app_metadata"]["tenants"] == {}
    assert claims_of(first)["iss"] == f"{stack.auth}/auth/v1"

    with httpx.Client(base_url=stack.api, timeout=30) as api:
        created = api.post(
            "/tenants", json={"name": "Acme"}, headers={"Authorization": f"Bearer {first}"}
        )
        assert created.status_code == 201, created.text
        tenant = created.json()["id"]
        # The old token carries no tenant, yet works at once: the file API goes by
        # the database's memberships, not the token's copy.
        at_once = api.get("/files/list", headers={"Authorization": f"Bearer {first}"})
        assert at_once.status_code == 200, at_once.text

        # A refresh runs the access token hook again: the new token carries the tenant.
        refreshed = httpx.post(
            f"{stack.auth}/auth/v1/token",
            params={"grant_type": "refresh_token"},
            json={"refresh_token": session["refresh_token"]},
            headers=stack.apikey,
        )
        assert refreshed.status_code == 200
        token = refreshed.json()["access_token"]
        assert claims_of(token)["app_metadata"]["tenants"] == {tenant: "owner"}
        api.headers["Authorization"] = f"Bearer {token}"

        small = b"hello from the local stack\n"
        uploaded = api.post(
            "/files/upload",
            params={"folder": "docs and notes"},
            files={"file": ("hello.txt", small, "text/plain")},
        )
        assert uploaded.status_code == 201, uploaded.text
        assert uploaded.json()["path"] == "docs and notes/hello.txt"

        # Three megabytes cannot cross the load balancer inline...
        big = os.urandom(3 * 1024 * 1024)
        too_big = api.post("/files/upload", files={"file": ("big.bin", big)})
        assert too_big.status_code == 413
        assert too_big.headers["server"] == "awselb/2.0"
        # ...so they go straight to S3 with a presigned POST.
        presigned = api.post(
            "/files/presigned-upload",
            params={"file_path": "docs and notes/big.bin", "content_type": "application/zip"},
        )
        assert presigned.status_code == 200, presigned.text
        post = presigned.json()
        assert post["url"].startswith("http://127.0.0.1:")
        stored = httpx.post(
            post["url"], data=post["fields"], files={"file": ("big.bin", big, "application/zip")}
        )
        assert stored.status_code == 204, stored.text

        listing = api.get("/files/list", params={"folder": "docs and notes"})
        assert listing.status_code == 200
        files = {item["name"]: item["size"] for item in listing.json()["files"]}
        assert files == {"hello.txt": len(small), "big.bin": len(big)}

        inline = api.get("/files/download/docs%20and%20notes/hello.txt")
        assert inline.status_code == 200
        assert inline.content == small
        assert inline.headers["content-type"] == "text/plain"

        redirected = api.get("/files/download/docs%20and%20notes/big.bin")
        assert redirected.status_code == 307
        location = redirected.headers["location"]
        assert location.startswith(stack.urls["s3"])
        fetched = httpx.get(location, timeout=30)  # a presigned GET: no token needed
        assert fetched.status_code == 200
        assert hashlib.sha256(fetched.content).digest() == hashlib.sha256(big).digest()

        # Another tenant's user sees none of it.
        stranger = stack.session(f"stranger-{uuid.uuid4().hex[:8]}@example.com")
        headers = {"Authorization": f"Bearer {stranger['access_token']}", "X-Tenant-ID": tenant}
        assert api.get("/files/list", headers=headers).status_code == 403


def test_health_ready_and_the_demo_tenant(stack: Stack) -> None:
    assert httpx.get(f"{stack.api}/health").json() == {"status": "ok"}
    assert httpx.get(f"{stack.api}/files/health").status_code == 200
    ready = httpx.get(f"{stack.api}/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}
    # Seeded on first start; `make dev` prints a token for it.
    assert "export TOKEN=" in stack.output()
    # (Other tests of this shared stack may give the demo user more tenants.)
    token = stack.session(DEMO_EMAIL)["access_token"]
    assert claims_of(token)["app_metadata"]["tenants"][DEMO_TENANT] == "owner"
    me = httpx.get(f"{stack.api}/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["tenants"][DEMO_TENANT] == "owner"


def test_a_member_joins_by_accepting_an_invitation(stack: Stack) -> None:
    owner = {"Authorization": f"Bearer {stack.session(DEMO_EMAIL)['access_token']}"}
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    invited = httpx.post(
        f"{stack.api}/tenants/{DEMO_TENANT}/invitations",
        json={"email": email, "role": "viewer"},
        headers=owner,
    )
    assert invited.status_code == 201, invited.text
    assert invited.json()["status"] == "pending"

    # The invitee signs up with that address: invited, not yet a member.
    session = stack.session(email)
    headers = {"Authorization": f"Bearer {session['access_token']}"}
    assert claims_of(session["access_token"])["app_metadata"]["tenants"] == {}
    assert httpx.get(f"{stack.api}/tenants/{DEMO_TENANT}", headers=headers).status_code == 404
    mine = httpx.get(f"{stack.api}/invitations", headers=headers).json()["invitations"]
    assert [(i["id"], i["tenant_name"], i["role"]) for i in mine] == [
        (invited.json()["id"], "Demo", "viewer")
    ]

    accepted = httpx.post(f"{stack.api}/invitations/{invited.json()['id']}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["role"] == "viewer"
    refreshed = httpx.post(
        f"{stack.auth}/auth/v1/token",
        params={"grant_type": "refresh_token"},
        json={"refresh_token": session["refresh_token"]},
        headers=stack.apikey,
    ).json()["access_token"]
    assert claims_of(refreshed)["app_metadata"]["tenants"] == {DEMO_TENANT: "viewer"}
    headers = {"Authorization": f"Bearer {refreshed}"}
    assert httpx.get(f"{stack.api}/files/list", headers=headers).status_code == 200
    upload = httpx.post(
        f"{stack.api}/files/upload", files={"file": ("x.txt", b"x")}, headers=headers
    )
    assert upload.status_code == 403


def test_the_uploads_bucket_has_versioning_and_the_terraform_cors_rule(stack: Stack) -> None:
    s3 = boto3.client(
        "s3",
        endpoint_url=stack.urls["s3"],
        aws_access_key_id=seaweedfs.ACCESS_KEY,
        aws_secret_access_key=seaweedfs.SECRET_KEY,
        region_name="us-east-1",
    )
    assert s3.get_bucket_versioning(Bucket=DEV_BUCKET)["Status"] == "Enabled"
    rules = s3.get_bucket_cors(Bucket=DEV_BUCKET)["CORSRules"]
    origin = stack.env["CORS_ALLOWED_ORIGINS"]
    # The app's origin, and the API's own: its pages PUT upload parts to the bucket.
    assert [{k: v for k, v in rule.items() if k != "ID"} for rule in rules] == bucket_cors(
        [origin, stack.api]
    )["CORSRules"]


def test_make_token_prints_a_token_for_the_user_given(stack: Stack) -> None:
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env["SNSD_LOCAL_DIR"] = str(stack.state_dir)
    printed = subprocess.run(
        ["make", "-s", "token", f"USER={email}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip
    assert claims_of(printed)["email"] == email  # signed up on first use
    me = httpx.get(f"{stack.api}/me", headers={"Authorization": f"Bearer {printed}"})
    assert me.json()["email"] == email
    env["SNSD_LOCAL_DIR"] = str(stack.state_dir / "nowhere")
    missing = subprocess.run(
        ["make", "-s", "token"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert missing.returncode != 0
    assert "make dev is not running" in missing.stderr
