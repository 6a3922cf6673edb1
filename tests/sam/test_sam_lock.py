"""The Lambda package is the lambda extra exactly as uv.lock pins it.

`make sam-check` installs requirements/lambda.txt, the lock's export of the extra
(`make lock-check` fails when the export is stale), so the built package holds each
of its distributions at the locked version, and nothing else but the project.
"""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.sam import support

LOCKED = support.ROOT / "requirements" / "lambda.txt"


def _locked() -> dict[str, str]:
    """Name and version of each line of the export that applies to this platform (Linux,
    CPython 3.12: the runtime's)."""
    pins = {}
    for line in LOCKED.read_text().splitlines():
        if line[:1].isalnum():
            requirement = Requirement(line.removesuffix("\\").strip())
            if requirement.marker is None or requirement.marker.evaluate():
                (pin,) = requirement.specifier
                pins[canonicalize_name(requirement.name)] = pin.version
    return pins


def _installed(artifact: Path) -> dict[str, str]:
    found = {}
    for dist_info in artifact.glob("*.dist-info"):
        name, _, version = dist_info.name.removesuffix(".dist-info").rpartition("-")
        found[canonicalize_name(name)] = version
    return found


def test_the_package_holds_the_locked_lambda_extra_and_the_project() -> None:
    installed = _installed(support.require_artifact())
    assert installed.pop("snsd-backend", None), "the project itself is missing"
    assert installed == _locked()
