"""The repository's Markdown, checked the way a reader on GitHub follows it.

Every relative link resolves to a file inside the repository (a clone has
nothing beside it), every `#anchor` to a heading of its target, and the README
stays an entry page. No network: web links are not followed.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
README_MAX_BYTES = 10_240

_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
# [text](target "title") and ![alt](target); the target may sit in <...>.
_INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)"
)
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
_HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def markdown_files() -> list[Path]:
    """The Markdown a clone holds: tracked files, and new ones not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted({ROOT / name for name in listed.splitlines() if (ROOT / name).is_file()})


def prose(text: str) -> str:
    """`text` without fenced code blocks and code spans, where brackets are not links."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def links(text: str) -> list[str]:
    body = prose(text)
    return _INLINE_LINK.findall(body) + _REFERENCE.findall(body)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text, lower case, punctuation dropped, spaces as -."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"<[^>]+>", "", text).replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    """Every anchor of a Markdown file: its headings' slugs (repeats get -1, -2) and HTML ids."""
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    found: set[str] = set(_HTML_ANCHOR.findall(text))
    seen: dict[str, int] = {}
    for _, heading in _HEADING.findall(text):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with each relative link of `path` in the checkout `root`, one line each."""
    problems = []
    for target in links(path.read_text(encoding="utf-8")):
        if not target or _SCHEME.match(target) or target.startswith("//"):
            continue
        file_part, _, anchor = target.partition("#")
        if "/shared/" in f"/{file_part}/" and file_part.startswith("../"):
            problems.append(f"{target}: the shared inputs are not part of a clone")
            continue
        resolved = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not resolved.is_relative_to(root):
            problems.append(f"{target}: outside the repository")
        elif not resolved.exists():
            problems.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and unquote(anchor) not in anchors(resolved):
            problems.append(f"{target}: no heading #{anchor} in {resolved.relative_to(root)}")
    return problems


FILES = markdown_files()


def test_the_repository_has_its_docs() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in FILES}
    assert {"README.md", "DEPLOYMENT.md", "docs/api.md", "docs/design.md"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_inside_the_repository(path: Path) -> None:
    problems = broken_links(path)
    assert not problems, "\n".join(problems)


def test_the_readme_is_an_entry_page() -> None:
    assert (ROOT / "README.md").stat().st_size <= README_MAX_BYTES


# The checker itself, on made-up pages: a link check that passes everything proves nothing.


def test_slugs_are_githubs() -> None:
    assert slug("Large and resumable uploads") == "large-and-resumable-uploads"
    assert slug("With Docker: `sam local invoke` and `sam local start-api`") == (
        "with-docker-sam-local-invoke-and-sam-local-start-api"
    )
    assert slug("Where a bar is missed, and why") == "where-a-bar-is-missed-and-why"
    assert slug("The [API](api.md) in 1.2") == "the-api-in-12"


def test_the_checker_finds_each_kind_of_broken_link(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# Readme\n", encoding="utf-8")
    (tmp_path / "docs" / "api.md").write_text("# API\n\n## Authentication\n", encoding="utf-8")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "# Title\n\n## Same name\n\n## Same name\n\n"
        "[ok](api.md#authentication) [ok](#same-name-1) [ok](../README.md) [web](https://x.y/z)\n"
        "`[code](nowhere.md)`\n\n```\n[fenced](nowhere.md)\n```\n\n"
        "[a](nowhere.md) [b](api.md#no-such-heading) [c](../../outside.md) "
        "[d](../../shared/API.md) [e](#missing)\n\n[ref]: gone.md\n",
        encoding="utf-8",
    )
    found = broken_links(page, root=tmp_path.resolve())
    assert [problem.split(": ", 1)[0] for problem in found] == [
        "nowhere.md",
        "api.md#no-such-heading",
        "../../outside.md",
        "../../shared/API.md",
        "#missing",
        "gone.md",
    ]
