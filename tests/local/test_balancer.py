"""The local load balancer: ALB events for `/files/*`, the core for the rest, the ALB's limits."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from dev.balancer import LoadBalancer
from dev.stack import bucket_cors
from tests.terraform.support import load

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.response: dict[str, Any] = {
            "statusCode": 200,
            "multiValueHeaders": {"Content-Type": ["text/plain"], "X-Many": ["a", "b"]},
            "body": base64.b64encode(b"from the lambda").decode(),
            "isBase64Encoded": True,
        }

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        return self.response


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> Iterator[TestClient]:
    core = FastAPI()

    @core.api_route("/{rest:path}", methods=["GET", "POST"])
    async def anything(rest: str) -> dict[str, str]:
        return {"core": rest}

    balancer = LoadBalancer(core, recorder)
    with TestClient(balancer) as test_client:
        yield test_client
    balancer.close()


def test_only_files_paths_reach_the_lambda(client: TestClient, recorder: Recorder) -> None:
    assert client.get("/files/list").text == "from the lambda"
    assert client.get("/files").json() == {"core": "files"}
    assert client.get("/filesystem").json() == {"core": "filesystem"}
    assert client.get("/tenants").json() == {"core": "tenants"}
    assert len(recorder.events) == 1


def test_the_event_has_the_albs_shape(client: TestClient, recorder: Recorder) -> None:
    response = client.post(
        "/files/upload%20it?folder=a%20b%2Fc&x=1&x=2&flag",
        content=b"\x00\xffbinary",
        headers=[("X-Custom", "one"), ("x-custom", "two"), ("Content-Type", "app/x")],
    )
    assert response.status_code == 200
    assert response.headers.get_list("x-many") == ["a", "b"]
    event = recorder.events[0]
    assert event["requestContext"]["elb"]["targetGroupArn"].startswith("arn:aws:elastic")
    assert event["httpMethod"] == "POST"
    assert event["path"] == "/files/upload%20it"  # as sent
    assert event["multiValueQueryStringParameters"] == {
        "folder": ["a%20b%2Fc"],  # the ALB does not decode query values
        "x": ["1", "2"],
        "flag": [""],
    }
    headers = event["multiValueHeaders"]
    assert all(name == name.lower() for name in headers)
    assert headers["x-custom"] == ["one", "two"]
    assert headers["x-forwarded-proto"] == ["http"]
    assert "x-amzn-trace-id" in headers
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xffbinary"


def test_request_bodies_over_1_mb_are_refused_by_the_balancer(
    client: TestClient, recorder: Recorder
) -> None:
    assert client.post("/files/upload", content=b"x" * 1_000_000).status_code == 200
    refused = client.post("/files/upload", content=b"x" * 1_000_001)
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "text/html"
    assert len(recorder.events) == 1
    # The core has no such limit (the ALB forwards to ECS targets unchanged).
    assert client.post("/tenants", content=b"x" * 2_000_000).status_code == 200


def test_lambda_responses_over_1_mb_become_a_502(client: TestClient, recorder: Recorder) -> None:
    recorder.response = {"statusCode": 200, "body": "x" * 1_000_000, "isBase64Encoded": False}
    assert len(json.dumps(recorder.response)) > 1_000_000
    assert client.get("/files/list").status_code == 502
    recorder.response = {"body": "no status"}
    assert client.get("/files/list").status_code == 502


def test_the_local_bucket_mirrors_the_terraform_buckets_cors_rule() -> None:
    module = load(ROOT / "terraform" / "modules" / "s3")
    (rule,) = module.resource("aws_s3_bucket_cors_configuration")["cors_rule"]
    assert rule["allowed_origins"] == "${var.cors_allowed_origins}"
    (local,) = bucket_cors(["http://localhost:3000"])["CORSRules"]
    assert local["AllowedOrigins"] == ["http://localhost:3000"]
    # PUT carries the parts of multipart uploads (presigned UploadPart URLs); the
    # Terraform rule needs it too for browsers (issue 17), and this holds before
    # and after it is added there.
    assert set(local["AllowedMethods"]) == {*rule["allowed_methods"], "PUT"}
    assert local["AllowedHeaders"] == rule["allowed_headers"]
    assert local["ExposeHeaders"] == rule["expose_headers"]
    assert rule["max_age_seconds"] == "${var.cors_max_age_seconds}"
    assert local["MaxAgeSeconds"] == module.variables["cors_max_age_seconds"]["default"]
