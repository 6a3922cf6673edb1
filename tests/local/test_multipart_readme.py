"""The README's multipart flow ("Large and resumable uploads"), run as written with curl
and jq against `make dev`, so it cannot drift."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.local.conftest import Stack

README = Path(__file__).resolve().parents[2] / "README.md"


def flow() -> str:
    section = README.read_text().split("### Large and resumable uploads", 1)[1]
    section = section.split("\n### ", 1)[0].split("\n## ", 1)[0]
    blocks: list[str] = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    return blocks[0]


def test_the_readmes_multipart_flow_works_against_make_dev(stack: Stack) -> None:
    if shutil.which("jq") is None:
        pytest.skip("jq is missing (the README's examples use it)")
    token, _ = stack.new_tenant()
    script = flow().replace("http://127.0.0.1:8000", stack.api)
    prelude = f"""
set -euo pipefail
export TOKEN={token}
curl() {{ command curl --silent --show-error --fail-with-body "$@"; echo; }}
"""
    with tempfile.TemporaryDirectory() as workdir:
        result = subprocess.run(
            ["bash", "-c", prelude + script],
            cwd=workdir,
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": workdir},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        source = (Path(workdir) / "large.bin").read_bytes()
    assert '"uploaded_bytes":20000000' in result.stdout  # the parts listing
    auth = {"Authorization": f"Bearer {token}"}
    url = httpx.get(f"{stack.api}/files/presigned-url/docs/large.bin", headers=auth).json()["url"]
    stored = httpx.get(url, timeout=60).content
    assert hashlib.sha256(stored).digest() == hashlib.sha256(source).digest()
