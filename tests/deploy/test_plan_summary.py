"""The Terraform plan in the job summary: headline visible, plan folded, size bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import plan_summary

PLAN = """
Terraform will perform the following actions:

  # module.ecr.aws_ecr_repository.this will be created
  + resource "aws_ecr_repository" "this" {
      + name = "snsd-production"
    }

Plan: 1 to add, 0 to change, 0 to destroy.
"""


def test_the_headline_stays_visible_and_the_plan_folds(
    tmp_path: Path, github_files: tuple[Path, Path]
) -> None:
    source = tmp_path / "tfplan.txt"
    source.write_text(PLAN)
    assert plan_summary.main([str(source)]) == 0
    summary = github_files[1].read_text()
    assert "**Plan: 1 to add, 0 to change, 0 to destroy.**" in summary
    assert "<details>" in summary
    assert 'resource "aws_ecr_repository" "this"' in summary


def test_no_changes() -> None:
    markdown = plan_summary.render("No changes. Your infrastructure matches the configuration.\n")
    assert "**No changes. Your infrastructure matches the configuration.**" in markdown


def test_a_long_plan_is_cut_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plan_summary, "MAX_PLAN_CHARS", 100)
    markdown = plan_summary.render("x" * 1000 + "\nPlan: 9 to add, 0 to change, 0 to destroy.\n")
    assert "cut at 100 characters" in markdown
    assert len(markdown) < 400


def test_backticks_in_the_plan_cannot_close_the_fence() -> None:
    markdown = plan_summary.render('  + description = "````"\nPlan: 1 to add\n')
    assert "\n`````hcl\n" in markdown


def test_the_comment_file_fits_a_pull_request_comment(tmp_path: Path) -> None:
    source, comment = tmp_path / "tfplan.txt", tmp_path / "plan-comment.md"
    source.write_text("x" * 200_000 + "\nPlan: 3 to add, 0 to change, 0 to destroy.\n")
    assert plan_summary.main([str(source), "--comment-file", str(comment)]) == 0
    text = comment.read_text()
    assert len(text) < 65_536
    assert "**Plan: 3 to add, 0 to change, 0 to destroy.**" in text
    assert f"cut at {plan_summary.MAX_COMMENT_PLAN_CHARS} characters" in text
