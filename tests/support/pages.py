"""The pages' assets, as `make pages` builds them (web/ into file_lambda/pages/assets/), and
/docs' Swagger UI, which the same step copies into core_service/docs_assets/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "file_lambda" / "pages" / "assets"
DOCS_ASSETS = ROOT / "core_service" / "docs_assets"


def built_assets(folder: Path = ASSETS) -> dict[str, str]:
    """The manifest of the built assets (the pages', or DOCS_ASSETS), built first when
    missing (`make pages`).

    Without Node the test is skipped, except in CI, where the SAM build has already
    run `make pages` and a missing build is a failure.
    """
    manifest = folder / "manifest.json"
    if not manifest.exists():
        if shutil.which("npm") is None:
            message = "Node and npm are missing, so the pages cannot be built (make pages)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        subprocess.run(["make", "-s", "pages"], cwd=ROOT, check=True, timeout=600)
    found: dict[str, str] = json.loads(manifest.read_text())
    return found
