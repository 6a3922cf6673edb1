"""Contract fuzzing: schemathesis against the one OpenAPI document the stack serves at
`/openapi.json` (core and file routes), over real HTTP through the load balancer, as the
owner of a tenant named with X-Tenant-ID.

Every generated request must get no 5xx, a status code and a content type that its
operation declares, a body and headers that match the declared schemas, and, for
every error, an RFC 9457 problem+json body. Bounded: a few dozen examples an
operation, no shrinking, and a time budget for the whole run.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dev.alb import ALB_BODY_LIMIT
from tests.support.domain import Domain
from tests.support.problems import PROBLEM

MAX_EXAMPLES = 25
NEGATIVE_EXAMPLES = 15
# With the ten webhook operations (issue 29), one run took 97 s on the shared 2-core
# machine (4,417 requests): the budget leaves a third more for a loaded runner.
BUDGET_SECONDS = 150
PROBLEM_FIELDS = {"type", "title", "status", "detail", "code", "request_id"}


@schemathesis.check
def errors_are_problems(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """API.md: every error is RFC 9457 problem+json with a stable `code`."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    if content_type.split(";")[0].strip() != PROBLEM:
        raise AssertionError(f"{response.status_code} answered as {content_type!r}, not {PROBLEM}")
    body = response.json()
    missing = PROBLEM_FIELDS - set(body)
    if missing or body["status"] != response.status_code:
        raise AssertionError(f"not a problem document: {body}")
    if "Traceback" in response.text:
        raise AssertionError("a stack trace reached the client")
    return None


# SeaweedFS's filer takes names (path segments) of at most 255 bytes and answers longer
# ones with errors S3 itself never gives (it has no such limit): such cases would test the
# emulator, not the API (tests/files/test_list_budget.py keeps to the same limit).
LOCAL_S3_SEGMENT_BYTES = 200


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def within_local_s3_limits(case: schemathesis.Case) -> bool:
    values = [case.path_parameters, case.query, case.body]
    return all(
        len(segment.encode("utf-8", "surrogatepass")) <= LOCAL_S3_SEGMENT_BYTES
        for text in _strings(values)
        for segment in text.split("/")
    )


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    errors_are_problems,
]


def fuzzer(
    operation: schemathesis.APIOperation,
    mode: schemathesis.GenerationMode,
    examples: int,
    base_url: str,
    session: requests.Session,
    headers: dict[str, str],
    calls: Counter[tuple[str, int]],
    label: str,
    path_parameters: dict[str, str] | None = None,
) -> Any:
    """A Hypothesis test sending `examples` generated requests to `operation`."""
    strategy = operation.as_strategy(
        generation_mode=mode, headers=dict(headers), path_parameters=path_parameters
    )
    if operation.path.startswith("/files/"):
        strategy = strategy.filter(within_local_s3_limits)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases every run: a failure reproduces
        phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def exercise(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, session=session, headers=headers)
        calls[(label, response.status_code)] += 1
        if response.status_code == 413 and len(response.request.body or b"") > ALB_BODY_LIMIT:
            return  # the load balancer's own bare 413, before the API (docs/api.md, Limits)
        case.validate_response(response, checks=CHECKS, headers=headers)

    return exercise


@pytest.mark.slow
def test_every_operation_keeps_its_contract(domain: Domain) -> None:
    owner, tenant = domain.owner_of_new_tenant("Contract")
    headers = {"Authorization": f"Bearer {owner.token}", "X-Tenant-ID": tenant}
    # Something to find, so that reads also reach their success answers.
    with domain.client(owner.token, tenant) as api:
        for name in ("seed.txt", "string"):
            assert api.post("/files/upload", files={"file": (name, b"seed")}).status_code == 201

    schema = schemathesis.openapi.from_url(f"{domain.api}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert {"GET /files/list", "POST /files/upload", "GET /me", "POST /tenants"} <= labels
    assert len(operations) >= 25, labels

    session = requests.Session()
    failures: dict[str, str] = {}
    calls: Counter[tuple[str, int]] = Counter()
    skipped: list[str] = []
    started = time.monotonic()
    # Generated ids are nobody's: a third pass names the caller's own tenant, user and file.
    known = {"tenant_id": tenant, "user_id": owner.user_id, "path": "seed.txt"}
    for operation in operations:
        names = {parameter.name for parameter in operation.path_parameters}
        passes: list[tuple[str, schemathesis.GenerationMode, int, dict[str, str] | None]] = [
            ("positive", schemathesis.GenerationMode.POSITIVE, MAX_EXAMPLES, None),
            ("negative", schemathesis.GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, None),
        ]
        if names:
            fixed = {name: known[name] for name in names if name in known}
            passes.append(("known ids", schemathesis.GenerationMode.POSITIVE, MAX_EXAMPLES, fixed))
        for name, mode, examples, path_parameters in passes:
            if time.monotonic() - started > BUDGET_SECONDS:
                skipped.append(f"{operation.label} ({name})")
                continue
            label = f"{operation.label} ({name})"
            exercise = fuzzer(
                operation, mode, examples, domain.api, session, headers, calls, label,
                path_parameters,
            )  # fmt: skip
            try:
                exercise()
            except Unsatisfiable:
                continue  # nothing to negate (no parameters, no body)
            except (Exception, BaseExceptionGroup) as exc:  # every operation runs; report all
                failures[label] = str(exc)[:3000]
    session.close()
    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {sum(calls.values())} requests in {elapsed:.0f} s")
    for label in sorted({label for label, _ in calls}):
        statuses = sorted((status, n) for (at, status), n in calls.items() if at == label)
        print(f"  {label}: " + ", ".join(f"{status} x{n}" for status, n in statuses))
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
    assert not skipped, f"out of time before: {skipped}"
