"""Helpers of the Terraform tests: read the HCL with python-hcl2, run terraform.

Static tests must see the figures the platform is built with, not only the
expressions: a module argument is followed to the root module's call and from
there to a root variable's default, and `${var.x}`/`${local.x}` inside strings
are substituted. Anything more complex stays as the raw expression text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

# Running terraform against the emulator: the pieces `make platform-check` uses too.
from dev.platform_check import EMULATED_SERVICES as EMULATED_SERVICES
from dev.platform_check import Terraform as Terraform
from dev.platform_check import copy_configuration as copy_configuration

REPO = Path(__file__).resolve().parents[2]
TF_ROOT = REPO / "terraform"
MODULES = (
    "vpc",
    "ecs",
    "alb",
    "ecr",
    "s3",
    "secrets",
    "iam",
    "lambda",
    "dns",
    "monitoring",
    "waf",
    "replica",
    "events",
    "malware_scanning",
    "email",
    "webhooks",
)
# The root's name for a module's call, where it is not the module's own.
CALLS = {"replica": "file_replica"}

_OPTIONS = SerializationOptions(
    strip_string_quotes=True, with_comments=False, explicit_blocks=False
)
_REF = re.compile(r"\$\{(var|local)\.([A-Za-z0-9_]+)\}")


def parse(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return hcl2.load(handle, serialization_options=_OPTIONS)


@dataclass
class Config:
    """All .tf files of one directory, merged."""

    path: Path
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    terraform: list[dict[str, Any]] = field(default_factory=list)
    providers: list[dict[str, Any]] = field(default_factory=list)

    def resource(self, type_: str, name: str = "this") -> dict[str, Any]:
        return self.resources[(type_, name)]

    def of_type(self, type_: str) -> dict[str, dict[str, Any]]:
        return {n: body for (t, n), body in self.resources.items() if t == type_}


@cache
def load(path: Path) -> Config:
    config = Config(path)
    for tf in sorted(path.glob("*.tf")):
        doc = parse(tf)
        for block in doc.get("variable", []):
            config.variables.update(block)
        for block in doc.get("locals", []):
            config.locals.update(block)
        for block in doc.get("output", []):
            config.outputs.update(block)
        for block in doc.get("module", []):
            config.modules.update(block)
        for kind, target in (("resource", config.resources), ("data", config.data)):
            for block in doc.get(kind, []):
                for type_, named in block.items():
                    for name, body in named.items():
                        target[(type_, name)] = body
        config.terraform.extend(doc.get("terraform", []))
        config.providers.extend(doc.get("provider", []))
    return config


def root() -> Config:
    return load(TF_ROOT)


def module(name: str) -> Config:
    return load(TF_ROOT / "modules" / name)


def _resolve_text(text: str, lookup: Any) -> Any:
    whole = _REF.fullmatch(text)
    if whole:
        return lookup(whole.group(1), whole.group(2))

    def substitute(match: re.Match[str]) -> str:
        value = lookup(match.group(1), match.group(2))
        return str(value).lower() if isinstance(value, bool) else str(value)

    return _REF.sub(substitute, text)


def root_value(value: Any) -> Any:
    """A value written in the root module, with root defaults and locals substituted."""
    config = root()

    def lookup(kind: str, name: str) -> Any:
        if kind == "var":
            return root_value(config.variables[name].get("default"))
        return root_value(config.locals[name])

    return _resolve(value, lookup)


def module_value(module_name: str, value: Any) -> Any:
    """A value written inside a module, its variables followed to the root's call."""
    config = module(module_name)

    def lookup(kind: str, name: str) -> Any:
        if kind == "var":
            return module_input(module_name, name)
        return module_value(module_name, config.locals[name])

    return _resolve(value, lookup)


def module_input(module_name: str, variable: str) -> Any:
    """The value a module variable takes in the root configuration."""
    call = root().modules[CALLS.get(module_name, module_name)]
    if variable in call:
        return root_value(call[variable])
    return module_value(module_name, module(module_name).variables[variable].get("default"))


def _resolve(value: Any, lookup: Any) -> Any:
    if isinstance(value, str):
        try:
            return _resolve_text(value, lookup)
        except KeyError:
            return value
    if isinstance(value, list):
        return [_resolve(v, lookup) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, lookup) for k, v in value.items()}
    return value
