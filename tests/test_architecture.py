"""The architecture's rules, read from the source: every import of every module, those
inside functions included, parsed with `ast` (nothing is imported to check them).

- `file_lambda` and `core_service` never import each other; `tenancy` imports neither,
  and `webhooks` (shared by both, as `tenancy` is) neither of them, nor does `jobs` (the
  job function's work, run from `file_lambda.job_function`);
  none of them imports the repository's tools (`dev`, `bench`, `scripts`, `tests`),
  which do not ship.
- Route modules (those that declare routes, and the services their handlers hand a
  request to) never import a driver: S3 and Postgres stay behind their adapters.
- Nothing the Lambda imports at start-up imports Supabase's client or the X-Ray SDK:
  each would lengthen every cold start (bench row cold_start).
- The file API is arranged by domain (docs/design.md, "The file API by domain"): a
  domain is a package of `file_lambda` with an `endpoints.py`; it imports the shared
  parts and its own modules, never another domain's, and no shared part imports a
  domain. Only the composition (`app`, `handler`, `openapi`) imports them all. So
  each domain's router imports on its own, without the others.

The last tests break each rule in a small tree of their own, to show that it is seen.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.fresh_process import run_python

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tenancy", "webhooks", "jobs", "file_lambda", "core_service")
TOOLS = {"dev", "bench", "scripts", "tests"}
DRIVERS = {"boto3", "botocore", "psycopg", "psycopg_pool"}
NOT_ON_LAMBDA = {"supabase", "gotrue", "aws_xray_sdk"}
LAMBDA_ENTRY = "file_lambda.handler"
# The services a route hands its request to: routes in all but name.
REQUEST_SERVICES = {
    "file_lambda.files.service",
    "file_lambda.tenant_files",
    "file_lambda.multipart",
    "file_lambda.history.service",
    "file_lambda.uploads.service",
    "file_lambda.usage.service",
    "core_service.tenants",
    "core_service.members",
    "core_service.invitations",
}
# What builds the app from its domains, and so imports them all.
COMPOSITION = {"file_lambda.app", "file_lambda.handler", "file_lambda.openapi"}
ROUTE_DECORATORS = {"get", "post", "put", "patch", "delete", "head", "options", "api_route"}


@dataclass(frozen=True)
class Import:
    name: str  # absolute; for `from a import b`, both `a` and `a.b`
    line: int
    at_start: bool  # runs when its module is imported (not in a function, nor for type checkers)

    @property
    def top(self) -> str:
        return self.name.partition(".")[0]


@dataclass(frozen=True)
class Module:
    name: str
    tree: ast.Module
    is_package: bool

    @property
    def package(self) -> str:
        return self.name if self.is_package else self.name.rpartition(".")[0]

    def imports(self) -> list[Import]:
        return list(_imports(self.tree, self.package, at_start=True))

    def declares_routes(self) -> bool:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and _called(node) == "APIRouter":
                return True
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                isinstance(d, ast.Call) and _called(d) in ROUTE_DECORATORS
                for d in node.decorator_list
            ):
                return True
        return False


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _for_type_checkers(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST, package: str, *, at_start: bool) -> Iterator[Import]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            yield from (Import(alias.name, child.lineno, at_start) for alias in child.names)
        elif isinstance(child, ast.ImportFrom):
            base = child.module or ""
            if child.level:
                parent = package.split(".")[: len(package.split(".")) - child.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            yield Import(base, child.lineno, at_start)
            yield from (Import(f"{base}.{a.name}", child.lineno, at_start) for a in child.names)
        else:
            deferred = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from _imports(
                child, package, at_start=at_start and not deferred and not _for_type_checkers(child)
            )


def load(root: Path) -> dict[str, Module]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            modules[name] = Module(name, ast.parse(path.read_bytes(), str(path)), is_package)
    return modules


# -- the rules: each returns its breaches, as "module:line imports name" -----------------

FORBIDDEN = {
    "tenancy": {"webhooks", "jobs", "file_lambda", "core_service"} | TOOLS,
    "webhooks": {"jobs", "file_lambda", "core_service"} | TOOLS,
    "jobs": {"file_lambda", "core_service"} | TOOLS,
    "file_lambda": {"core_service"} | TOOLS,
    "core_service": {"file_lambda"} | TOOLS,
}


def package_breaches(modules: dict[str, Module]) -> list[str]:
    return [
        f"{module.name}:{imp.line} imports {imp.name}"
        for module in modules.values()
        for imp in module.imports()
        if imp.top in FORBIDDEN[module.name.partition(".")[0]]
    ]


def route_modules(modules: dict[str, Module], services: set[str]) -> list[Module]:
    return [m for m in modules.values() if m.declares_routes() or m.name in services]


def driver_breaches(modules: dict[str, Module], services: set[str]) -> list[str]:
    return [
        f"{module.name}:{imp.line} imports {imp.name}"
        for module in route_modules(modules, services)
        for imp in module.imports()
        if imp.top in DRIVERS
    ]


def start_imports(modules: dict[str, Module], entry: str) -> tuple[set[str], set[str]]:
    """The project's modules that importing `entry` runs, and the other names they import."""
    seen: set[str] = set()
    outside: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for imp in modules[name].imports():
            if not imp.at_start:
                continue
            if imp.top not in PACKAGES:
                outside.add(imp.top)
                continue
            # `import a.b.c` runs a, a.b and a.b.c; `from a import X` names a module or not.
            parts = imp.name.split(".")
            todo += [p for i in range(len(parts)) if (p := ".".join(parts[: i + 1])) in modules]
    return seen, outside


def lambda_start_imports(modules: dict[str, Module]) -> tuple[set[str], set[str]]:
    return start_imports(modules, LAMBDA_ENTRY)


def lambda_breaches(modules: dict[str, Module]) -> list[str]:
    project, _ = lambda_start_imports(modules)
    return [
        f"{name}:{imp.line} imports {imp.name}"
        for name in sorted(project)
        for imp in modules[name].imports()
        if imp.at_start and imp.top in NOT_ON_LAMBDA
    ]


def file_domains(modules: dict[str, Module]) -> set[str]:
    """The file API's domains: the packages of `file_lambda` that hold an `endpoints.py`."""
    return {
        name.removesuffix(".endpoints")
        for name in modules
        if name.startswith("file_lambda.") and name.endswith(".endpoints")
    }


def _domain(name: str, domains: set[str]) -> str | None:
    return next((d for d in domains if name == d or name.startswith(f"{d}.")), None)


def domain_breaches(modules: dict[str, Module]) -> list[str]:
    """Imports of a domain from another domain, or from a shared part."""
    domains = file_domains(modules)
    return [
        f"{module.name}:{imp.line} imports {imp.name}"
        for module in modules.values()
        if module.name.partition(".")[0] == "file_lambda" and module.name not in COMPOSITION
        for imp in module.imports()
        if (other := _domain(imp.name, domains)) is not None
        and other != _domain(module.name, domains)
    ]


def domains_loaded_with(modules: dict[str, Module], domain: str) -> set[str]:
    """The other domains that importing `domain`'s router imports too."""
    project, _ = start_imports(modules, f"{domain}.endpoints")
    found = {_domain(name, file_domains(modules)) for name in project}
    return {d for d in found if d is not None} - {domain}


# -- the repository keeps them -------------------------------------------------------------


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return load(ROOT)


def test_the_packages_keep_apart(modules: dict[str, Module]) -> None:
    assert package_breaches(modules) == []


def test_route_modules_reach_s3_and_postgres_only_through_adapters(
    modules: dict[str, Module],
) -> None:
    assert set(modules) >= REQUEST_SERVICES, "a named service moved: update REQUEST_SERVICES"
    declared = {m.name for m in route_modules(modules, set())}
    assert {"file_lambda.files.endpoints", "core_service.routes"} <= declared
    assert driver_breaches(modules, REQUEST_SERVICES) == []


def test_the_file_domains_keep_apart(modules: dict[str, Module]) -> None:
    domains = file_domains(modules)
    assert {f"file_lambda.{d}" for d in ("files", "history", "uploads", "usage")} <= domains
    assert domain_breaches(modules) == []
    for domain in sorted(domains):
        assert domains_loaded_with(modules, domain) == set(), domain


def test_the_lambda_starts_without_supabase_or_xray(modules: dict[str, Module]) -> None:
    project, outside = lambda_start_imports(modules)
    assert {"file_lambda.app", "file_lambda.files.endpoints", "tenancy.tokens"} <= project
    assert {"fastapi", "mangum", "boto3", "aws_lambda_powertools"} <= outside
    assert lambda_breaches(modules) == []


def test_the_lambda_starts_without_them_at_run_time_too() -> None:
    """What the source cannot show: a library on the path that imports them itself."""
    code = (
        "import sys, file_lambda.handler; print(sorted({m.partition('.')[0] for m in sys.modules}))"
    )
    result = run_python(
        code,
        {
            "S3_BUCKET_NAME": "architecture",
            "SUPABASE_JWT_SECRET": "x" * 32,
            "SUPABASE_DB_URL": "postgresql://db.invalid/postgres",
        },
    )
    assert result.returncode == 0, result.stderr
    loaded = set(ast.literal_eval(result.stdout.strip().splitlines()[-1]))
    assert "fastapi" in loaded
    assert sorted(loaded & (NOT_ON_LAMBDA | {"core_service"} | TOOLS)) == []


# -- each rule sees a breach -----------------------------------------------------------------

BROKEN = {
    "tenancy/__init__.py": "",
    "tenancy/tokens.py": "def verify():\n    from file_lambda import settings\n",
    "file_lambda/__init__.py": "",
    "file_lambda/handler.py": "from . import app\n",
    "file_lambda/app.py": (
        "import typing\nfrom file_lambda.routes import router\nimport supabase.client\n"
        "if typing.TYPE_CHECKING:\n    import gotrue\n"  # never imported: no breach
    ),
    "file_lambda/routes.py": (
        "from fastapi import APIRouter\nrouter = APIRouter()\n"
        "@router.get('/x')\ndef x():\n    import boto3\n"
    ),
    "file_lambda/helpers.py": "import aws_xray_sdk\n",  # not on the Lambda's start-up path
    "file_lambda/paths.py": "def check():\n    from file_lambda.files import service\n",
    "file_lambda/files/endpoints.py": "from file_lambda import paths\n",
    "file_lambda/files/service.py": "",
    "file_lambda/history/endpoints.py": "from file_lambda.history import service\n",
    "file_lambda/history/service.py": "from file_lambda.files.service import FileService\n",
    "core_service/__init__.py": "",
    "core_service/members.py": "from psycopg.errors import UniqueViolation\n",
    "core_service/db.py": "import psycopg\nfrom tests.support import tokens\n",
}


@pytest.fixture
def broken(tmp_path: Path) -> dict[str, Module]:
    for relative, text in BROKEN.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    return load(tmp_path)


def test_each_rule_sees_its_breach(broken: dict[str, Module]) -> None:
    assert package_breaches(broken) == [
        "tenancy.tokens:2 imports file_lambda",
        "tenancy.tokens:2 imports file_lambda.settings",
        "core_service.db:2 imports tests.support",
        "core_service.db:2 imports tests.support.tokens",
    ]
    assert sorted(driver_breaches(broken, {"core_service.members"})) == [
        "core_service.members:1 imports psycopg.errors",
        "core_service.members:1 imports psycopg.errors.UniqueViolation",
        "file_lambda.routes:5 imports boto3",
    ]
    assert lambda_breaches(broken) == ["file_lambda.app:3 imports supabase.client"]
    project, outside = lambda_start_imports(broken)
    assert project == {
        "file_lambda",
        "file_lambda.handler",
        "file_lambda.app",
        "file_lambda.routes",
    }
    assert {"supabase", "fastapi"} <= outside
    assert not outside & {"gotrue", "boto3", "aws_xray_sdk"}  # for type checkers, later, elsewhere
    assert sorted(domain_breaches(broken)) == [
        "file_lambda.history.service:1 imports file_lambda.files.service",
        "file_lambda.history.service:1 imports file_lambda.files.service.FileService",
        "file_lambda.paths:2 imports file_lambda.files",
        "file_lambda.paths:2 imports file_lambda.files.service",
    ]
    assert domains_loaded_with(broken, "file_lambda.history") == {"file_lambda.files"}
    assert domains_loaded_with(broken, "file_lambda.files") == set()  # paths imports it late
