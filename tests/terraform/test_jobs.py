"""terraform/modules/jobs and what the root gives it, read from the configuration: the
queue and the function as issue 30 needs them, a role that names its prefixes and nothing
broader, the roles that start jobs, and the buckets' rules around the jobs' outputs. The
emulator test (test_emulator.py, "Jobs") reads the same back from moto after an apply."""

from __future__ import annotations

from typing import Any

from tests.terraform.support import module, module_input, root


def only(blocks: list[Any]) -> Any:
    assert len(blocks) == 1, blocks
    return blocks[0]


JOBS = module("jobs")


def _statements() -> dict[str, dict[str, Any]]:
    body = JOBS.data[("aws_iam_policy_document", "function")]
    found = {s["sid"]: s for s in body["statement"]}
    for block in body["dynamic"]:
        content = only(block["statement"]["content"])
        assert block["statement"]["for_each"] == "${var.replica == null ? [] : [var.replica]}"
        found[content["sid"]] = content
    return found


def test_jobs_are_on_by_default_and_wired_to_both_deployables() -> None:
    assert root().variables["enable_jobs"]["default"] is True
    call = root().modules["jobs"]
    assert call["count"] == "${var.enable_jobs ? 1 : 0}"
    assert call["package_path"] == "${var.lambda_package_path}"
    assert call["architecture"] == "${var.lambda_architecture}"
    assert call["starter_role_names"] == {
        "file_api": "${module.iam.lambda_role_name}",
        "core": "${module.iam.ecs_task_role_name}",
    }
    assert call["replica"] == (
        "${var.enable_file_replication ? {\n    bucket_id  = module.file_replica[0].bucket_id\n"
        "    bucket_arn = module.file_replica[0].bucket_arn\n"
        "    region     = var.file_replica_region\n  } : null}"
    ) or "module.file_replica[0].bucket_arn" in str(call["replica"])
    assert " ".join(root().locals["job_environment"].split()) == (
        "${var.enable_jobs ? {JOB_QUEUE_URL = module.jobs[0].queue_url} : {}}"
    )
    assert "local.job_environment" in root().modules["lambda"]["environment"]
    ecs_environment = root().modules["ecs"]["environment"]
    assert "local.job_environment" in ecs_environment
    assert "DELETION_GRACE_DAYS = tostring(var.tenant_deletion_grace_days)" in ecs_environment
    assert root().variables["tenant_deletion_grace_days"]["default"] == 30
    # The core presigns with S3_BUCKET_NAME, which both deployables already get.
    assert root().locals["app_environment"]["S3_BUCKET_NAME"] == "${module.s3.bucket_id}"
    # Never a key the core would get as an environment variable.
    assert "DELETION_SIGNING_KEY" not in root().variables["secret_keys"]["default"]


def test_the_queue_outlasts_a_step_and_dead_letters_after_ten_failures() -> None:
    queue = JOBS.resource("aws_sqs_queue")
    assert queue["visibility_timeout_seconds"] == (
        "${var.function_timeout + var.visibility_margin_seconds}"
    )
    assert JOBS.variables["function_timeout"]["default"] == 900
    assert JOBS.variables["visibility_margin_seconds"]["default"] == 60
    assert queue["sqs_managed_sse_enabled"] is True
    assert "aws_sqs_queue.dead_letter.arn" in queue["redrive_policy"]
    assert "var.max_receive_count" in queue["redrive_policy"]
    assert JOBS.variables["max_receive_count"]["default"] == 10
    dead = JOBS.resource("aws_sqs_queue", "dead_letter")
    assert dead["message_retention_seconds"] == 14 * 86400
    assert dead["sqs_managed_sse_enabled"] is True
    alarm = JOBS.resource("aws_cloudwatch_metric_alarm", "dead_letters")
    assert alarm["dimensions"] == {"QueueName": "${aws_sqs_queue.dead_letter.name}"}
    assert (alarm["metric_name"], alarm["threshold"]) == ("ApproximateNumberOfMessagesVisible", 0)
    assert alarm["alarm_actions"] == ["${var.alarm_topic_arn}"]


def test_the_function_and_its_mapping() -> None:
    function = JOBS.resource("aws_lambda_function")
    assert function["handler"] == "file_lambda.job_function.handler"
    assert function["runtime"] == "python3.12"
    assert function["timeout"] == "${var.function_timeout}"
    assert function["memory_size"] == "${var.memory_size}"
    assert JOBS.variables["memory_size"]["default"] == 1024
    assert root().variables["job_memory_size"]["default"] == 1024
    assert "vpc_config" not in function, "the file API's network: no VPC, no NAT per GB"
    assert "vpc_config" not in module("lambda").resource("aws_lambda_function")
    environment = JOBS.locals["environment"]
    assert "REPLICA_BUCKET_NAME = var.replica.bucket_id" in environment
    for name in ("JOB_QUEUE_URL", "S3_BUCKET_NAME", "APP_SECRET_ARN", "ARCHIVE_EXPIRY_HOURS"):
        assert name in environment, name
    assert 'POWERTOOLS_SERVICE_NAME = "jobs"' in environment
    assert JOBS.variables["archive_expiry_hours"]["default"] == 24
    assert JOBS.variables["export_expiry_hours"]["default"] == 168
    assert "EXPORT_EXPIRY_HOURS = tostring(var.export_expiry_hours)" in environment
    mapping = JOBS.resource("aws_lambda_event_source_mapping")
    assert mapping["batch_size"] == 1
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    assert only(mapping["scaling_config"])["maximum_concurrency"] == "${var.maximum_concurrency}"
    assert JOBS.variables["maximum_concurrency"]["default"] == 5
    assert root().variables["job_maximum_concurrency"]["default"] == 5
    rule = JOBS.resource("aws_cloudwatch_event_rule", "sweep")
    assert rule["schedule_expression"] == "rate(1 minute)"
    assert JOBS.resource("aws_lambda_permission", "sweep")["source_arn"] == (
        "${aws_cloudwatch_event_rule.sweep.arn}"
    )


def test_the_role_names_its_prefixes_and_nothing_broader() -> None:
    found = _statements()
    tenants, jobs = "${local.tenant_objects}", "${local.job_objects}"
    assert JOBS.locals["tenant_objects"] == "${var.bucket_arn}/${var.tenant_prefix}*"
    assert JOBS.locals["job_objects"] == "${var.bucket_arn}/${var.job_prefix}*"
    assert JOBS.locals["deletion_objects"] == "${var.bucket_arn}/${var.deletion_prefix}*"
    expected = {
        "ReadTenantObjects": (
            {"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging",
             "s3:GetObjectVersionTagging"},
            [tenants],
        ),
        "PurgeTenantObjects": (
            {"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload"},
            [tenants],
        ),
        "JobOutputs": (
            {"s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload",
             "s3:ListMultipartUploadParts", "s3:DeleteObject", "s3:DeleteObjectVersion"},
            [jobs],
        ),
        "DeletionRecords": ({"s3:PutObject", "s3:GetObject"}, ["${local.deletion_objects}"]),
        "ListJobPrefixes": ({"s3:ListBucket", "s3:ListBucketVersions"}, ["${var.bucket_arn}"]),
        "ListUnfinishedUploads": ({"s3:ListBucketMultipartUploads"}, ["${var.bucket_arn}"]),
        "ListReplicaPrefixes": (
            {"s3:ListBucket", "s3:ListBucketVersions"}, ["${statement.value.bucket_arn}"],
        ),
        "ListReplicaUnfinishedUploads": (
            {"s3:ListBucketMultipartUploads"}, ["${statement.value.bucket_arn}"],
        ),
        "PurgeReplicaObjects": (
            {"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload"},
            "${local.replica_objects}",
        ),
        "JobQueue": (
            {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
             "sqs:GetQueueAttributes", "sqs:SendMessage"},
            ["${aws_sqs_queue.this.arn}"],
        ),
        "AppSecret": ({"secretsmanager:GetSecretValue"}, ["${var.secret_arn}"]),
        "Logs": (
            {"logs:CreateLogStream", "logs:PutLogEvents"},
            ["${aws_cloudwatch_log_group.function.arn}:*"],
        ),
        "XRay": ({"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, ["*"]),
    }  # fmt: skip
    assert set(found) == set(expected)
    for sid, (actions, resources) in expected.items():
        statement = found[sid]
        assert statement.get("effect", "Allow") == "Allow", sid
        assert set(statement["actions"]) == actions, sid
        assert statement["resources"] == resources, sid
        assert "not_actions" not in statement, sid
        assert "not_resources" not in statement, sid
        assert not any("*" in action for action in statement["actions"]), sid
    for sid in ("ListJobPrefixes", "ListReplicaPrefixes"):
        condition = only(found[sid]["condition"])
        assert (condition["test"], condition["variable"]) == ("StringLike", "s3:prefix")
        assert condition["values"] == "${local.listed_prefixes}"
    assert JOBS.locals["listed_prefixes"] == ["${var.tenant_prefix}*", "${var.job_prefix}*"]
    assert (
        JOBS.locals["replica_objects"]
        == (
            "${var.replica == null ? [] : [\n"
            '    "${var.replica.bucket_arn}/${var.tenant_prefix}*",\n'
            '    "${var.replica.bucket_arn}/${var.job_prefix}*",\n  ]}'
        )
        or "var.replica.bucket_arn}/${var.tenant_prefix}*" in JOBS.locals["replica_objects"]
    )
    # Deleting versions is for the tenants' and the outputs' prefixes only.
    deleting = {
        sid
        for sid, s in found.items()
        if {"s3:DeleteObjectVersion", "s3:DeleteObject"} & set(s["actions"])
    }
    assert deleting == {"PurgeTenantObjects", "JobOutputs", "PurgeReplicaObjects"}
    # The role has this one inline policy, nothing attached.
    assert JOBS.resource("aws_iam_role_policy", "function")["role"] == "${aws_iam_role.function.id}"
    assert not JOBS.of_type("aws_iam_role_policy_attachment")
    assert module_input("jobs", "tenant_prefix") == "tenants/"
    assert module_input("jobs", "deletion_prefix") == "deletions/"


def test_the_starters_may_send_to_the_queue_and_read_outputs_only() -> None:
    body = JOBS.data[("aws_iam_policy_document", "starter")]
    assert [(s["sid"], s["actions"], s["resources"]) for s in body["statement"]] == [
        ("StartJobs", ["sqs:SendMessage"], ["${aws_sqs_queue.this.arn}"]),
        ("PresignJobOutputs", ["s3:GetObject"], ["${local.job_objects}"]),
    ]
    policy = JOBS.resource("aws_iam_role_policy", "starter")
    assert policy["for_each"] == "${var.starter_role_names}"
    assert policy["role"] == "${each.value}"


def test_job_outputs_expire_in_the_bucket_and_are_not_replicated() -> None:
    s3 = module("s3")
    lifecycle = s3.resource("aws_s3_bucket_lifecycle_configuration")
    tiering, outputs = lifecycle["rule"]
    assert tiering["id"] == "tiering"
    assert outputs["id"] == "job-outputs"
    assert only(outputs["filter"]) == {"prefix": "${var.job_prefix}"}
    assert only(outputs["expiration"]) == {"days": "${var.job_output_expiration_days}"}
    assert only(outputs["noncurrent_version_expiration"]) == {
        "noncurrent_days": "${var.job_output_noncurrent_days}"
    }
    assert s3.variables["job_prefix"]["default"] == "jobs/"
    assert s3.variables["job_output_expiration_days"]["default"] == 8
    assert s3.variables["job_output_noncurrent_days"]["default"] == 1
    assert root().modules["jobs"]["job_prefix"] == "${module.s3.job_prefix}"
    # Replication, bucket notifications and malware scanning cover tenants/ only.
    assert s3.variables["replication_prefix"]["default"] == "tenants/"
    replication = only(s3.resource("aws_s3_bucket_replication_configuration")["rule"])
    assert only(replication["filter"])["prefix"] == "${var.replication_prefix}"
    assert root().modules["events"]["tenant_prefix"] == "tenants/"
    assert root().modules["malware_scanning"]["tenant_prefix"] == "tenants/"


def test_the_replica_mirrors_the_primarys_figures() -> None:
    call = root().modules["file_replica"]
    assert call["noncurrent_version_expiration_days"] == "${var.trash_retention_days}"
    assert call["abort_incomplete_multipart_upload_days"] == "${var.multipart_abort_days}"
    assert root().modules["s3"]["noncurrent_version_expiration_days"] == (
        "${var.trash_retention_days}"
    )
    assert root().modules["s3"]["abort_incomplete_multipart_upload_days"] == (
        "${var.multipart_abort_days}"
    )
    rule = only(module("replica").resource("aws_s3_bucket_lifecycle_configuration")["rule"])
    assert only(rule["abort_incomplete_multipart_upload"]) == {
        "days_after_initiation": "${var.abort_incomplete_multipart_upload_days}"
    }
    assert only(rule["expiration"]) == {"expired_object_delete_marker": True}


def test_the_deploy_ships_code_to_the_job_function_only() -> None:
    assert root().modules["iam"]["job_function_arn"] == (
        "${var.enable_jobs ? module.jobs[0].function_arn : null}"
    )
    outputs = root().outputs
    assert outputs["job_function_name"]["value"] == (
        "${var.enable_jobs ? module.jobs[0].function_name : null}"
    )
