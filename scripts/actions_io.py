"""What a deploy script hands back to its workflow: step outputs and the job summary.

Outside GitHub Actions (tests, a laptop) the files are not set and nothing is
written, so every script runs the same way in both places.
"""

from __future__ import annotations

import os


def set_output(name: str, value: str) -> None:
    """Append `name=value` to $GITHUB_OUTPUT, for `steps.<id>.outputs.<name>`."""
    if "\n" in value or "\r" in value:
        # A newline would let the value forge further outputs.
        raise ValueError(f"output {name} must be a single line")
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


def add_summary(markdown: str) -> None:
    """Append Markdown to the job summary ($GITHUB_STEP_SUMMARY)."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip("\n") + "\n")
