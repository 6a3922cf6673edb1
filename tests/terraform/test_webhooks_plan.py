"""The production plan with webhooks on (`enable_webhooks`, off in production.tfvars until
the release script deploys the delivery function), against an emulator of its own: the
module's resources are planned as modules/webhooks says, nothing else changes."""

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
from tests.terraform.support import root

SECRET_KEYS = list(root().variables["secret_keys"]["default"])


@pytest.mark.slow
def test_the_production_plan_with_webhooks_on(terraform: Terraform, tmp_path: Path) -> None:
    with (tmp_path / "moto.log").open("w") as log, moto_server(log) as endpoint:
        create_public_zone(endpoint)
        work = emulated_copy(tmp_path / "terraform", endpoint)
        keys = json.dumps([*SECRET_KEYS, "WEBHOOK_SECRETS_KEY"])
        with (work / "production.tfvars").open("a") as tfvars:
            tfvars.write(f"\nenable_webhooks = true\nsecret_keys = {keys}\n")
        check(terraform, work)
        shown = terraform.run(["show", "-json", "check.tfplan"], work)
    plan = json.loads(shown.stdout)
    after = {
        change["address"]: change["change"]["after"]
        for change in plan["resource_changes"]
        if change["address"].startswith("module.webhooks[0].")
    }
    prefix = "module.webhooks[0]."
    queue = after[f"{prefix}aws_sqs_queue.this"]
    assert queue["visibility_timeout_seconds"] == 180
    assert queue["message_retention_seconds"] == 4 * 86400 > 27 * 3600 + 35 * 60
    assert queue["sqs_managed_sse_enabled"] is True
    function = after[f"{prefix}aws_lambda_function.this"]
    assert function["handler"] == "file_lambda.webhook_function.handler"
    assert function["timeout"] == 30
    mapping = after[f"{prefix}aws_lambda_event_source_mapping.this"]
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert mapping["batch_size"] == 10
    assert mapping["scaling_config"] == [{"maximum_concurrency": 5}]
    rule = after[f"{prefix}aws_cloudwatch_event_rule.sweep"]
    assert rule["schedule_expression"] == "rate(1 minute)"
    ports = sorted(
        value["from_port"]
        for address, value in after.items()
        if "aws_vpc_security_group_egress_rule" in address
    )
    assert ports == [80, 443, 5432, 6543]
    senders = {a for a in after if "aws_iam_role_policy.send" in a}
    assert len(senders) == 2  # the file API's role and the core task's
    print(f"\nmodules/webhooks plans {len(after)} resources")
