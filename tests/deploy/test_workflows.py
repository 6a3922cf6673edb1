"""Static rules of the workflows that actionlint and checkov do not enforce.

`make workflows-check` validates them against GitHub's schema, lints them
(actionlint, with shellcheck on `run:` scripts) and scans them (checkov);
these tests hold this repository's own rules: pinned actions with their
source cited, time limits, least permissions, no AWS access keys where a pull
request runs, and CI running everything `make test` runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+(\.\d+)*\s*$")


def _load(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    loaded["on"] = loaded.pop(True, loaded.get("on"))
    return dict(loaded)


def _uses_lines(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]


def test_the_three_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "deploy.yml", "terraform.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_sha_with_their_version(path: Path) -> None:
    for line in _uses_lines(path):
        if "uses: ./" in line:
            continue  # this repository's own reusable workflow
        assert PINNED.match(line), f"{path.name}: not pinned by commit SHA: {line.strip()}"


def test_every_pinned_sha_cites_where_it_was_seen() -> None:
    readme = (ROOT / ".github" / "README.md").read_text()
    for path in WORKFLOWS:
        for line in _uses_lines(path):
            found = PINNED.match(line)
            if found:
                action, sha = found.group(1), found.group(2)
                assert f"{action}@{sha}" in readme, f"{action}@{sha} has no source in README"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_permissions_and_time_limits(path: Path) -> None:
    workflow = _load(path)
    top = workflow.get("permissions")
    assert top is not None, f"{path.name}: no top-level permissions"
    assert top in ({}, {"contents": "read"}), f"{path.name}: top-level permissions {top}"
    for name, job in workflow["jobs"].items():
        if "uses" in job:  # a called workflow sets its own limits
            continue
        assert isinstance(job.get("timeout-minutes"), int), f"{path.name}:{name} no timeout"
        permissions = job.get("permissions", top)
        steps = " ".join(str(step.get("uses", "")) for step in job["steps"])
        if "configure-aws-credentials" in steps:
            assert permissions.get("id-token") == "write", f"{path.name}:{name} needs OIDC"
        else:
            assert "id-token" not in permissions, f"{path.name}:{name} asks for an OIDC token"
        writes = {k for k, v in permissions.items() if v == "write"} - {"id-token"}
        if writes == {"pull-requests"}:
            # Only a job that comments: no checkout of the branch's code, no AWS.
            assert not [x for x in job["steps"] if "checkout" in str(x.get("uses", ""))], name
            assert "configure-aws-credentials" not in steps, name
            continue
        assert not writes, f"{path.name}:{name} writes {writes}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkouts_do_not_keep_the_token(path: Path) -> None:
    for name, job in _load(path)["jobs"].items():
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, name


DEPLOY = ROOT / ".github" / "workflows" / "deploy.yml"
TERRAFORM = ROOT / ".github" / "workflows" / "terraform.yml"


def test_deploys_run_after_the_infrastructure_workflow_for_the_same_commit() -> None:
    deploy, terraform = _load(DEPLOY), _load(TERRAFORM)
    # Triggered by the Terraform workflow's completion on main (or by hand),
    # never by a push of its own that could overtake the apply.
    assert set(deploy["on"]) == {"workflow_run", "workflow_dispatch"}
    run = deploy["on"]["workflow_run"]
    assert run["workflows"] == [terraform["name"]]
    assert run["types"] == ["completed"]
    assert run["branches"] == ["main"]
    # terraform.yml runs on every push to main, so no commit deploys without it.
    assert terraform["on"]["push"] == {"branches": ["main"]}

    jobs = deploy["jobs"]
    applied = " ".join(str(jobs["applied"]["if"]).split())
    for condition in (
        "github.event.workflow_run.conclusion == 'success'",
        "github.event.workflow_run.event == 'push'",
        # The run of a dispatched apply (DEPLOYMENT.md, step 3) ships its commit.
        "github.event.workflow_run.event == 'workflow_dispatch'",
        "github.event.workflow_run.head_branch == 'main'",
        "github.event.workflow_run.head_repository.full_name == github.repository",
        "github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main'",
    ):
        assert condition in applied, condition
    assert "github.event.workflow_run.head_sha" in str(jobs["applied"]["steps"])
    assert jobs["gate"]["needs"] == "applied"
    assert jobs["gate"]["if"] == "needs.applied.outputs.ready == 'true'"
    assert jobs["gate"]["outputs"]["sha"] == "${{ needs.applied.outputs.sha }}"
    # Everything after the gate runs on the commit the infrastructure was applied for.
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["test"]["needs"] == "gate"
    assert jobs["test"]["with"]["ref"] == "${{ needs.gate.outputs.sha }}"
    for name in ("core", "files", "smoke"):
        needs = jobs[name]["needs"]
        assert "gate" in needs, name
        checkouts = [x for x in jobs[name]["steps"] if "checkout@" in str(x.get("uses", ""))]
        assert [c["with"]["ref"] for c in checkouts] == ["${{ needs.gate.outputs.sha }}"], name
    assert set(jobs["core"]["needs"]) == set(jobs["files"]["needs"]) == {"gate", "migrate"}
    assert set(jobs["smoke"]["needs"]) == {"gate", "core", "files"}
    ci = _load(ROOT / ".github" / "workflows" / "ci.yml")
    assert ci["on"]["workflow_call"]["inputs"]["ref"]["type"] == "string"
    for job in ci["jobs"].values():
        for step in job["steps"]:
            if "checkout@" in str(step.get("uses", "")):
                assert step["with"]["ref"] == "${{ inputs.ref }}"


def test_deploy_role_jobs_run_in_the_protected_environment_with_oidc_only() -> None:
    for name, job in _load(DEPLOY)["jobs"].items():
        steps = [
            x for x in job.get("steps", []) if "configure-aws-credentials" in str(x.get("uses"))
        ]
        if not steps:
            continue
        assert job["environment"] == "production", name  # the deploy role's one subject
        assert [x["with"].get("role-to-assume") for x in steps] == [
            "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
        ], name


def test_no_workflow_uses_aws_access_keys() -> None:
    """OIDC everywhere: the bootstrap makes the roles before the first run."""
    for path in WORKFLOWS:
        assert not AWS_KEYS.search(path.read_text()), path.name


def _step(job: dict[str, Any], uses: str) -> dict[str, Any]:
    found = [x for x in job["steps"] if str(x.get("uses", "")).startswith(uses + "@")]
    assert len(found) == 1, uses
    return found[0]


def _step_named(job: dict[str, Any], name: str) -> dict[str, Any]:
    found = [x for x in job["steps"] if x.get("name") == name]
    assert len(found) == 1, name
    return found[0]


def test_both_halves_start_only_after_the_migration_succeeded() -> None:
    jobs = _load(DEPLOY)["jobs"]
    assert set(jobs["migrate"]["needs"]) == {"gate", "test"}
    for half in ("core", "files"):
        # Plain needs, no `if: always()`: a failed or skipped migrate skips them.
        assert "migrate" in jobs[half]["needs"], half
        assert "always()" not in str(jobs[half].get("if", "")), half
    assert "always()" not in str(jobs["migrate"].get("if", ""))
    checkouts = [x for x in jobs["migrate"]["steps"] if "checkout@" in str(x.get("uses", ""))]
    assert [c["with"]["ref"] for c in checkouts] == ["${{ needs.gate.outputs.sha }}"]


def test_the_migration_runs_its_own_family_with_the_new_image() -> None:
    jobs = _load(DEPLOY)["jobs"]
    migrate = jobs["migrate"]
    names = [str(x.get("id", "")) for x in migrate["steps"]]
    runs = [str(x.get("run", "")) for x in migrate["steps"]]
    [run] = [r for r in runs if "scripts.ecs_deploy migrate" in r]
    assert names.index("image") < runs.index(run)
    assert "docker push" in runs[names.index("image")]
    assert '--family "$ECS_MIGRATION_FAMILY"' in run
    assert migrate["env"]["ECS_MIGRATION_FAMILY"] == (
        "${{ vars.ECS_MIGRATION_FAMILY || 'snsd-production-migrate' }}"
    )
    assert migrate["env"]["ECS_MIGRATION_FAMILY"] != jobs["core"]["env"]["ECS_FAMILY"]
    # No one-off task of the service's family, no command override anywhere:
    # the deploy role may not run them (terraform/modules/iam).
    text = DEPLOY.read_text()
    assert "run-task" not in text
    assert "command" not in yaml.safe_dump(jobs)
    # The URL stays in the task: nothing in the workflow holds or prints it.
    assert "SUPABASE_DB_URL" not in text


def test_core_rolls_the_new_image_on_terraforms_revision() -> None:
    core = _load(DEPLOY)["jobs"]["core"]
    names = [str(x.get("id", "")) for x in core["steps"]]
    assert names.index("image") < names.index("render") < names.index("ecs")
    assert "docker" not in str(core["steps"][names.index("image")]["run"])  # migrate pushed it
    render = core["steps"][names.index("render")]["run"]
    # Built on the family's latest revision (Terraform's), only the image changed.
    assert "scripts.ecs_deploy render" in render
    assert '--family "$ECS_FAMILY"' in render
    assert "--image" in render
    action = _step(core, "aws-actions/amazon-ecs-deploy-task-definition")
    settings = action["with"]
    assert settings["task-definition"] == "task-definition.json"
    assert settings["wait-for-service-stability"] is True
    assert not [k for k in settings if k.startswith("run-task")]
    smoke = " ".join(x.get("run", "") for x in core["steps"])
    assert "/ready" in smoke
    assert "/health" in smoke
    smoke_all = " ".join(x.get("run", "") for x in _load(DEPLOY)["jobs"]["smoke"]["steps"])
    for path in ("/health", "/ready", "/files/health"):
        assert path in smoke_all, path


def test_an_approved_plan_is_the_plan_applied() -> None:
    terraform = _load(TERRAFORM)
    assert "TF_VAR_" not in TERRAFORM.read_text(), "inputs come from production.tfvars only"
    jobs = terraform["jobs"]
    plan, apply = jobs["plan"], jobs["apply"]
    # A pull request is planned when it changes what a plan reads.
    decide = _step_named(jobs["changes"], "Decide")
    planned = re.compile(decide["env"]["PLANNED"])
    # Both sides of a move: a file moved out of terraform/ changes the plan too.
    assert "git diff --name-only --no-renames HEAD^1 HEAD" in decide["run"]
    for changed, plans in {
        "terraform/main.tf": True,
        "terraform/modules/ecs/main.tf": True,
        ".github/workflows/terraform.yml": True,
        "scripts/plan_summary.py": True,
        "README.md": False,
        "core_service/app.py": False,
        "tests/terraform/test_static.py": False,
    }.items():
        assert bool(planned.search(changed)) is plans, changed
    assert plan["needs"] == "changes"
    assert "needs.changes.outputs.plan == 'true'" in plan["if"]
    # No OIDC token for forks or Dependabot: a plan would fail the required check.
    for condition in (
        "github.event.pull_request.head.repo.full_name == github.repository",
        "github.actor != 'dependabot[bot]'",
    ):
        assert condition in plan["if"], condition

    plan_runs = "\n".join(x.get("run", "") for x in plan["steps"])
    assert "-var-file=production.tfvars" in plan_runs
    assert "-out=tfplan" in plan_runs
    assert "python3 -m scripts.plan_summary" in plan_runs
    assert "-detailed-exitcode" in plan_runs
    assert plan["outputs"]["changes"] == "${{ steps.plan.outputs.changes }}"
    assert plan["outputs"]["plan_sha256"] == "${{ steps.plan.outputs.plan_sha256 }}"
    uploads = [
        x for x in plan["steps"] if str(x.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    plan_upload = next(x for x in uploads if "terraform/tfplan" in x["with"]["path"])
    assert plan_upload["if"] == "github.event_name != 'pull_request'"

    # A pull request's plan reaches the pull request as a comment.
    comment = jobs["comment"]
    assert comment["needs"] == "plan"
    assert comment["if"] == "github.event_name == 'pull_request'"
    assert "gh pr comment" in " ".join(x.get("run", "") for x in comment["steps"])

    # Apply: after the plan, main only, in the protected environment, only
    # when there is something to apply, and it applies that file, nothing else.
    assert apply["needs"] == "plan"
    for condition in (
        "github.event_name != 'pull_request'",
        "github.ref == 'refs/heads/main'",
        "needs.plan.outputs.changes == 'true'",
    ):
        assert condition in apply["if"], condition
    assert apply["environment"] == "production-infrastructure"
    download = _step(apply, "actions/download-artifact")
    # The upload's name, for this run or the plan run a dispatch names.
    assert plan_upload["with"]["name"] == "tfplan-${{ github.run_id }}-${{ github.run_attempt }}"
    assert download["with"]["name"] == "${{ steps.source.outputs.artifact }}"
    source = _step_named(apply, "The plan is this workflow's, for this commit of main")["run"]
    assert 'echo "artifact=tfplan-${PLAN_RUN_ID}-$(jq -r .run_attempt <<<"$planned")"' in source
    runs = [x.get("run", "") for x in apply["steps"]]
    assert not [r for r in runs if "terraform plan" in r], "apply must not plan again"
    assert "terraform apply tfplan" in runs
    check = next(r for r in runs if "sha256sum --check" in r)
    assert runs.index(check) < runs.index("terraform apply tfplan")
    order = [str(x.get("uses") or x.get("run")) for x in apply["steps"]]
    assert order.index(next(o for o in order if "download-artifact" in o)) < order.index(
        "terraform apply tfplan"
    )
    roles = [
        x["with"]["role-to-assume"] for x in apply["steps"] if "configure-aws" in str(x.get("uses"))
    ]
    assert roles == ["${{ vars.AWS_TERRAFORM_ROLE_ARN }}"]
    plan_roles = [
        x["with"]["role-to-assume"] for x in plan["steps"] if "configure-aws" in str(x.get("uses"))
    ]
    assert plan_roles == ["${{ vars.AWS_TERRAFORM_PLAN_ROLE_ARN }}"]


# --------------------------------------------------------------------------
# Required checks, the apply gate, one writer of production (issue 26: 1, 4, 8, 16)
# --------------------------------------------------------------------------

CI = ROOT / ".github" / "workflows" / "ci.yml"
PATH_FILTERS = {"paths", "paths-ignore", "branches", "branches-ignore"}


def _aggregators() -> dict[str, tuple[dict[str, Any], str]]:
    """Each workflow's result job, by its check name: (workflow, job id)."""
    found = {}
    for path in WORKFLOWS:
        workflow = _load(path)
        for key, job in workflow["jobs"].items():
            if str(job.get("name", "")).endswith(" result"):
                found[job["name"]] = (workflow, key)
    return found


def _required_checks() -> list[str]:
    """The checks DEPLOYMENT.md's branch protection requires."""
    text = (ROOT / "DEPLOYMENT.md").read_text()
    protection = re.search(r"branches/main/protection.*?\nJSON\n", text, re.S)
    assert protection, "DEPLOYMENT.md sets no branch protection"
    contexts = re.search(r'"contexts": (\[.*?\])', protection.group(0), re.S)
    assert contexts, "DEPLOYMENT.md's branch protection requires no check"
    return list(json.loads(contexts.group(1)))


def test_required_checks_are_one_result_job_per_workflow_that_always_runs() -> None:
    aggregators = _aggregators()
    assert {workflow["name"] for workflow, _ in aggregators.values()} == {"CI", "Terraform"}
    for name, (workflow, key) in aggregators.items():
        job = workflow["jobs"][key]
        # A path filter would leave the check pending on the pull requests it skips.
        pull_request = workflow["on"]["pull_request"] or {}
        assert not PATH_FILTERS & set(pull_request), f"{name}: pull requests are filtered"
        others = set(workflow["jobs"]) - {key}
        assert set(job["needs"]) == others, f"{name} does not need every other job"
        assert job["if"] == "always()", name
        assert not [s for s in job["steps"] if "if" in s], name
        script = " ".join(s.get("run", "") for s in job["steps"])
        # Anything but success or a deliberate skip (failure, cancelled) fails it.
        assert job["steps"][0]["env"]["RESULTS"] == "${{ toJSON(needs) }}", name
        assert '.value.result != "success" and .value.result != "skipped"' in script, name
        assert "exit 1" in script, name
    # DEPLOYMENT.md requires exactly these, and nothing that may never run.
    assert sorted(_required_checks()) == sorted(aggregators)


def test_the_result_script_fails_on_a_failed_or_cancelled_job(tmp_path: Path) -> None:
    """The aggregator's own shell, run on what `toJSON(needs)` gives it."""
    workflow, key = _aggregators()["CI result"]
    script = workflow["jobs"][key]["steps"][0]["run"]
    for results, passes in (
        ({"lint": "success", "tests": "skipped"}, True),
        ({"lint": "success", "tests": "failure"}, False),
        ({"lint": "cancelled", "tests": "success"}, False),
    ):
        needs = json.dumps({k: {"result": v, "outputs": {}} for k, v in results.items()})
        done = subprocess.run(
            ["bash", "-e", "-c", script],
            env={"PATH": os.environ["PATH"], "RESULTS": needs},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert (done.returncode == 0) is passes, (results, done.stdout, done.stderr)


def test_one_concurrency_group_for_everything_that_changes_production() -> None:
    terraform, deploy = _load(TERRAFORM), _load(DEPLOY)
    apply = terraform["jobs"]["apply"]["concurrency"]
    # The same string: a deploy never runs beside an apply, nor an apply beside a deploy.
    assert apply == deploy["concurrency"] == {"group": "production", "cancel-in-progress": False}
    # Plans of pull requests keep their own group, cancelled by a newer push.
    plans = terraform["concurrency"]
    assert "github.event_name == 'pull_request' && github.ref" in plans["group"]
    assert plans["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    for path in WORKFLOWS:
        workflow = _load(path)
        groups = [workflow.get("concurrency", {}).get("group")] + [
            job.get("concurrency", {}).get("group") for job in workflow["jobs"].values()
        ]
        writes = path.name == "deploy.yml" or any(
            "terraform apply" in str(s.get("run", ""))
            for job in workflow["jobs"].values()
            for s in job.get("steps", [])
        )
        assert ("production" in groups) is writes, path.name


def test_an_apply_needs_a_reviewer_or_a_dispatch_on_any_github_plan() -> None:
    terraform, deploy = _load(TERRAFORM), _load(DEPLOY)
    jobs = terraform["jobs"]
    apply, pending = jobs["apply"], jobs["apply-pending"]
    assert terraform["on"]["workflow_dispatch"]["inputs"]["plan_run_id"]["type"] == "string"
    condition = " ".join(apply["if"].split())
    # On push only where the environment's reviewers exist (the variable says so) ...
    assert (
        "github.event_name != 'pull_request' && vars.TERRAFORM_APPLY_ON_PUSH == 'true' && "
        "needs.plan.result == 'success' && needs.plan.outputs.changes == 'true'"
    ) in condition
    # ... otherwise by a dispatch naming the plan run, from main.
    assert "(github.event_name == 'workflow_dispatch' && inputs.plan_run_id != '')" in condition
    assert "github.ref == 'refs/heads/main'" in condition
    assert condition.startswith("!cancelled() && ")
    # A push whose plan has changes and no apply on push says how to apply it.
    assert pending["needs"] == "plan"
    assert pending["if"] == (
        "github.event_name != 'pull_request' && vars.TERRAFORM_APPLY_ON_PUSH != 'true' "
        "&& needs.plan.outputs.changes == 'true'"
    )
    assert "gh workflow run terraform.yml --ref main -f plan_run_id=${GITHUB_RUN_ID}" in str(
        pending["steps"]
    )
    # The dispatched apply takes that run's artifact, only of this workflow,
    # for main, for the commit it runs on, and only when the run succeeded.
    source = _step_named(apply, "The plan is this workflow's, for this commit of main")
    assert source["env"]["PLAN_RUN_ID"] == "${{ inputs.plan_run_id || github.run_id }}"
    for check in (
        "$run.workflow_id != $this.workflow_id",
        '($run.event | IN("push", "workflow_dispatch") | not) or $run.head_branch != "main"',
        "$run.head_sha != $this.head_sha",
        '$run.id != $this.id and $run.conclusion != "success"',
        '[[ "$PLAN_RUN_ID" =~ ^[0-9]+$ ]]',
    ):
        assert check in source["run"], check
    download = _step(apply, "actions/download-artifact")["with"]
    assert download["run-id"] == "${{ steps.source.outputs.run_id }}"
    assert download["github-token"] == "${{ github.token }}"
    assert apply["permissions"] == {"actions": "read", "contents": "read", "id-token": "write"}
    # Deploy ships after the dispatched apply's run, never after a run that
    # left its plan waiting: it looks for that job by its name.
    applied = deploy["jobs"]["applied"]
    assert f'select(.name == "{pending["name"]}"' in str(applied["steps"])
    assert applied["permissions"] == {"actions": "read"}


@pytest.mark.parametrize(
    ("run", "problem"),
    [
        ({}, ""),
        ({"id": 7}, ""),
        ({"id": 7, "workflow_id": 6}, "is not a run of this workflow"),
        ({"id": 7, "event": "pull_request"}, "not a run for main"),
        ({"id": 7, "head_branch": "feature"}, "not a run for main"),
        ({"id": 7, "head_sha": "b" * 40}, "apply the newest plan run of main"),
        ({"id": 7, "conclusion": "failure"}, "did not succeed"),
        ({"id": 7, "conclusion": None}, "did not succeed"),
    ],
)
def test_a_dispatched_apply_checks_the_plan_run(run: dict[str, Any], problem: str) -> None:
    """The apply job's jq program, on run objects as GitHub's API returns them."""
    this = {
        "id": 9,
        "workflow_id": 5,
        "event": "workflow_dispatch",
        "head_branch": "main",
        "head_sha": "a" * 40,
        "conclusion": None,
    }
    planned = {**this, "event": "push", "conclusion": "success", **run}
    source = _step_named(
        _load(TERRAFORM)["jobs"]["apply"], "The plan is this workflow's, for this commit of main"
    )
    program = source["run"].split('--argjson run "$planned" \'', 1)[1].split("')\"", 1)[0]
    done = subprocess.run(
        [
            "jq",
            "-rn",
            "--argjson",
            "this",
            json.dumps(this),
            "--argjson",
            "run",
            json.dumps(planned),
            program,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert problem in done.stdout
    assert bool(done.stdout.strip()) is bool(problem), done.stdout


def test_ci_runs_the_terraform_suites_with_the_providers_from_the_registry() -> None:
    ci, terraform = _load(CI), _load(TERRAFORM)
    job = ci["jobs"]["terraform"]
    assert [s["run"] for s in job["steps"] if "run" in s] == ["make terraform-test"]
    assert job["env"]["SNSD_TERRAFORM_PROVIDERS"] == "registry"
    # The same setup-terraform line, the same version, as terraform.yml.
    setup = [line for line in _uses_lines(CI) if "hashicorp/setup-terraform@" in line]
    assert setup == [line for line in _uses_lines(TERRAFORM) if "setup-terraform@" in line][:1]
    assert ci["env"]["TERRAFORM_VERSION"] == terraform["env"]["TERRAFORM_VERSION"]
    assert _step(job, "hashicorp/setup-terraform")["with"]["terraform_wrapper"] is False
    caches = [s["with"] for s in job["steps"] if "actions/cache@" in str(s.get("uses"))]
    cache = next(c for c in caches if c["path"] == "${{ env.TF_PLUGIN_CACHE_DIR }}")
    for lock in ("terraform/.terraform.lock.hcl", "terraform/bootstrap/.terraform.lock.hcl"):
        assert lock in cache["key"], lock
    makefile = (ROOT / "Makefile").read_text()
    assert "terraform-test: $(STAMP)\n\t$(BIN)/python -m pytest tests/terraform\n" in makefile


@pytest.mark.slow
def test_the_registry_mode_never_skips(tmp_path: Path) -> None:
    """CI's Terraform job cannot pass by skipping: without terraform it fails."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/terraform/test_cli.py::test_validate",
        ],
        cwd=ROOT,
        env={
            "PATH": str(tmp_path),  # no terraform on it
            "HOME": str(tmp_path),
            "SNSD_TERRAFORM_PROVIDERS": "registry",
            "SNSD_TF_PLUGIN_MIRROR": str(tmp_path / "no-mirror"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout
    assert "1 error" in done.stdout or "1 failed" in done.stdout, done.stdout
    assert "with SNSD_TERRAFORM_PROVIDERS=registry nothing is skipped" in done.stdout


def test_the_policy_tests_see_a_broken_order(tmp_path: Path) -> None:
    """The ordering rule fails for a deploy that runs on its own push."""
    broken = DEPLOY.read_text().replace(
        "  workflow_run:\n    workflows:\n      - Terraform\n    types:\n      - completed\n"
        "    branches:\n      - main\n",
        "  push:\n    branches:\n      - main\n",
    )
    assert broken != DEPLOY.read_text()
    target = tmp_path / "deploy.yml"
    target.write_text(broken)
    assert set(_load(target)["on"]) == {"push", "workflow_dispatch"}


def test_names_default_to_the_platforms_names() -> None:
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    for variable, default in {
        "ECR_REPOSITORY": "snsd-production",
        "ECS_CLUSTER": "snsd-production-cluster",
        "ECS_SERVICE": "snsd-production-service",
        "ECS_MIGRATION_FAMILY": "snsd-production-migrate",
        "LAMBDA_FUNCTION": "snsd-production-file-api",
        "LAMBDA_ALIAS": "live",
        "WEBHOOK_FUNCTION": "snsd-production-webhook-delivery",
        "JOB_FUNCTION": "snsd-production-jobs",
    }.items():
        assert f"{variable}: ${{{{ vars.{variable} || '{default}' }}}}" in text, variable


def test_the_job_function_gets_the_released_package_after_the_smoke_test() -> None:
    """terraform/modules/jobs' function (the root names it "${local.name}-jobs") runs the
    file API's package with its own handler; the deploy ships it to $LATEST once the file
    API's release passed its smoke test, so a failed release leaves the jobs' code alone."""
    deploy = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    files = deploy["jobs"]["files"]
    assert files["env"]["JOB_FUNCTION"] == "${{ vars.JOB_FUNCTION || 'snsd-production-jobs' }}"
    names = [s.get("name", "") for s in files["steps"]]
    ship = names.index("Ship the package to the job function")
    assert names.index("Smoke test /files/health") < ship
    step = files["steps"][ship]
    assert "if" not in step
    assert " ".join(step["run"].split()) == (
        'python -m scripts.lambda_release --function "$JOB_FUNCTION" code --zip dist/file-api.zip'
    )
    main_tf = (ROOT / "terraform" / "main.tf").read_text()
    assert 'function_name         = "${local.name}-jobs"' in main_tf


def test_rollback_steps_read_outputs_the_scripts_write() -> None:
    scripts = ROOT / "scripts"
    written = set(
        re.findall(r'set_output\("(\w+)"', "".join(p.read_text() for p in scripts.glob("*.py")))
    )
    text = (ROOT / ".github" / "workflows" / "deploy.yml").read_text()
    read = set(re.findall(r"steps\.(?:render|release)\.outputs\.(\w+)", text))
    assert read, "deploy.yml reads no script outputs"
    assert read <= written, f"deploy.yml reads outputs no script writes: {read - written}"
    deploy = _load(ROOT / ".github" / "workflows" / "deploy.yml")
    for job in ("core", "files"):
        rollbacks = [s for s in deploy["jobs"][job]["steps"] if "rollback" in s.get("run", "")]
        assert len(rollbacks) == 1, job
        assert rollbacks[0]["if"].startswith("failure() && steps."), job


PULL_REQUEST_EVENTS = {"pull_request", "pull_request_target"}
# Long-lived AWS credentials, by secret name or by the action inputs that take them.
AWS_KEYS = re.compile(
    r"secrets\s*(\.\s*|\[\s*['\"])AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)\b"
    r"|aws-(access-key-id|secret-access-key|session-token)\b",
    re.IGNORECASE,
)
EVENT_TEST = re.compile(r"github\.event_name\s*(==|!=)\s*'([\w-]+)'")


def _triggers(workflow: dict[str, Any]) -> set[str]:
    on = workflow["on"]
    return {on} if isinstance(on, str) else set(on)


def _pull_request_events(condition: str, events: set[str]) -> set[str]:
    """The pull request events a job's `if` lets through (only plain && conditions narrow)."""
    condition = condition.strip().removeprefix("${{").removesuffix("}}")
    if "||" in condition:
        return events
    for part in condition.split("&&"):
        test = EVENT_TEST.fullmatch(part.strip())
        if test and test.group(1) == "==":
            events = events & {test.group(2)}
        elif test:
            events = events - {test.group(2)}
    return events


def _jobs_run_on_pull_requests(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Jobs that a pull request can start, following `needs` (a skipped need skips them)."""
    events = _triggers(workflow) & PULL_REQUEST_EVENTS
    jobs: dict[str, dict[str, Any]] = workflow["jobs"]
    reached: dict[str, set[str]] = {}

    def reach(name: str) -> set[str]:
        if name not in reached:
            job = jobs[name]
            found = _pull_request_events(str(job.get("if", "")), events)
            needs = job.get("needs", [])
            for need in [needs] if isinstance(needs, str) else needs:
                if "always()" not in str(job.get("if", "")):
                    found &= reach(need)
            reached[name] = found
        return reached[name]

    return {name: job for name, job in jobs.items() if reach(name)}


def _aws_key_references(path: Path) -> dict[str, list[str]]:
    """For each job a pull request can start: every reference to AWS access keys."""
    workflow = _load(path)
    shared = yaml.safe_dump({"env": workflow.get("env", {})})
    found: dict[str, list[str]] = {}
    for name, job in _jobs_run_on_pull_requests(workflow).items():
        text = shared + yaml.safe_dump(job)
        if str(job.get("uses", "")).startswith("./"):
            # A called workflow of this repository runs with the caller's event.
            text += (ROOT / job["uses"]).read_text()
        hits = [m.group(0) for m in AWS_KEYS.finditer(text)]
        if job.get("secrets") == "inherit":
            hits.append("secrets: inherit")  # hands every secret, keys included, to the callee
        if hits:
            found[name] = hits
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_jobs_that_pull_requests_start_never_see_aws_keys(path: Path) -> None:
    """Any branch can change what a plan runs: pull requests get the OIDC plan role, never keys."""
    assert _aws_key_references(path) == {}, f"{path.name}: AWS keys reachable from a pull request"


def test_the_aws_key_rule_sees_a_pull_request_job_with_keys(tmp_path: Path) -> None:
    keyed_step = """
        steps:
          - uses: aws-actions/configure-aws-credentials@0
            with:
              aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
    """
    jobs = {
        "plan": "if: github.event_name == 'pull_request'",
        "apply": "if: github.event_name != 'pull_request' && github.ref == 'refs/heads/main'",
        "after-apply": "needs: apply",
    }
    text = "on: [pull_request, push]\njobs:\n" + "".join(
        f"  {name}:\n    {guard}\n{textwrap.indent(textwrap.dedent(keyed_step), '    ')}"
        for name, guard in jobs.items()
    )
    workflow = tmp_path / "w.yml"
    workflow.write_text(text)
    assert set(_aws_key_references(workflow)) == {"plan"}
    workflow.write_text(text.replace("on: [pull_request, push]", "on: push"))
    assert _aws_key_references(workflow) == {}


def _make_test_prerequisites() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    found = re.search(r"^test:([^\n]*)$", makefile, re.MULTILINE)
    assert found, "Makefile has no test target"
    return found.group(1).split()


def test_ci_runs_every_check_of_make_test() -> None:
    ci = _load(ROOT / ".github" / "workflows" / "ci.yml")
    run = [step.get("run", "") for job in ci["jobs"].values() for step in job["steps"]]
    made = {target for line in run if line.startswith("make ") for target in line.split()[1:]}
    missing = set(_make_test_prerequisites()) - made
    assert not missing, f"make test runs {sorted(missing)}, which no ci.yml job runs"


def test_the_core_image_is_tagged_a_release_only_once_it_serves() -> None:
    """ECR keeps the last releases (terraform/modules/ecr): the live image must be one."""
    core = _load(DEPLOY)["jobs"]["core"]
    runs = [str(x.get("run", "")) for x in core["steps"]]
    [tag] = [i for i, run in enumerate(runs) if "scripts.ecs_deploy tag-release" in run]
    smoke = next(i for i, run in enumerate(runs) if "scripts.smoke_test" in run)
    rollback = next(i for i, run in enumerate(runs) if "scripts.ecs_deploy rollback" in run)
    # After the smoke test passed, and after the rollback step: a failing tag
    # must not roll back a release that serves.
    assert smoke < rollback < tag
    assert "if" not in core["steps"][tag]
    assert '--tag "$DEPLOY_SHA"' in runs[tag]
    assert '--repository "$ECR_REPOSITORY"' in runs[tag]


# GitHub's answers to the `applied` step's two API calls, as a fake `gh` that
# filters them with the real jq, the way `gh api --jq` does.
FAKE_GH = """#!/bin/sh
# gh api [--paginate] URL --jq PROGRAM
while [ "$1" != "--jq" ]; do case "$1" in repos/*) url="$1";; esac; shift; done
case "$url" in
  */actions/workflows/terraform.yml/runs*) file="$FAKE/runs.json" ;;
  */actions/runs/*/jobs) run="${url%/jobs}"; file="$FAKE/jobs-${run##*/}.json" ;;
esac
jq -r "$2" "$file"
"""


PLANNED = ("push", "completed", "success", 7)
Run = tuple[str, str, str | None, int]


@pytest.mark.parametrize(
    ("runs", "waiting_job", "ready"),
    [
        ([("push", "completed", "success", 7)], "skipped", "true"),
        ([("push", "completed", "success", 7)], "success", "false"),
        ([("workflow_dispatch", "completed", "success", 8), PLANNED], None, "true"),
        ([("workflow_dispatch", "in_progress", None, 8), PLANNED], None, "false"),
        ([("push", "completed", "failure", 7)], "skipped", "false"),
        ([("push", "waiting", None, 7)], None, "false"),
        ([("pull_request", "completed", "success", 6)], None, "false"),
        ([], None, "false"),
    ],
)
def test_a_deploy_by_hand_waits_for_the_commits_infrastructure(
    tmp_path: Path, runs: list[Run], waiting_job: str | None, ready: str
) -> None:
    """A dispatched Deploy ships main's head only after its Terraform run finished and applied."""
    applied = _load(DEPLOY)["jobs"]["applied"]
    step = _step_named(
        applied, "The commit to deploy, unless its plan waits for a dispatched apply"
    )
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "gh").write_text(FAKE_GH)
    (fake / "gh").chmod(0o755)
    listed = [{"id": i, "event": e, "status": s, "conclusion": c} for e, s, c, i in runs]
    (tmp_path / "runs.json").write_text(json.dumps({"workflow_runs": listed}))
    for _, _, _, run_id in runs:
        jobs = [{"id": 1, "name": "Plan", "conclusion": "success"}]
        if waiting_job is not None:
            jobs.append({"id": 2, "name": "Apply waits for a dispatch", "conclusion": waiting_job})
        (tmp_path / f"jobs-{run_id}.json").write_text(json.dumps({"jobs": jobs}))
    output, summary = tmp_path / "output", tmp_path / "summary"
    env = {
        "PATH": f"{fake}:{os.environ['PATH']}",
        "FAKE": str(tmp_path),
        "GITHUB_SHA": "a" * 40,
        "GITHUB_REPOSITORY": "snsd/snsd-backend",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "TERRAFORM_RUN": "",
        "APPLIED_SHA": "",
    }
    subprocess.run(["bash", "-e", "-c", step["run"]], env=env, check=True, timeout=30)
    assert f"ready={ready}\n" in output.read_text()
    assert f"sha={'a' * 40}\n" in output.read_text()
    assert (ready == "false") is summary.exists()


def test_the_plan_refuses_the_placeholder_alarm_address(tmp_path: Path) -> None:
    """Production's committed inputs ship a placeholder; CI's plan refuses it until replaced."""
    plan = _load(TERRAFORM)["jobs"]["plan"]
    step = _step_named(plan, "The committed inputs name this repository and a real alarm address")
    (tmp_path / "bootstrap").mkdir()
    for name in ("production.tfvars", "bootstrap/production.tfvars"):
        (tmp_path / name).write_text((ROOT / "terraform" / name).read_text())
    repository = re.search(
        r'^github_repository\s*=\s*"([^"]+)"', (tmp_path / "production.tfvars").read_text(), re.M
    )
    assert repository
    env = {"PATH": os.environ["PATH"], "GITHUB_REPOSITORY": repository.group(1)}

    def plan_starts() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-e", "-c", step["run"]], env=env, cwd=tmp_path, capture_output=True, text=True
        )

    refused = plan_starts()
    assert refused.returncode == 1
    assert "placeholder alarm address" in refused.stdout
    tfvars = tmp_path / "production.tfvars"
    tfvars.write_text(re.sub(r"^# REPLACE.*\n", "", tfvars.read_text(), flags=re.M))
    assert plan_starts().returncode == 0
