"""Uppy from the npm registry, bundled once for the browser tests (never a CDN at run time).

`tests/local/uppy/` pins the packages (`package.json` and its lockfile) and
says what the page gets (`entry.js`: `@uppy/core`, `@uppy/aws-s3` and
`@uppy/golden-retriever` as globals). `npm ci` installs exactly the locked
versions and esbuild (from npm too) bundles them into one script, cached under
`.local/uppy-bundle/` by the hash of those three files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).with_name("uppy")
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("package.json", "package-lock.json", "entry.js")
# What npm prints when it cannot reach the registry at all.
UNREACHABLE = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ETIMEDOUT", "ECONNRESET", "network")


class NpmUnreachable(RuntimeError):
    pass


def _key() -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def build(cache: Path | None = None) -> Path:
    """The bundle's path, built on first use (`NpmUnreachable` without the registry)."""
    cache = cache or ROOT / ".local" / "uppy-bundle"
    bundle = cache / f"uppy-{_key()}.js"
    if bundle.exists():
        return bundle
    npm = shutil.which("npm")
    if npm is None:
        raise NpmUnreachable("npm is not installed")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as work:
        for name in SOURCES:
            shutil.copy(HERE / name, Path(work) / name)
        env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false"}
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--loglevel=error"],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if installed.returncode != 0:
            output = installed.stdout + installed.stderr
            if any(sign in output for sign in UNREACHABLE):
                raise NpmUnreachable(output[-2000:])
            raise RuntimeError(f"npm ci failed:\n{output[-4000:]}")
        built = Path(work) / "uppy.js"
        subprocess.run(
            [
                str(Path(work) / "node_modules" / ".bin" / "esbuild"),
                "entry.js",
                "--bundle",
                "--format=iife",
                "--platform=browser",
                "--target=chrome110",
                "--log-level=warning",
                f"--outfile={built}",
            ],
            cwd=work,
            check=True,
            timeout=120,
        )
        built.replace(bundle)  # atomic: a concurrent run sees all of it or none
    return bundle


def bundle_or_skip() -> Path:
    """The bundle; without the npm registry the test is skipped, except in CI (which has it)."""
    try:
        return build()
    except NpmUnreachable as missing:
        message = f"the npm registry is unreachable, so Uppy cannot be bundled: {missing}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
