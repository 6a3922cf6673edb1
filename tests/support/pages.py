"""The pages' assets, as `make pages` builds them (web/ into file_lambda/pages/assets/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "file_lambda" / "pages" / "assets"


def built_assets() -> dict[str, str]:
    """The manifest of the built assets, built first when missing (`make pages`).

    Without Node the test is skipped, except in CI, where the SAM build has already
    run `make pages` and a missing build is a failure.
    """
    manifest = ASSETS / "manifest.json"
    if not manifest.exists():
        if shutil.which("npm") is None:
            message = "Node and npm are missing, so the pages cannot be built (make pages)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        subprocess.run(["make", "-s", "pages"], cwd=ROOT, check=True, timeout=600)
    found: dict[str, str] = json.loads(manifest.read_text())
    return found
