"""The production plan with jobs off (`enable_jobs = false`; on by default), against an
emulator of its own: nothing of modules/jobs is planned and its outputs are null. (The
deployables' environments are unknown as whole maps at plan time, so JOB_QUEUE_URL's absence
is checked on the expression, test_jobs.py.) The plan with jobs on is test_emulator.py's
production plan, applied."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dev.platform_check import (
    Terraform,
    check,
    create_public_zone,
    emulated_copy,
    moto_server,
)


@pytest.mark.slow
def test_the_production_plan_with_jobs_off(terraform: Terraform, tmp_path: Path) -> None:
    with (tmp_path / "moto.log").open("w") as log, moto_server(log) as endpoint:
        create_public_zone(endpoint)
        work = emulated_copy(tmp_path / "terraform", endpoint)
        with (work / "production.tfvars").open("a") as tfvars:
            tfvars.write("\nenable_jobs = false\n")
        check(terraform, work)
        shown = terraform.run(["show", "-json", "check.tfplan"], work)
    plan = json.loads(shown.stdout)
    changes = {c["address"]: c["change"] for c in plan["resource_changes"]}
    assert not [a for a in changes if a.startswith("module.jobs")]
    outputs = plan["planned_values"]["outputs"]
    assert outputs["job_function_name"].get("value") is None
    assert outputs["job_queue_url"].get("value") is None
    # The platform's alarms without the jobs' two (test_emulator.py counts 15 with them).
    alarms = [c for c in plan["resource_changes"] if c["type"] == "aws_cloudwatch_metric_alarm"]
    assert len(alarms) == 13
