"""Zip the file API's `sam build` output into the package UpdateFunctionCode takes.

    lambda_package.py --function FileApiFunction --output dist/file-api.zip

`sam build` leaves one directory per function (its template logical id) under
the build directory; it must hold `file_lambda/handler.py`. Everything in it
goes into the zip as it is, the precompiled .pyc files included (the build
compiles them hash-based so cold starts skip compilation). The zip is
reproducible (sorted entries, fixed timestamps), so the same build gives the
same CodeSha256 and publishing it again creates no new version.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

HANDLER = Path("file_lambda") / "handler.py"
DEFAULT_FUNCTION = "FileApiFunction"  # template.yaml's logical id
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


class PackageError(RuntimeError):
    """The build directory holds no build of the file API under that name."""


def find_function_dir(build_dir: Path, function: str = DEFAULT_FUNCTION) -> Path:
    """`build_dir/function`, checked to be a build of the file API."""
    if not function or "/" in function or function in {".", ".."}:
        raise PackageError(f"not a logical id: {function!r}")
    found = build_dir / function
    if not (found / HANDLER).is_file():
        raise PackageError(f"{found} holds no {HANDLER}: run `sam build {function}` first")
    return found


def _files(root: Path) -> list[Path]:
    files = (path for path in root.rglob("*") if path.is_file())
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())


def write_zip(function_dir: Path, output: Path) -> int:
    """Write the package; return how many files it holds."""
    output.parent.mkdir(parents=True, exist_ok=True)
    files = _files(function_dir)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(function_dir).as_posix(), date_time=_EPOCH)
            executable = path.stat().st_mode & 0o111
            # Lambda runs the code as another user: everything must be readable.
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return len(files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=Path(".aws-sam/build"))
    parser.add_argument("--function", default=DEFAULT_FUNCTION, help="template logical id")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        function_dir = find_function_dir(args.build_dir, args.function)
    except PackageError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 1
    count = write_zip(function_dir, args.output)
    unzipped = sum(path.stat().st_size for path in _files(function_dir))
    print(
        f"{args.output}: {count} files from {function_dir},"
        f" {_size(unzipped)} unzipped, {_size(args.output.stat().st_size)} zipped"
    )
    return 0


def _size(count: int) -> str:
    return f"{count:,} bytes ({count / 1024**2:.1f} MiB)"


if __name__ == "__main__":
    sys.exit(main())
