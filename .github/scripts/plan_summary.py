"""Put a `terraform show -no-color` plan into the job summary, folded, within GitHub's limit.

    terraform show -no-color tfplan > tfplan.txt
    plan_summary.py tfplan.txt

The headline (`Plan: 1 to add, 0 to change, 0 to destroy.` or `No changes.`)
stays visible; the full plan folds under it. A job summary holds at most
1 MiB, so a longer plan is cut, saying so.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from actions_io import add_summary

# Well under the 1 MiB a step's summary may hold, leaving room for the rest.
MAX_PLAN_CHARS = 600_000
_HEADLINE = re.compile(r"^(Plan: .*|No changes\..*|Changes to Outputs:)$", re.MULTILINE)


def render(plan: str, title: str = "Terraform plan") -> str:
    """The Markdown for `plan`."""
    found = _HEADLINE.search(plan)
    headline = found.group(1) if found else "See the plan below."
    body = plan.rstrip()
    if len(body) > MAX_PLAN_CHARS:
        body = body[:MAX_PLAN_CHARS] + f"\n\n... cut at {MAX_PLAN_CHARS} characters; see the log."
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
    args = parser.parse_args(argv)
    markdown = render(args.plan.read_text(encoding="utf-8"), args.title)
    add_summary(markdown)
    print(markdown.split("\n\n", 2)[1])  # the headline, for the log
    return 0


if __name__ == "__main__":
    sys.exit(main())
