"""The API doc's multipart flow (docs/api.md, "Large and resumable uploads"), run as written
with curl and jq against `make dev`, so it cannot drift."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.support.stack import Stack

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def flow() -> str:
    section = API_DOC.read_text().split("### Large and resumable uploads", 1)[1]
    section = section.split("\n### ", 1)[0].split("\n## ", 1)[0]
    blocks: list[str] = re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
    return blocks[0]


def test_the_api_docs_multipart_flow_works_against_make_dev(stack: Stack) -> None:
    if shutil.which("jq") is None:
        pytest.skip("jq is missing (the doc's examples use it)")
    token, tenant = stack.new_tenant()
    script = flow()
    assert "127.0.0.1:8000" not in script  # API comes from the walkthrough (`make env`)
    prelude = f"""
set -euo pipefail
export TOKEN={token} TENANT={tenant} API={stack.api}
curl() {{ command curl --silent --show-error --fail-with-body "$@"; echo; }}
"""
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run(
            ["bash", "-c", prelude + script],
            cwd=scratch,
            # The flow's own `mktemp -d` lands in this test's directory.
            env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        [written] = Path(scratch).glob("*/large.bin")
        source = written.read_bytes()
    assert '"uploaded_bytes":20000000' in result.stdout  # the parts listing
    auth = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant}
    url = httpx.get(f"{stack.api}/files/presigned-url/docs/large.bin", headers=auth).json()["url"]
    stored = httpx.get(url, timeout=60).content
    assert hashlib.sha256(stored).digest() == hashlib.sha256(source).digest()
