"""The domain's one OpenAPI document: the core's routes plus the file API's.

The ALB sends `/files/*` to the Lambda, so a client of the domain sees both
halves as one API, and `/docs` must show both. The core never imports the
Lambda's code: the file API's schema is exported by `python -m file_lambda.openapi`
into `core_service/file_api_openapi.json`, package data of the core, which

    make openapi    # python -m core_service.openapi --update

regenerates (a test fails when it is stale). Merging keeps every file path
and schema; a file schema whose name the core already uses for something
else is renamed with a `Files` prefix, its title and references with it
(generators name their classes after titles: two `Health` would be one).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from tenancy.problems import validation_as_400

DOCUMENT = "file_api_openapi.json"
_REF = "#/components/schemas/"


def file_api_document() -> dict[str, Any]:
    """The committed copy of the file API's OpenAPI document."""
    text = resources.files("core_service").joinpath(DOCUMENT).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def merge(core: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
    """`core` with the paths, schemas, security schemes and tags of `files` added."""
    merged = json.loads(json.dumps(core))
    core_schemas: dict[str, Any] = merged.setdefault("components", {}).setdefault("schemas", {})
    file_schemas: dict[str, Any] = files.get("components", {}).get("schemas", {})
    renames = {
        name: f"Files{name}"
        for name, schema in file_schemas.items()
        if name in core_schemas and core_schemas[name] != schema
    }
    files = _renamed(files, renames)
    for name, schema in files.get("components", {}).get("schemas", {}).items():
        if name in core_schemas and core_schemas[name] != schema:
            raise ValueError(f"schema {name} is defined differently by the core and the file API")
        core_schemas[name] = schema
    schemes = merged["components"].setdefault("securitySchemes", {})
    for name, scheme in files.get("components", {}).get("securitySchemes", {}).items():
        if name in schemes and schemes[name] != scheme:
            raise ValueError(f"security scheme {name} differs between the core and the file API")
        schemes[name] = scheme
    paths: dict[str, Any] = merged.setdefault("paths", {})
    for path, item in files.get("paths", {}).items():
        if path in paths:
            raise ValueError(f"{path} is served by both the core and the file API")
        paths[path] = item
    tags = merged.get("tags", []) + [
        tag for tag in files.get("tags", []) if tag not in merged.get("tags", [])
    ]
    if tags:
        merged["tags"] = tags
    return dict(merged)


def _renamed(document: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {key: walk(value) for key, value in node.items()}
            ref = out.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF) and ref[len(_REF) :] in renames:
                out["$ref"] = _REF + renames[ref[len(_REF) :]]
            return out
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    result: dict[str, Any] = walk(document)
    schemas = result.get("components", {}).get("schemas", {})
    for old, new in renames.items():
        schemas[new] = schemas.pop(old) | {"title": new}
    return result


def install(app: FastAPI) -> None:
    """Serve the merged document at the app's `/openapi.json` (and so at `/docs`)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            core = validation_as_400(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                )
            )
            app.openapi_schema = merge(core, file_api_document())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def render(document_json: str) -> str:
    """The text of `file_api_openapi.json` holding `document_json`: sorted, so diffs are small."""
    return json.dumps(json.loads(document_json), indent=2, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core_service.openapi", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help=f"regenerate core_service/{DOCUMENT} from `python -m file_lambda.openapi`",
    )
    args = parser.parse_args(argv)
    if not args.update:
        parser.error("nothing to do: pass --update")
    # A separate process: the core never imports the Lambda's code.
    exported = subprocess.run(
        [sys.executable, "-m", "file_lambda.openapi"],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
    ).stdout
    # The source tree's copy, which setuptools packages: not an installed one.
    target = Path(__file__).with_name(DOCUMENT)
    target.write_text(render(exported), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
