"""Put a `terraform show -no-color` plan into the job summary, folded, within GitHub's limit.

    terraform show -no-color tfplan > tfplan.txt
    plan_summary.py tfplan.txt [--comment-file plan-comment.md]

The headline (`Plan: 1 to add, 0 to change, 0 to destroy.` or `No changes.`)
stays visible; the full plan folds under it. A job summary holds at most
1 MiB, so a longer plan is cut, saying so. `--comment-file` also writes the
same Markdown cut to what a pull request comment holds (65,536 characters).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from scripts.actions_io import add_summary

# Well under the 1 MiB a step's summary may hold, leaving room for the rest.
MAX_PLAN_CHARS = 600_000
# Under the 65,536 characters of a GitHub comment, leaving room for the frame.
MAX_COMMENT_PLAN_CHARS = 60_000
_HEADLINE = re.compile(r"^(Plan: .*|No changes\..*|Changes to Outputs:)$", re.MULTILINE)


def render(plan: str, title: str = "Terraform plan", max_chars: int | None = None) -> str:
    """The Markdown for `plan`, the plan cut at `max_chars` (default MAX_PLAN_CHARS)."""
    limit = MAX_PLAN_CHARS if max_chars is None else max_chars
    found = _HEADLINE.search(plan)
    headline = found.group(1) if found else "See the plan below."
    body = plan.rstrip()
    if len(body) > limit:
        body = body[:limit] + f"\n\n... cut at {limit} characters; see the log."
    # A fence longer than any run of backticks in the plan cannot be closed by it.
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return (
        f"### {title}\n\n**{headline}**\n\n<details><summary>Full plan</summary>\n\n"
        f"{fence}hcl\n{body}\n{fence}\n\n</details>\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path, help="output of terraform show -no-color")
    parser.add_argument("--title", default="Terraform plan")
    parser.add_argument("--comment-file", type=Path, help="also write a comment-sized copy here")
    args = parser.parse_args(argv)
    plan = args.plan.read_text(encoding="utf-8")
    markdown = render(plan, args.title)
    add_summary(markdown)
    if args.comment_file:
        comment = render(plan, args.title, max_chars=MAX_COMMENT_PLAN_CHARS)
        args.comment_file.write_text(comment, encoding="utf-8")
    print(markdown.split("\n\n", 2)[1])  # the headline, for the log
    return 0


if __name__ == "__main__":
    sys.exit(main())
