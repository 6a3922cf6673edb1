"""Static rules of the workflows that actionlint and checkov do not enforce.

`make workflows-check` validates them against GitHub's schema, lints them
(actionlint, with shellcheck on `run:` scripts) and scans them (checkov);
these tests hold this repository's own rules: pinned actions with their
source cited, time limits, least permissions, no AWS access keys where a pull
request runs, and CI running everything `make test` runs.
"""

from __future__ import annotations

import re
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
    assert deploy["concurrency"] == {"group": "deploy-production", "cancel-in-progress": False}

    jobs = deploy["jobs"]
    gate = " ".join(str(jobs["gate"]["if"]).split())
    for condition in (
        "github.event.workflow_run.conclusion == 'success'",
        "github.event.workflow_run.event == 'push'",
        "github.event.workflow_run.head_branch == 'main'",
        "github.event.workflow_run.head_repository.full_name == github.repository",
        "github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main'",
    ):
        assert condition in gate, condition
    assert "github.event.workflow_run.head_sha" in str(jobs["gate"]["steps"])
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
    assert "terraform/**" in terraform["on"]["pull_request"]["paths"]
    assert "TF_VAR_" not in TERRAFORM.read_text(), "inputs come from production.tfvars only"
    jobs = terraform["jobs"]
    plan, apply = jobs["plan"], jobs["apply"]

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
    assert download["with"]["name"] == plan_upload["with"]["name"]
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
    }.items():
        assert f"{variable}: ${{{{ vars.{variable} || '{default}' }}}}" in text, variable


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
