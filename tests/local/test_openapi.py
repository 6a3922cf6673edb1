"""One OpenAPI document for the domain, file routes included, without the core
importing the Lambda's code."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

from core_service.openapi import DOCUMENT, file_api_document, merge, render
from file_lambda.openapi import document
from tests.support.pages import DOCS_ASSETS, built_assets
from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(item) for item in node))
    return set()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def test_the_committed_file_api_schema_is_current() -> None:
    current = json.loads(json.dumps(document()))
    assert file_api_document() == current, f"core_service/{DOCUMENT} is stale: run make openapi"
    # What `make openapi` writes, byte for byte, so the committed text is the generated one.
    assert (ROOT / "core_service" / DOCUMENT).read_text() == render(json.dumps(current))


def test_the_file_api_schema_ships_in_the_core_package() -> None:
    """A wheel or the image carries the JSON only when setuptools lists it as package data."""
    config = (ROOT / "pyproject.toml").read_text()
    section = config.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    assert re.search(rf'core_service = \[[^]]*"{re.escape(DOCUMENT)}"', section), section


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
    files = file_api_document()
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
    # Generators name their classes after titles: a repeated title loses a schema.
    titles = [schema.get("title", name) for name, schema in schemas.items()]
    assert len(titles) == len(set(titles)), sorted(titles)
    # The file routes need the same bearer token as the core's.
    assert spec["paths"]["/files/list"]["get"]["security"] == [{"HTTPBearer": []}]
    # /docs shows it, from the API's own files (`make pages`; tests/core/test_docs_page.py).
    built_assets(DOCS_ASSETS)
    docs = httpx.get(f"{stack.api}/docs")
    assert docs.status_code == 200
    assert 'data-openapi-url="/openapi.json"' in docs.text
    assert "cdn.jsdelivr.net" not in docs.text


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


def test_every_operation_has_a_readable_unique_id(stack: Stack) -> None:
    """Generated clients name their calls after operation ids: `list_files`, not FastAPI's
    `list_files_files_list_get`, and never the same name twice in the domain (each reads
    like its URL: tests/test_operation_ids.py)."""
    spec = httpx.get(f"{stack.api}/openapi.json").json()
    ids = [operation.get("operationId") for _, _, operation in operations(spec)]
    assert len(ids) == len(set(ids)), sorted(str(i) for i in ids)
    for method, path, operation in operations(spec):
        name = operation.get("operationId")
        assert isinstance(name, str), (method, path)
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", name), (method, path, name)
        # FastAPI's default: the function's name, the path's words, the method.
        assert not name.endswith(f"_{method}"), (method, path, name)
    assert {"list_files", "upload_file", "download_file", "get_me", "list_tenants"} <= set(ids)


def test_errors_refer_to_one_problem_schema(stack: Stack) -> None:
    spec = httpx.get(f"{stack.api}/openapi.json").json()
    problem = {"$ref": "#/components/schemas/Problem"}
    declared = 0
    for method, path, operation in operations(spec):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["content"] == {"application/problem+json": {"schema": problem}}, (
                    method,
                    path,
                    status,
                )
                declared += 1
    assert declared > len(operations(spec))
    assert spec["components"]["schemas"]["Problem"]["required"] == [
        "type",
        "title",
        "status",
        "detail",
        "code",
        "request_id",
    ]


def test_bytes_are_declared_as_binary(stack: Stack) -> None:
    """Uploads are file fields and downloads bytes, in the terms client generators read."""
    spec = httpx.get(f"{stack.api}/openapi.json").json()
    binary = {"type": "string", "format": "binary"}
    schemas = spec["components"]["schemas"]
    for operation_id, field in (("upload_file", "file"), ("upload_multiple_files", "files")):
        (operation,) = [op for _, _, op in operations(spec) if op["operationId"] == operation_id]
        body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
        schema = schemas[body["$ref"].removeprefix("#/components/schemas/")]["properties"][field]
        schema = schema.get("items", schema)
        assert binary.items() <= schema.items(), schema
    download = spec["paths"]["/files/download/{path}"]["get"]["responses"]["200"]["content"]
    assert download == {"application/octet-stream": {"schema": binary}}


def test_the_served_document_is_valid_openapi_3_1(stack: Stack) -> None:
    spec = httpx.get(f"{stack.api}/openapi.json").json()
    assert spec["openapi"].startswith("3.1.")
    validate(spec)  # raises, naming the first part that breaks the 3.1 schema


def test_merge_refuses_a_path_served_twice() -> None:
    core = {"paths": {"/files/x": {}}, "components": {"schemas": {}}}
    with pytest.raises(ValueError, match="served by both"):
        merge(core, {"paths": {"/files/x": {}}})
