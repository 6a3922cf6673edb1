"""docs/sam.md and samconfig.toml, read as a newcomer without Docker reads them: the
command that stands in for `sam local invoke` is given, the package's size comes from
the build, and every section samconfig.toml points to exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.test_docs import anchors, slug

ROOT = Path(__file__).resolve().parents[2]
SAM_DOC = ROOT / "docs" / "sam.md"
# A pointer from a comment to a Markdown section: (path/to/file.md, "Heading").
POINTER = re.compile(r'\(([\w./-]+\.md), "([^"]+)"\)')


def _bash(path: Path) -> str:
    return "\n".join(re.findall(r"```bash\n(.*?)```", path.read_text(), re.S))


def test_samconfig_points_to_sections_that_exist() -> None:
    comments = " ".join(
        line.lstrip("# ").strip()
        for line in (ROOT / "samconfig.toml").read_text().splitlines()
        if line.startswith("#")
    )
    pointers = POINTER.findall(comments)
    assert pointers, "samconfig.toml names no section of the docs"
    for path, heading in pointers:
        assert (ROOT / path).is_file(), path
        assert slug(heading) in anchors(ROOT / path), f'{path} has no section "{heading}"'


def test_sam_doc_gives_both_commands() -> None:
    commands = _bash(SAM_DOC)
    assert re.search(r"^\.venv/bin/python -m pytest tests/sam\b", commands, re.M)
    assert "sam local invoke FileApiFunction" in commands
    assert re.search(r"^make sam-check\b", commands, re.M)


def test_the_package_size_is_printed_by_the_build() -> None:
    recipe = subprocess.run(
        ["make", "-n", "sam-check"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    build = recipe.index("sam build")
    assert "-m scripts.lambda_package --output .aws-sam/file-api.zip" in recipe[build:]
    text = " ".join(SAM_DOC.read_text().split())
    assert "`make sam-check` then zips it" in text
    assert "prints its size, unzipped and zipped, from the build itself" in text
