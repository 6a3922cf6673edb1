"""What each deployable weighs: the Lambda package and the core image's installed size.

No Docker engine runs here, so the image's size is stood in for by what its
build stage installs: `pip install '.[core]'` (non-editable, bytecode
compiled) of exactly what the Dockerfile copies, into an empty target. The
python:3.12-slim base (about 120 MiB) comes on top.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from bench.env import PYTHON, ROOT
from bench.stats import Row

SAM_BUILD = ROOT / ".aws-sam" / "build" / "FileApiFunction"
MIB = 1024 * 1024


def tree_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def zipped_size(path: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(path.rglob("*")):
            if item.is_file():
                archive.write(item, item.relative_to(path))
    return buffer.tell()


def _install(extra: str, copied: tuple[str, ...], target: Path) -> None:
    """`pip install '.[extra]'` of a copy of what the build copies (the tree stays clean)."""
    with tempfile.TemporaryDirectory(prefix="snsd-bench-src-") as source:
        shutil.copy(ROOT / "pyproject.toml", source)
        for package in copied:
            shutil.copytree(ROOT / package, Path(source) / package)
        subprocess.run(
            [
                PYTHON,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
                str(target),
                f".[{extra}]",
            ],
            cwd=source,
            check=True,
            timeout=600,
        )


def measure(quick: bool) -> list[Row]:
    rows = []
    if SAM_BUILD.is_dir():
        size = tree_size(SAM_BUILD)
        how = "`.aws-sam/build/FileApiFunction` (make sam-check)"
        zipped = None if quick else zipped_size(SAM_BUILD)
    elif quick:
        size, zipped, how = None, None, "no SAM build; not installed in quick mode"
    else:
        with tempfile.TemporaryDirectory(prefix="snsd-bench-lambda-") as target:
            _install("lambda", ("file_lambda", "tenancy"), Path(target))
            size, zipped = tree_size(Path(target)), zipped_size(Path(target))
        how = "`pip install --target` of `.[lambda]` (no SAM build here)"
    rows.append(_size_row("lambda_package", "Size: Lambda package", size, zipped, how))
    if quick:
        image, how = None, "not installed in quick mode"
    else:
        with tempfile.TemporaryDirectory(prefix="snsd-bench-core-") as target:
            _install("core", ("tenancy", "core_service"), Path(target))
            image = tree_size(Path(target))
        how = "stand-in: `pip install --target` of `.[core]`, non-editable; plus the base image"
    rows.append(_size_row("core_image", "Size: core image, installed", image, None, how))
    return rows


def _size_row(key: str, title: str, size: int | None, zipped: int | None, how: str) -> Row:
    shown = "n/a" if size is None else f"{size / MIB:.1f} MiB"
    if zipped is not None:
        shown += f" ({zipped / MIB:.1f} MiB zipped)"
    return Row(
        key,
        title,
        None,
        None,
        f"{shown}; {how}",
        {"bytes": size, "zipped_bytes": zipped},
        unit="size",
    )
