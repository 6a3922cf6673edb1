"""Packaging `sam build` output: the right function's directory, reproducibly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from scripts import lambda_package


def _build(root: Path, name: str = "FileApiFunction") -> Path:
    function = root / name
    (function / "file_lambda" / "__pycache__").mkdir(parents=True)
    (function / "file_lambda" / "handler.py").write_text("handler = None\n")
    (function / "file_lambda" / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"pyc")
    (function / "mangum").mkdir()
    (function / "mangum" / "__init__.py").write_text("")
    (function / "tool.sh").write_text("#!/bin/sh\n")
    (function / "tool.sh").chmod(0o700)
    # sam build also leaves the template beside the functions' directories.
    (root / "template.yaml").write_text("Resources: {}\n")
    return function


def test_the_package_holds_the_whole_build_readable(tmp_path: Path) -> None:
    _build(tmp_path / "build")
    _build(tmp_path / "build", "FileApiLocalFunction")  # the sam-local twin is not shipped
    output = tmp_path / "dist" / "file-api.zip"

    code = lambda_package.main(["--build-dir", str(tmp_path / "build"), "--output", str(output)])

    assert code == 0
    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    # The precompiled bytecode ships: cold starts do not compile.
    assert names == [
        "file_lambda/__pycache__/handler.cpython-312.pyc",
        "file_lambda/handler.py",
        "mangum/__init__.py",
        "tool.sh",
    ]
    assert modes["tool.sh"] == 0o100755  # readable by the Lambda runtime's user
    assert modes["file_lambda/handler.py"] == 0o100644


def test_the_package_is_reproducible(tmp_path: Path) -> None:
    function = _build(tmp_path / "build")
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    lambda_package.write_zip(function, first)
    (function / "file_lambda" / "handler.py").touch()  # a newer mtime changes nothing
    lambda_package.write_zip(function, second)
    assert first.read_bytes() == second.read_bytes()


def test_a_build_without_the_handler_fails(tmp_path: Path) -> None:
    (tmp_path / "build" / "FileApiFunction").mkdir(parents=True)
    with pytest.raises(lambda_package.PackageError, match="sam build"):
        lambda_package.find_function_dir(tmp_path / "build")
    assert lambda_package.main(["--build-dir", str(tmp_path / "missing"), "--output", "x.zip"]) == 1


def test_another_logical_id_can_be_named(tmp_path: Path) -> None:
    _build(tmp_path / "build", "FilesFn")
    assert lambda_package.find_function_dir(tmp_path / "build", "FilesFn").name == "FilesFn"
    with pytest.raises(lambda_package.PackageError):
        lambda_package.find_function_dir(tmp_path / "build", "../build/FilesFn")


def test_the_package_prints_its_size_unzipped_and_zipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What docs/sam.md points to for the package's size: the build's own numbers."""
    function = _build(tmp_path / "build")
    output = tmp_path / "file-api.zip"
    assert (
        lambda_package.main(["--build-dir", str(tmp_path / "build"), "--output", str(output)]) == 0
    )
    unzipped = sum(p.stat().st_size for p in function.rglob("*") if p.is_file())
    assert capsys.readouterr().out == (
        f"{output}: 4 files from {function}, {unzipped:,} bytes (0.0 MiB) unzipped,"
        f" {output.stat().st_size:,} bytes (0.0 MiB) zipped\n"
    )
