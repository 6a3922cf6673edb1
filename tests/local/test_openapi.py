"""One OpenAPI document for the domain, file routes included, without the core
importing the Lambda's code."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from core_service import file_api_openapi
from core_service.openapi import merge, render_module
from file_lambda.openapi import document
from tests.local.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(item) for item in node))
    return set()


def test_the_committed_file_api_schema_is_current() -> None:
    current = json.loads(json.dumps(document()))
    assert json.loads(file_api_openapi.DOCUMENT) == current, (
        "core_service/file_api_openapi.py is stale: run python -m core_service.openapi --update"
    )
    # What --update writes, byte for byte, so the committed text is the generated one.
    expected = render_module(json.dumps(current))
    assert (ROOT / "core_service" / "file_api_openapi.py").read_text() == expected


def test_the_core_never_imports_the_lambdas_code() -> None:
    for path in (ROOT / "core_service").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(name.split(".")[0] == "file_lambda" for name in names), path
    check = (
        "import sys, core_service.app, core_service.openapi;"
        "assert not any(m.split('.')[0] == 'file_lambda' for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", check], check=True, cwd=ROOT, timeout=60)


def test_the_domain_document_is_served_with_the_file_routes(stack: Stack) -> None:
    served = httpx.get(f"{stack.api}/openapi.json")
    assert served.status_code == 200
    spec = served.json()
    files = json.loads(file_api_openapi.DOCUMENT)
    assert set(files["paths"]) <= set(spec["paths"])
    assert {"/health", "/ready", "/me", "/tenants", "/files/upload"} <= set(spec["paths"])
    assert "/files/download/{path}" in spec["paths"]
    # Every reference resolves; the file API's Health is kept apart from the core's.
    schemas = spec["components"]["schemas"]
    for ref in refs(spec):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    health = spec["paths"]["/files/health"]["get"]["responses"]["200"]["content"]
    assert health["application/json"]["schema"] == {"$ref": "#/components/schemas/FilesHealth"}
    assert schemas["Health"] != schemas["FilesHealth"]
    # The file routes need the same bearer token as the core's.
    assert spec["paths"]["/files/list"]["get"]["security"] == [{"HTTPBearer": []}]
    docs = httpx.get(f"{stack.api}/docs")
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text


def test_every_invalid_request_is_declared_as_a_400_problem(stack: Stack) -> None:
    """The contract's one rule: schema-invalid requests answer 400 validation_error,
    in both halves of the domain, and the document says so (never FastAPI's 422)."""
    spec = httpx.get(f"{stack.api}/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "400" in operation["responses"], (method, path)
    assert not {"HTTPValidationError", "ValidationError"} & set(spec["components"]["schemas"])

    token, _tenant = stack.new_tenant("Rules")
    headers = {"Authorization": f"Bearer {token}"}
    for answer in (
        httpx.get(f"{stack.api}/files/list", params={"limit": 0}, headers=headers),
        httpx.post(f"{stack.api}/files/delete-multiple", json={"paths": []}, headers=headers),
        httpx.get(f"{stack.api}/tenants/not-a-uuid", headers=headers),
        httpx.post(f"{stack.api}/tenants", json={"name": ""}, headers=headers),
    ):
        assert answer.status_code == 400, answer.text
        assert answer.json()["code"] == "validation_error"


def test_merge_refuses_a_path_served_twice() -> None:
    core = {"paths": {"/files/x": {}}, "components": {"schemas": {}}}
    with pytest.raises(ValueError, match="served by both"):
        merge(core, {"paths": {"/files/x": {}}})
