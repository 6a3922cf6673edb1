"""The bootstrap root and the main root, applied and destroyed against moto's server in CI's order.

1. terraform/bootstrap with its committed production.tfvars (state bucket,
   GitHub OIDC provider, plan and apply roles);
2. terraform/ with its committed production.tfvars: the production plan, a
   plan of the seed's single-NAT option, the apply, a second plan that must
   change nothing;
3. what a deploy does afterwards (a Lambda release; the ECS render from the
   revision Terraform wrote), and that the next plan leaves it alone;
4. destroy, main root first, then the bootstrap.

The emulator stands in for AWS: the provider's endpoints are pointed at it by
an override file written into temporary copies, so the production
configuration stays untouched. What moto cannot do is switched off by
variables, on the command line, that exist for this purpose only (see
terraform/README.md, "What the emulator test covers").
"""

from __future__ import annotations

import fnmatch
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from dev.platform_check import OVERRIDE, create_public_zone, emulated_copy
from tests.terraform.support import (
    EMULATED_SERVICES,
    REPO,
    TF_ROOT,
    Terraform,
    parse,
)

# A slow suite: `make test` runs it, `make test-fast` does not.
pytestmark = pytest.mark.slow

REGION = "us-east-1"
ZONE = "snsdconsultant.com"
BUCKET = "snsd-file-uploads-production"
LOGS_BUCKET = f"{BUCKET}-logs"
TFVARS = parse(TF_ROOT / "production.tfvars")
BOOTSTRAP_TFVARS = parse(TF_ROOT / "bootstrap" / "production.tfvars")

# What DEPLOYMENT.md tells an operator to run, with the committed inputs.
VAR_FILE = "-var-file=production.tfvars"
# The only departures from production: moto lacks Application Auto Scaling
# tagging (ListTagsForResource), which the provider reads after creating a
# scalable target, and AWS Budgets tagging, which it reads after creating a
# budget. The production plan still includes both.
EMULATOR_ONLY = ["-var-file=emulator.tfvars.json"]
# moto keeps no SnapStart setting (ApplyOn "None" whatever was put), so every
# plan would put it back: off here; test_static.py checks it in production.
# moto has no GuardDuty Malware Protection: the plan alone is not created (its
# role, the scan results' rule and the bucket policy are); the production plan
# includes it. moto's SES v2 gives an identity no Easy DKIM tokens and answers
# GetConfigurationSet in a shape the provider cannot read: modules/email is not
# created either (the task role's permission, named in the root, is); the
# production plan includes it.
EMULATOR_SETTINGS = {
    "enable_autoscaling": False,
    "monthly_budget_usd": None,
    "lambda_snap_start": False,
    "enable_malware_scanning": False,
    "enable_ses_identity": False,
}
# What DEPLOYMENT.md's tear-down sets before `terraform destroy`; applied from
# the start here so that the destroy at the end needs no second apply (the
# production plan shows both off).
TEAR_DOWN = ["-var", "enable_deletion_protection=false", "-var", "allow_destroy_with_data=true"]


@dataclass
class Applied:
    work: Path
    bootstrap: Path
    endpoint: str
    bootstrap_outputs: dict[str, Any]
    plan: dict[str, Any]
    single_nat_plan: dict[str, Any]
    outputs: dict[str, Any]
    replan: dict[str, Any]

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]  # service names are literals in the stubs
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


def planned(plan: dict[str, Any], action: str = "create") -> list[dict[str, Any]]:
    return [c for c in plan["resource_changes"] if action in c["change"]["actions"]]


def changed(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c for c in plan["resource_changes"] if c["change"]["actions"] not in (["no-op"], ["read"])
    ]


def show(terraform: Terraform, work: Path, plan_file: str) -> dict[str, Any]:
    return json.loads(terraform.run(["show", "-json", plan_file], work, timeout=120).stdout)  # type: ignore[no-any-return]


COMMON = ["-no-color", "-parallelism=20"]


def point_eventbridge_at_the_emulator(work: Path, endpoint: str) -> None:
    """EventBridge (the scan results' rule) to moto too, in this copy's override.

    dev/platform_check.py's services predate the rule and `make platform-check`
    only plans, which calls no EventBridge API; the apply here does.
    """
    path = work / OVERRIDE
    text = path.read_text()
    if "    events = " not in text:
        text = text.replace("  endpoints {\n", f'  endpoints {{\n    events = "{endpoint}"\n')
    path.write_text(text)


@pytest.fixture(scope="module")
def applied(
    terraform: Terraform, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Applied:
    base = tmp_path_factory.mktemp("emulator")
    work = emulated_copy(base / "terraform", moto_endpoint)
    point_eventbridge_at_the_emulator(work, moto_endpoint)
    bootstrap = work / "bootstrap"
    (work / "emulator.tfvars.json").write_text(json.dumps(EMULATOR_SETTINGS))

    # The domain's public zone exists before the platform (bought and hosted first).
    create_public_zone(moto_endpoint)

    # 1. Bootstrap, as DEPLOYMENT.md runs it (its state stays local).
    terraform.run(["init", "-no-color"], bootstrap, timeout=120)
    terraform.run(["apply", *COMMON, "-auto-approve", VAR_FILE], bootstrap, timeout=300)
    bootstrap_outputs = json.loads(terraform.run(["output", "-json"], bootstrap).stdout)

    # 2. The main root with the committed inputs.
    terraform.run(["init", "-no-color"], work, timeout=120)
    terraform.run(["plan", *COMMON, VAR_FILE, "-out=production.tfplan"], work)
    plan = show(terraform, work, "production.tfplan")

    # The seed's cost option, for the network only.
    terraform.run(
        [
            "plan",
            *COMMON,
            VAR_FILE,
            "-target=module.vpc",
            "-var",
            "single_nat_gateway=true",
            "-out=single-nat.tfplan",
        ],
        work,
    )
    single_nat_plan = show(terraform, work, "single-nat.tfplan")

    terraform.run(
        ["apply", *COMMON, "-auto-approve", VAR_FILE, *EMULATOR_ONLY, *TEAR_DOWN], work, timeout=400
    )
    outputs = json.loads(terraform.run(["output", "-json"], work).stdout)

    # Applying again must change nothing (apart from known emulator quirks).
    terraform.run(
        [
            "plan",
            *COMMON,
            "-detailed-exitcode",
            VAR_FILE,
            *EMULATOR_ONLY,
            *TEAR_DOWN,
            "-out=replan.tfplan",
        ],
        work,
        ok=(0, 2),
    )
    replan = show(terraform, work, "replan.tfplan")

    return Applied(
        work, bootstrap, moto_endpoint, bootstrap_outputs, plan, single_nat_plan, outputs, replan
    )


# --------------------------------------------------------------------------
# The bootstrap
# --------------------------------------------------------------------------


def test_bootstrap_outputs_what_the_main_root_and_github_need(applied: Applied) -> None:
    values = {k: v["value"] for k, v in applied.bootstrap_outputs.items()}
    backend = (TF_ROOT / "production.s3.tfbackend").read_text()
    assert values["state_bucket_name"] == "snsd-terraform-state"
    # The committed backend file is exactly what the bootstrap prints.
    settings = [line for line in backend.splitlines() if line and not line.startswith("#")]
    assert [" ".join(line.split()) for line in settings] == [
        " ".join(line.split()) for line in values["backend_config"].strip().splitlines()
    ]
    assert values["github_variables"]["AWS_TERRAFORM_PLAN_ROLE_ARN"] == values["plan_role_arn"]
    assert values["github_variables"]["AWS_TERRAFORM_ROLE_ARN"] == values["apply_role_arn"]
    assert values["github_oidc_provider_arn"].endswith(
        ":oidc-provider/token.actions.githubusercontent.com"
    )


def test_state_bucket_is_versioned_encrypted_and_private(applied: Applied) -> None:
    s3 = applied.client("s3")
    bucket = "snsd-terraform-state"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport"]
    # S3-native locking: no DynamoDB table anywhere.
    assert "dynamodb" not in EMULATED_SERVICES


def _trust(iam: Any, role: str) -> dict[str, Any]:
    document = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    return json.loads(document) if isinstance(document, str) else dict(document)


def test_plan_and_apply_roles_trust_only_their_subjects(applied: Applied) -> None:
    iam = applied.client("iam")
    repo = BOOTSTRAP_TFVARS["github_repository"]
    assert repo == TFVARS["github_repository"], "both roots must name this repository"
    subjects = {}
    for role in ("snsd-production-terraform-plan", "snsd-production-terraform-apply"):
        statement = _trust(iam, role)["Statement"][0]
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        condition = statement["Condition"]["StringEquals"]
        assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
        found = condition["token.actions.githubusercontent.com:sub"]
        subjects[role] = sorted([found] if isinstance(found, str) else found)
        assert "StringLike" not in statement["Condition"]
    assert subjects == {
        "snsd-production-terraform-plan": [
            f"repo:{repo}:pull_request",
            f"repo:{repo}:ref:refs/heads/main",
        ],
        "snsd-production-terraform-apply": [f"repo:{repo}:environment:production-infrastructure"],
    }
    attached = {
        role: [
            p["PolicyName"]
            for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        ]
        for role in subjects
    }
    assert attached == {
        "snsd-production-terraform-plan": ["ReadOnlyAccess"],
        "snsd-production-terraform-apply": ["AdministratorAccess"],
    }


def _iam_matches(patterns: str | list[str], value: str, *, case: bool) -> bool:
    listed = [patterns] if isinstance(patterns, str) else patterns
    if case:
        return any(fnmatch.fnmatchcase(value, p) for p in listed)
    return any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in listed)


def _statements(policy: dict[str, Any], effect: str, action: str, resource: str) -> list[str]:
    """Sids of the policy's statements with this effect on this action and resource."""
    return [
        s.get("Sid", "")
        for s in policy["Statement"]
        if s["Effect"] == effect
        and _iam_matches(s["Action"], action, case=False)
        and _iam_matches(s["Resource"], resource, case=True)
    ]


# What a pull request's plan must never read, although ReadOnlyAccess allows
# most of it (sqs:Receive*, logs:Get*/FilterLogEvents/StartQuery/StartLiveTail,
# s3:Get*, xray:BatchGet*/Get*: moto's bundled copy of the managed policy).
PLAN_ROLE_DENIES = {
    "*": [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
        "logs:StartQuery",
        "logs:GetQueryResults",
        "logs:StartLiveTail",
        "logs:GetLogRecord",
        "logs:Unmask",
        "xray:BatchGetTraces",
        "xray:GetTraceSummaries",
        "secretsmanager:GetSecretValue",
        "secretsmanager:BatchGetSecretValue",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
    ],
    **{
        f"arn:aws:s3:::{bucket}/tenants/t1/report.pdf": [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "s3:GetObjectAttributes",
        ]
        for bucket in (BUCKET, LOGS_BUCKET, f"{BUCKET}-replica")
    },
}


def test_plan_role_reads_no_messages_logs_files_or_secrets(applied: Applied) -> None:
    """The plan role's inline policy as the bootstrap rendered it, read back from IAM."""
    iam = applied.client("iam")
    role = "snsd-production-terraform-plan"
    [name] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    policy = json.loads(document) if isinstance(document, str) else document
    for resource, actions in PLAN_ROLE_DENIES.items():
        for action in actions:
            assert _statements(policy, "Deny", action, resource), (action, resource)
    # What terraform plan itself reads stays allowed: the state, and the
    # queue's and log groups' settings (ReadOnlyAccess grants those).
    state = "arn:aws:s3:::snsd-terraform-state/snsd-backend/production/terraform.tfstate"
    assert _statements(policy, "Allow", "s3:GetObject", state) == ["StateRead"]
    assert not _statements(policy, "Deny", "s3:GetObject", state)
    for action in (
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ListQueueTags",
        "logs:DescribeLogGroups",
        "logs:ListTagsForResource",
        "lambda:GetFunction",
        "s3:GetBucketPolicy",
        "secretsmanager:DescribeSecret",
    ):
        assert not _statements(policy, "Deny", action, "*"), action


# --------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------


def test_production_plan_creates_the_whole_platform(applied: Applied) -> None:
    creates = planned(applied.plan)
    types = [c["type"] for c in creates]
    assert not [
        c
        for c in applied.plan["resource_changes"]
        if c["change"]["actions"] not in (["create"], ["read"])
    ]
    # The OIDC provider is the bootstrap's: the main root only looks it up.
    assert "aws_iam_openid_connect_provider" not in types
    # Destroying data or the load balancer is off in production.
    after = {c["address"]: c["change"]["after"] for c in creates}
    buckets = [c["change"]["after"] for c in creates if c["type"] == "aws_s3_bucket"]
    assert len(buckets) == 3  # uploads, logs, replica
    assert all(b["force_destroy"] is False for b in buckets)
    assert after["module.ecr.aws_ecr_repository.this"]["force_delete"] is False
    assert after["module.alb.aws_lb.this"]["enable_deletion_protection"] is True
    assert types.count("aws_nat_gateway") == 2
    assert types.count("aws_subnet") == 4
    assert types.count("aws_eip") == 2
    assert types.count("aws_appautoscaling_policy") == 2
    # 13, and the jobs' dead letters and function errors (modules/jobs).
    assert types.count("aws_cloudwatch_metric_alarm") == 15
    for expected in (
        "aws_vpc",
        "aws_internet_gateway",
        "aws_vpc_endpoint",
        "aws_ecs_cluster",
        "aws_ecs_service",
        "aws_appautoscaling_target",
        "aws_lb",
        "aws_lb_listener_rule",
        "aws_acm_certificate_validation",
        "aws_route53_record",
        "aws_ecr_lifecycle_policy",
        "aws_secretsmanager_secret",
        "aws_lambda_function",
        "aws_lambda_alias",
        "aws_lambda_permission",
        "aws_sns_topic",
        "aws_sns_topic_policy",
        "aws_budgets_budget",
        "aws_wafv2_web_acl",
        "aws_wafv2_web_acl_association",
        "aws_s3_bucket_replication_configuration",
        "aws_sqs_queue",
        "aws_s3_bucket_notification",
        "aws_lambda_event_source_mapping",
        "aws_guardduty_malware_protection_plan",
        "aws_cloudwatch_event_rule",
        "aws_cloudwatch_event_target",
        "aws_sesv2_email_identity",
        "aws_sesv2_configuration_set",
    ):
        assert expected in types, expected


def test_production_plan_scans_every_new_tenant_object(applied: Applied) -> None:
    """The one resource the emulator cannot create, as the provider would send it to AWS."""
    changes = {c["address"]: c["change"] for c in planned(applied.plan)}
    change = changes["module.malware_scanning.aws_guardduty_malware_protection_plan.this[0]"]
    plan = change["after"]
    # The bucket's name is the bucket's id, known once it is created.
    assert plan["protected_resource"] == [{"s3_bucket": [{"object_prefixes": ["tenants/"]}]}]
    unknown = change["after_unknown"]["protected_resource"][0]["s3_bucket"][0]
    assert unknown["bucket_name"] is True
    assert plan["actions"] == [{"tagging": [{"status": "ENABLED"}]}]
    by_address = {address: change["after"] for address, change in changes.items()}
    notification = by_address["module.events.aws_s3_bucket_notification.this"]
    assert notification["eventbridge"] is True


def test_production_plan_autoscaling_figures(applied: Applied) -> None:
    by_address = {c["address"]: c["change"]["after"] for c in planned(applied.plan)}
    target = by_address["module.ecs.aws_appautoscaling_target.this[0]"]
    assert (target["min_capacity"], target["max_capacity"]) == (1, 4)
    for key, metric, value in (
        ("cpu", "ECSServiceAverageCPUUtilization", 70),
        ("memory", "ECSServiceAverageMemoryUtilization", 80),
    ):
        policy = by_address[f'module.ecs.aws_appautoscaling_policy.this["{key}"]']
        tracking = policy["target_tracking_scaling_policy_configuration"][0]
        assert tracking["target_value"] == value
        assert tracking["predefined_metric_specification"][0]["predefined_metric_type"] == metric
        assert (tracking["scale_out_cooldown"], tracking["scale_in_cooldown"]) == (60, 300)


def test_single_nat_gateway_option(applied: Applied) -> None:
    types = [c["type"] for c in planned(applied.single_nat_plan)]
    assert types.count("aws_nat_gateway") == 1
    assert types.count("aws_eip") == 1
    routes = [
        c["change"]["after"]
        for c in planned(applied.single_nat_plan)
        if c["address"].startswith("module.vpc.aws_route.private_nat")
    ]
    assert len(routes) == 2  # both private subnets, through the one gateway


# Attributes moto does not read back the way AWS does, so a second plan wants
# to set them again (terraform/README.md lists them):
# - security group rules that reference a group: moto returns
#   "<account>/sg-..." (AWS: "sg-..." within one account) and no description;
# - ECS services: moto's DescribeServices omits the grace period, managed
#   tags and AZ rebalancing.
KNOWN_EMULATOR_DRIFT = {
    "module.alb.aws_vpc_security_group_egress_rule.to_targets": {
        "referenced_security_group_id",
        "description",
    },
    "module.ecs.aws_vpc_security_group_ingress_rule.from_alb": {
        "referenced_security_group_id",
        "description",
    },
    "module.ecs.aws_ecs_service.this": {
        "availability_zone_rebalancing",
        "enable_ecs_managed_tags",
        "health_check_grace_period_seconds",
    },
    # moto's GetBucketReplication answers every rule with Filter {Prefix: ""}
    # and DeleteMarkerReplication Disabled, whatever was put.
    "module.s3.aws_s3_bucket_replication_configuration.this[0]": {"rule"},
    # moto answers the redrive policy with other JSON whitespace, and an event
    # source mapping on an alias with the alias's version's ARN. The two
    # policies built from the queue's ARN are then read again at apply.
    "module.events.aws_sqs_queue.this": {"redrive_policy"},
    "module.events.aws_lambda_event_source_mapping.this": {"function_name"},
    "module.events.aws_sqs_queue_policy.this": set(),
    "module.events.aws_iam_role_policy.consume": set(),
    # The same for the job queue (modules/jobs), and the policies built from its ARN.
    "module.jobs[0].aws_sqs_queue.this": {"redrive_policy"},
    "module.jobs[0].aws_iam_role_policy.function": set(),
    'module.jobs[0].aws_iam_role_policy.starter["file_api"]': set(),
    'module.jobs[0].aws_iam_role_policy.starter["core"]': set(),
    # moto stores the bucket's EventBridgeConfiguration but leaves it out of
    # GetBucketNotificationConfiguration, so it reads back as off.
    "module.events.aws_s3_bucket_notification.this": {"eventbridge"},
}
# Read again at apply only because the queue above has a pending update.
KNOWN_EMULATOR_REREADS = {
    "module.events.data.aws_iam_policy_document.queue",
    "module.events.data.aws_iam_policy_document.consume",
    "module.jobs[0].data.aws_iam_policy_document.function",
    "module.jobs[0].data.aws_iam_policy_document.starter",
}


def test_second_plan_changes_nothing(applied: Applied) -> None:
    changes = [c for c in applied.replan["resource_changes"] if c["change"]["actions"] != ["no-op"]]
    rereads = {c["address"] for c in changes if c["change"]["actions"] == ["read"]}
    assert rereads <= KNOWN_EMULATOR_REREADS
    for change in (c for c in changes if c["address"] not in rereads):
        address = change["address"]
        before, after = change["change"]["before"], change["change"]["after"]
        differing = {k for k in after if before.get(k) != after.get(k)}
        assert change["change"]["actions"] == ["update"], address
        assert address in KNOWN_EMULATOR_DRIFT, (
            f"{address} drifts after apply: "
            + json.dumps({k: (before.get(k), after.get(k)) for k in differing})[:2000]
        )
        assert differing <= KNOWN_EMULATOR_DRIFT[address], (address, differing)
        if address.endswith("aws_s3_bucket_replication_configuration.this[0]"):
            planned_rule, read_rule = after["rule"][0], before["rule"][0]
            assert read_rule["filter"][0]["prefix"] == ""
            assert read_rule["delete_marker_replication"] == [{"status": "Disabled"}]
            read_rule["filter"][0]["prefix"] = planned_rule["filter"][0]["prefix"]
            read_rule["delete_marker_replication"] = planned_rule["delete_marker_replication"]
            assert read_rule == planned_rule, "only what moto does not keep may differ"
        if "redrive_policy" in differing:
            assert json.loads(before["redrive_policy"]) == json.loads(after["redrive_policy"])
        if "eventbridge" in differing:
            assert (before["eventbridge"], after["eventbridge"]) == (False, True)
        if "function_name" in differing:
            # The same function (arn:aws:lambda:region:account:function:name),
            # whatever qualifier moto reads back ($LATEST's is none at all).
            assert before["function_name"].split(":")[:7] == after["function_name"].split(":")[:7]
        if "referenced_security_group_id" in differing:
            assert before["referenced_security_group_id"].endswith(
                "/" + after["referenced_security_group_id"]
            )


# --------------------------------------------------------------------------
# What the emulator holds after apply
# --------------------------------------------------------------------------


def test_outputs(applied: Applied) -> None:
    values = {k: v["value"] for k, v in applied.outputs.items()}
    assert values["api_url"] == "https://api.snsdconsultant.com"
    assert values["ecs_cluster_name"] == "snsd-production-cluster"
    assert values["ecs_service_name"] == "snsd-production-service"
    assert values["uploads_bucket_name"] == BUCKET
    assert values["logs_bucket_name"] == LOGS_BUCKET
    assert values["secret_name"] == "snsd-production-secrets"
    assert values["log_group_name"] == "/ecs/snsd-production"
    assert values["lambda_function_name"] == "snsd-production-file-api"
    assert values["lambda_alias_name"] == "live"
    assert values["ecr_repository_url"].endswith("/snsd-production")
    assert len(values["nat_public_ips"]) == 2


def test_buckets(applied: Applied) -> None:
    s3 = applied.client("s3")
    # Files open at once at any age; logs take the cheaper Flexible Retrieval.
    archive_class = {BUCKET: "GLACIER_IR", LOGS_BUCKET: "GLACIER"}
    for bucket in (BUCKET, LOGS_BUCKET):
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert len(block) == 4
        assert all(block.values())
        lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        transitions = {(t["Days"], t["StorageClass"]) for t in lifecycle[0]["Transitions"]}
        assert transitions == {(30, "STANDARD_IA"), (90, archive_class[bucket])}

    cors = s3.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    # The app's origins, and the API's own for the pages' part uploads.
    api_origin = "https://api.snsdconsultant.com"
    assert cors[0]["AllowedOrigins"] == [*TFVARS["cors_allowed_origins"], api_origin]
    logging = s3.get_bucket_logging(Bucket=BUCKET)["LoggingEnabled"]
    assert logging["TargetBucket"] == LOGS_BUCKET
    policy = json.loads(s3.get_bucket_policy(Bucket=LOGS_BUCKET)["Policy"])
    assert {s["Sid"] for s in policy["Statement"]} == {
        "DenyInsecureTransport",
        "S3ServerAccessLogs",
        "AlbAccessLogs",
    }


def test_ecr_lifecycle_policy(applied: Applied) -> None:
    ecr = applied.client("ecr")
    repository = ecr.describe_repositories(repositoryNames=["snsd-production"])["repositories"][0]
    assert repository["imageScanningConfiguration"]["scanOnPush"] is True
    policy = json.loads(
        ecr.get_lifecycle_policy(repositoryName="snsd-production")["lifecyclePolicyText"]
    )
    rules = {r["rulePriority"]: r["selection"] for r in policy["rules"]}
    assert rules == {
        1: {
            "tagStatus": "untagged",
            "countType": "sinceImagePushed",
            "countUnit": "days",
            "countNumber": 7,
        },
        2: {
            "tagStatus": "tagged",
            "tagPrefixList": ["release-"],
            "countType": "imageCountMoreThan",
            "countNumber": 10,
        },
        3: {
            "tagStatus": "tagged",
            "tagPatternList": ["*"],
            "countType": "sinceImagePushed",
            "countUnit": "days",
            "countNumber": 14,
        },
    }


def test_ecs_service(applied: Applied) -> None:
    ecs = applied.client("ecs")
    cluster = ecs.describe_clusters(clusters=["snsd-production-cluster"])["clusters"][0]
    assert cluster["status"] == "ACTIVE"
    service = ecs.describe_services(
        cluster="snsd-production-cluster", services=["snsd-production-service"]
    )["services"][0]
    assert service["launchType"] == "FARGATE"
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert network["assignPublicIp"] == "DISABLED"
    assert service["loadBalancers"][0]["containerPort"] == 8000

    # Until the first deploy the service runs the placeholder: a public image
    # answering /health, needing neither an image in ECR nor the secret.
    running = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])[
        "taskDefinition"
    ]
    assert running["family"] == "snsd-production-service-placeholder"
    stand_in = running["containerDefinitions"][0]
    assert stand_in["name"] == "app"
    assert stand_in["image"] == "public.ecr.aws/docker/library/python:3.12-slim"
    assert stand_in["command"][:2] == ["python", "-c"]
    assert '"/health"' in stand_in["command"][2]
    assert "secrets" not in stand_in or not stand_in["secrets"]

    # Terraform's revision of the application's family, which deploys re-image.
    task = ecs.describe_task_definition(taskDefinition="snsd-production-service")["taskDefinition"]
    assert (task["cpu"], task["memory"]) == ("256", "512")
    container = task["containerDefinitions"][0]
    assert container["image"].endswith("/snsd-production:replaced-by-deploy")
    assert "command" not in container or not container["command"]
    assert container["portMappings"][0]["containerPort"] == 8000
    secret_names = {s["name"] for s in container["secrets"]}
    assert secret_names == {
        "SUPABASE_URL",
        "SUPABASE_ANON_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
        "SUPABASE_JWT_SECRET",
        "SUPABASE_DB_URL",
        "PORT",
    }
    assert all(s["valueFrom"].endswith(f":{s['name']}::") for s in container["secrets"])
    assert container["logConfiguration"]["options"]["awslogs-group"] == "/ecs/snsd-production"


def test_ecs_service_deployment_settings_in_state(applied: Applied) -> None:
    # moto's ECS neither stores nor returns deploymentConfiguration, so what
    # the provider sent is read from the state.
    state = json.loads((applied.work / "terraform.tfstate").read_text())
    service = next(
        r["instances"][0]["attributes"]
        for r in state["resources"]
        if r["type"] == "aws_ecs_service" and r["module"] == "module.ecs"
    )
    assert service["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]
    assert service["deployment_minimum_healthy_percent"] == 100
    assert service["deployment_maximum_percent"] == 200


def test_files_rule_and_listeners(applied: Applied) -> None:
    elbv2 = applied.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=["snsd-production"])["LoadBalancers"][0]
    listeners = {
        listener["Port"]: listener
        for listener in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    }
    assert set(listeners) == {80, 443}
    redirect = listeners[80]["DefaultActions"][0]["RedirectConfig"]
    assert (redirect["Protocol"], redirect["Port"], redirect["StatusCode"]) == (
        "HTTPS",
        "443",
        "HTTP_301",
    )
    assert listeners[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"

    rules = elbv2.describe_rules(ListenerArn=listeners[443]["ListenerArn"])["Rules"]
    files = [r for r in rules if not r["IsDefault"]]
    assert len(files) == 1
    assert files[0]["Conditions"][0]["Field"] == "path-pattern"
    assert files[0]["Conditions"][0]["PathPatternConfig"]["Values"] == ["/files/*"]
    lambda_tg_arn = files[0]["Actions"][0]["TargetGroupArn"]
    default = next(r for r in rules if r["IsDefault"])
    ecs_tg_arn = default["Actions"][0]["TargetGroupArn"]

    groups = {
        g["TargetGroupArn"]: g
        for g in elbv2.describe_target_groups(TargetGroupArns=[lambda_tg_arn, ecs_tg_arn])[
            "TargetGroups"
        ]
    }
    assert groups[lambda_tg_arn]["TargetType"] == "lambda"
    assert groups[ecs_tg_arn]["TargetType"] == "ip"
    assert groups[ecs_tg_arn]["Port"] == 8000
    assert groups[ecs_tg_arn]["HealthCheckPath"] == "/health"
    attributes = {
        a["Key"]: a["Value"]
        for a in elbv2.describe_target_group_attributes(TargetGroupArn=lambda_tg_arn)["Attributes"]
    }
    assert attributes.get("lambda.multi_value_headers.enabled") == "true"
    targets = elbv2.describe_target_health(TargetGroupArn=lambda_tg_arn)["TargetHealthDescriptions"]
    assert len(targets) == 1
    # The alias, not the function: deploys move traffic by moving the alias.
    assert targets[0]["Target"]["Id"].endswith(":function:snsd-production-file-api:live")


def test_core_task_role_may_only_list_the_tenants_prefix(applied: Applied) -> None:
    """As stored by the emulator (moto keeps IAM policies but does not enforce them)."""
    iam = applied.client("iam")
    role = "snsd-production-ecs-task"
    # start-jobs: test_the_roles_that_start_jobs_send_and_presign_only.
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["least-privilege", "start-jobs"]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    document = iam.get_role_policy(RoleName=role, PolicyName="least-privilege")["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    assert document["Statement"] == [
        {
            "Sid": "ReadinessList",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": f"arn:aws:s3:::{BUCKET}",
            "Condition": {"StringEquals": {"s3:prefix": "tenants/"}},
        },
        {
            "Sid": "SendInvitationMail",
            "Effect": "Allow",
            "Action": "ses:SendEmail",
            "Resource": [
                f"arn:aws:ses:{REGION}:123456789012:identity/{ZONE}",
                f"arn:aws:ses:{REGION}:123456789012:configuration-set/snsd-production-mail",
            ],
            "Condition": {"StringEquals": {"ses:FromAddress": f"invitations@{ZONE}"}},
        },
    ]


def test_lambda_configuration(applied: Applied) -> None:
    lam = applied.client("lambda")
    function = lam.get_function_configuration(FunctionName="snsd-production-file-api")
    assert function["Handler"] == "file_lambda.handler.handler"
    assert function["Runtime"] == "python3.12"
    env = function["Environment"]["Variables"]
    assert env["S3_BUCKET_NAME"] == BUCKET
    assert env["CORS_ALLOWED_ORIGINS"] == ",".join(TFVARS["cors_allowed_origins"])
    assert env["APP_SECRET_ARN"].split(":")[5] == "secret"
    assert not [k for k in env if k.startswith("SUPABASE_")], (
        "secret values must not be in the environment"
    )
    # Nothing published before the first release: the alias serves the
    # placeholder through $LATEST (the release pins it as a version first).
    versions = lam.list_versions_by_function(FunctionName="snsd-production-file-api")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST"]
    alias = lam.get_alias(FunctionName="snsd-production-file-api", Name="live")
    assert alias["FunctionVersion"] == "$LATEST"


def test_bucket_changes_are_queued_for_the_live_alias(applied: Applied) -> None:
    s3, sqs = applied.client("s3"), applied.client("sqs")
    [config] = s3.get_bucket_notification_configuration(Bucket=BUCKET)["QueueConfigurations"]
    [rule] = config["Filter"]["Key"]["FilterRules"]
    assert rule["Value"] == "tenants/"
    assert set(config["Events"]) == {
        "s3:ObjectCreated:*",
        "s3:ObjectRemoved:*",
        "s3:LifecycleExpiration:*",
    }
    queue_url = sqs.get_queue_url(QueueName="snsd-production-bucket-changes")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert config["QueueArn"] == attributes["QueueArn"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":snsd-production-bucket-changes-dlq")
    assert int(attributes["VisibilityTimeout"]) == 6 * 30
    [mapping] = applied.client("lambda").list_event_source_mappings(
        EventSourceArn=attributes["QueueArn"]
    )["EventSourceMappings"]
    # The live alias: moto stores the ARN of the version the alias points at,
    # and before the first release that is $LATEST, whose ARN is unqualified
    # (the plan's mapping names the alias: test_static.py).
    assert mapping["FunctionArn"].split(":")[5:7] == ["function", "snsd-production-file-api"]
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_scan_results_join_the_bucket_changes_queue(applied: Applied) -> None:
    events, sqs = applied.client("events"), applied.client("sqs")
    rule = events.describe_rule(Name="snsd-production-bucket-changes-scan-results")
    assert rule["EventBusName"] == "default"
    assert json.loads(rule["EventPattern"]) == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Malware Protection Object Scan Result"],
        "detail": {
            "s3ObjectDetails": {"bucketName": [BUCKET], "objectKey": [{"prefix": "tenants/"}]}
        },
    }
    queue_url = sqs.get_queue_url(QueueName="snsd-production-bucket-changes")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    [target] = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert target["Arn"] == attributes["QueueArn"]
    statements = {s["Sid"]: s for s in json.loads(attributes["Policy"])["Statement"]}
    assert set(statements) == {"BucketNotifications", "ScanResults"}
    scan_results = statements["ScanResults"]
    assert scan_results["Principal"] == {"Service": "events.amazonaws.com"}
    assert scan_results["Condition"] == {"ArnEquals": {"aws:SourceArn": rule["Arn"]}}
    assert statements["BucketNotifications"]["Principal"] == {"Service": "s3.amazonaws.com"}
    # That GuardDuty's EventBridge notifications stay on is checked in the plan
    # (moto does not read them back: KNOWN_EMULATOR_DRIFT).


def test_the_scanner_role_and_the_bucket_policy_that_guards_its_verdicts(applied: Applied) -> None:
    iam = applied.client("iam")
    role = iam.get_role(RoleName="snsd-production-malware-protection")["Role"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "malware-protection-plan.guardduty.amazonaws.com"}
    [name] = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    document = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)["PolicyDocument"]
    resources = {s["Sid"]: s["Resource"] for s in document["Statement"]}
    assert resources["AllowMalwareScan"] == f"arn:aws:s3:::{BUCKET}/tenants/*"
    assert resources["AllowPostScanTag"] == f"arn:aws:s3:::{BUCKET}/tenants/*"

    s3 = applied.client("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {
        "DenyInsecureTransport",
        "DenyReadingInfectedObjects",
        "DenyTagChangesButByTheMalwareScanner",
    }
    infected = statements["DenyReadingInfectedObjects"]
    assert (infected["Effect"], infected["Principal"]) == ("Deny", {"AWS": "*"})
    assert infected["Resource"] == f"arn:aws:s3:::{BUCKET}/*"
    assert infected["Condition"] == {
        "StringEquals": {"s3:ExistingObjectTag/GuardDutyMalwareScanStatus": "THREATS_FOUND"},
        "ArnNotEquals": {"aws:PrincipalArn": role["Arn"]},
    }
    tags = statements["DenyTagChangesButByTheMalwareScanner"]
    assert sorted(tags["Action"]) == [
        "s3:DeleteObjectTagging",
        "s3:DeleteObjectVersionTagging",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging",
    ]
    assert tags["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": role["Arn"]}}
    # Not the logs bucket's: nothing there is scanned.
    logs = json.loads(s3.get_bucket_policy(Bucket=LOGS_BUCKET)["Policy"])
    assert not [s for s in logs["Statement"] if "Malware" in s["Sid"] or "Infected" in s["Sid"]]


def test_dns_record(applied: Applied) -> None:
    route53 = applied.client("route53")
    zone = route53.list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"][0]
    records = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    api = [r for r in records if r["Name"].rstrip(".") == f"api.{ZONE}" and r["Type"] == "A"]
    assert len(api) == 1
    assert "AliasTarget" in api[0]


def test_alarms_and_log_groups(applied: Applied) -> None:
    cloudwatch = applied.client("cloudwatch")
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert {name: a.get("MetricName") for name, a in alarms.items()} == {
        "snsd-production-high-response-time": "TargetResponseTime",
        "snsd-production-files-high-response-time": "TargetResponseTime",
        "snsd-production-load-balancer-5xx": "HTTPCode_ELB_5XX_Count",
        "snsd-production-unhealthy-hosts": "UnHealthyHostCount",
        "snsd-production-file-lambda-errors": "Errors",
        "snsd-production-file-lambda-throttles": "Throttles",
        "snsd-production-bucket-changes-dead-letters": "ApproximateNumberOfMessagesVisible",
        "snsd-production-core-target-5xx": "HTTPCode_Target_5XX_Count",
        "snsd-production-files-target-5xx": "HTTPCode_Target_5XX_Count",
        "snsd-production-bucket-changes-queue-age": "ApproximateAgeOfOldestMessage",
        "snsd-production-file-replication-failures": "OperationsFailedReplication",
        "snsd-production-scan-results-undelivered": "FailedInvocations",
        # metric math, no metric of its own (test_alarms_issue_26_found_missing)
        "snsd-production-core-tasks-below-desired": None,
        "snsd-production-jobs-dead-letters": "ApproximateNumberOfMessagesVisible",
        "snsd-production-jobs-errors": "Errors",
    }

    def target_group(alarm: str) -> str:
        dimensions = {d["Name"]: d["Value"] for d in alarms[alarm]["Dimensions"]}
        assert dimensions["LoadBalancer"].startswith("app/snsd-production/")
        return dimensions.get("TargetGroup", "")

    assert target_group("snsd-production-high-response-time").startswith(
        "targetgroup/snsd-production-ecs/"
    )
    assert target_group("snsd-production-files-high-response-time").startswith(
        "targetgroup/snsd-production-files/"
    )
    assert target_group("snsd-production-load-balancer-5xx") == ""
    assert target_group("snsd-production-core-target-5xx").startswith(
        "targetgroup/snsd-production-ecs/"
    )
    assert target_group("snsd-production-files-target-5xx").startswith(
        "targetgroup/snsd-production-files/"
    )
    topic = applied.outputs["alarm_topic_arn"]["value"]
    assert all(a["AlarmActions"] == [topic] for a in alarms.values())
    logs = applied.client("logs")
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
    assert groups["/ecs/snsd-production"]["retentionInDays"] == 30
    assert groups["/aws/lambda/snsd-production-file-api"]["retentionInDays"] == 30
    assert groups["/aws/lambda/snsd-production-jobs"]["retentionInDays"] == 30


def test_guardduty_trouble_reaches_the_alarm_topic(applied: Applied) -> None:
    events = applied.client("events")
    rule = events.describe_rule(Name="snsd-production-malware-protection-trouble")
    assert json.loads(rule["EventPattern"])["detail-type"] == [
        "GuardDuty Malware Protection Resource Status Warning",
        "GuardDuty Malware Protection Resource Status Error",
        "GuardDuty Malware Protection Post Scan Action Failed",
    ]
    topic = applied.outputs["alarm_topic_arn"]["value"]
    [target] = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert target["Arn"] == topic
    attributes = applied.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
    statements = {s["Sid"]: s for s in json.loads(attributes["Policy"])["Statement"]}
    trouble = statements["MalwareProtectionTrouble"]
    assert trouble["Principal"] == {"Service": "events.amazonaws.com"}
    assert trouble["Condition"] == {"ArnEquals": {"aws:SourceArn": rule["Arn"]}}


def test_alarms_issue_26_found_missing(applied: Applied) -> None:
    """The queue's age, failed replications and the core's task shortfall, as AWS holds them."""
    cloudwatch = applied.client("cloudwatch")
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}

    def dimensions(alarm: str) -> dict[str, str]:
        return {d["Name"]: d["Value"] for d in alarms[alarm]["Dimensions"]}

    age = alarms["snsd-production-bucket-changes-queue-age"]
    assert dimensions(age["AlarmName"]) == {"QueueName": "snsd-production-bucket-changes"}
    assert (age["Statistic"], age["Threshold"]) == ("Maximum", 1800)
    # The queue it watches dead-letters a message after about 50 hours.
    attributes = applied.client("sqs").get_queue_attributes(
        QueueUrl=applied.client("sqs").get_queue_url(QueueName="snsd-production-bucket-changes")[
            "QueueUrl"
        ],
        AttributeNames=["VisibilityTimeout", "RedrivePolicy"],
    )["Attributes"]
    receives = json.loads(attributes["RedrivePolicy"])["maxReceiveCount"]
    assert int(attributes["VisibilityTimeout"]) * int(receives) == 180_000

    replication = "snsd-production-file-replication-failures"
    assert alarms[replication]["Namespace"] == "AWS/S3"
    assert dimensions(replication) == {
        "SourceBucket": BUCKET,
        "DestinationBucket": f"{BUCKET}-replica",
        "RuleId": "backup-tenants",
    }
    [rule] = applied.client("s3").get_bucket_replication(Bucket=BUCKET)["ReplicationConfiguration"][
        "Rules"
    ]
    assert rule["ID"] == "backup-tenants"
    assert rule["Destination"]["Metrics"]["Status"] == "Enabled"

    shortfall = alarms["snsd-production-core-tasks-below-desired"]
    queries = {q["Id"]: q for q in shortfall["Metrics"]}
    assert queries["shortfall"]["Expression"] == "desired - running"
    for query, metric in (("desired", "DesiredTaskCount"), ("running", "RunningTaskCount")):
        stat = queries[query]["MetricStat"]
        assert stat["Metric"]["Namespace"] == "ECS/ContainerInsights"
        assert stat["Metric"]["MetricName"] == metric
        assert {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]} == {
            "ClusterName": "snsd-production-cluster",
            "ServiceName": "snsd-production-service",
        }
    assert (shortfall["EvaluationPeriods"], shortfall["TreatMissingData"]) == (5, "breaching")
    settings = applied.client("ecs").describe_clusters(clusters=["snsd-production-cluster"])
    assert {"name": "containerInsights", "value": "enabled"} in settings["clusters"][0]["settings"]


def test_secret_exists_without_a_value(applied: Applied) -> None:
    secrets = applied.client("secretsmanager")
    secret = secrets.describe_secret(SecretId="snsd-production-secrets")
    assert not secret.get("VersionIdsToStages"), "Terraform must not write secret values"
    state = (applied.work / "terraform.tfstate").read_text()
    assert "SecretString" not in state
    assert "secret_string" not in state


def test_placeholder_server_answers_the_health_check(applied: Applied, tmp_path: Path) -> None:
    """The placeholder's command, run here: 200 on /health, 503 elsewhere."""
    import socket
    import subprocess
    import urllib.error
    import urllib.request

    ecs = applied.client("ecs")
    task = ecs.describe_task_definition(taskDefinition="snsd-production-service-placeholder")
    source = task["taskDefinition"]["containerDefinitions"][0]["command"][2]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    script = source.replace('("", 8000)', f'("127.0.0.1", {port})')
    assert script != source
    server = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
    try:
        status = {}
        for path in ("/health", "/ready"):
            for _ in range(50):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                        status[path] = r.status
                    break
                except urllib.error.HTTPError as error:
                    status[path] = error.code
                    break
                except OSError:
                    import time

                    time.sleep(0.1)
        assert status == {"/health": 200, "/ready": 503}
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_deploy_role_trusts_only_the_production_environment(applied: Applied) -> None:
    iam = applied.client("iam")
    statement = _trust(iam, "snsd-production-github-deploy")["Statement"][0]
    assert (
        statement["Principal"]["Federated"]
        == applied.bootstrap_outputs["github_oidc_provider_arn"]["value"]
    )
    condition = statement["Condition"]
    assert set(condition) == {"StringEquals"}
    assert condition["StringEquals"]["token.actions.githubusercontent.com:sub"] == (
        f"repo:{TFVARS['github_repository']}:environment:production"
    )
    policy = iam.get_role_policy(RoleName="snsd-production-github-deploy", PolicyName="deploy")
    document = policy["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    run = by_sid["EcsRunMigration"]
    assert run["Action"] == "ecs:RunTask"
    # One-off tasks of the migration's family only, never the service's.
    assert run["Resource"].endswith(":task-definition/snsd-production-migrate:*")
    assert [s["Sid"] for s in document["Statement"] if "ecs:RunTask" in str(s["Action"])] == [
        "EcsRunMigration"
    ]
    assert run["Condition"]["ArnEquals"]["ecs:cluster"].endswith(":cluster/snsd-production-cluster")
    assert by_sid["EcsWatchMigration"]["Action"] == "ecs:DescribeTasks"
    assert by_sid["EcsWatchMigration"]["Resource"].endswith(":task/snsd-production-cluster/*")
    assert sorted(r.rsplit("/", 1)[1] for r in by_sid["PassTaskRoles"]["Resource"]) == [
        "snsd-production-ecs-execution",
        "snsd-production-ecs-task",
    ]


def test_the_migration_task_definition_carries_only_the_database_url(applied: Applied) -> None:
    ecs = applied.client("ecs")
    migrate = ecs.describe_task_definition(taskDefinition="snsd-production-migrate")
    definition = migrate["taskDefinition"]
    assert "taskRoleArn" not in definition
    [container] = definition["containerDefinitions"]
    assert container["command"] == ["python", "-m", "core_service.migrate"]
    secret_arn = applied.outputs["secret_arn"]["value"]
    assert container["secrets"] == [
        {"name": "SUPABASE_DB_URL", "valueFrom": f"{secret_arn}:SUPABASE_DB_URL::"}
    ]
    assert not container.get("environment")
    assert container["image"].endswith("/snsd-production:replaced-by-deploy")


# --------------------------------------------------------------------------
# After a deploy: the next plan leaves the deploy alone; Terraform's own
# changes reach the service with the next deploy, the alias with the next release
# --------------------------------------------------------------------------


def test_deploy_renders_terraforms_revision_with_only_the_image_changed(applied: Applied) -> None:
    """The deploy script against the revision Terraform itself registered."""
    scripts = str(REPO / ".github" / "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    from scripts import ecs_deploy

    ecs = applied.client("ecs")
    image = applied.outputs["ecr_repository_url"]["value"] + ":" + "c" * 40
    rendered = ecs_deploy.render_from_family(
        ecs,
        "snsd-production-cluster",
        "snsd-production-service",
        "snsd-production-service",
        "app",
        image,
    )
    state = json.loads((applied.work / "terraform.tfstate").read_text())
    terraform_arn = next(
        r["instances"][0]["attributes"]["arn"]
        for r in state["resources"]
        if r["type"] == "aws_ecs_task_definition" and r["name"] == "this"
    )
    assert rendered.base_task_definition == terraform_arn
    terraform = ecs.describe_task_definition(taskDefinition=terraform_arn, include=["TAGS"])
    expected = {
        k: v for k, v in terraform["taskDefinition"].items() if k not in ecs_deploy.READ_ONLY_FIELDS
    }
    expected["containerDefinitions"][0]["image"] = image
    request = dict(rendered.request)
    assert request.pop("tags", None) == (terraform.get("tags") or None)
    assert request == expected
    # The migration task runs where the service runs.
    network = ecs.describe_services(
        cluster="snsd-production-cluster", services=["snsd-production-service"]
    )["services"][0]["networkConfiguration"]["awsvpcConfiguration"]
    assert rendered.subnets == network["subnets"]
    assert rendered.security_groups == network["securityGroups"]


def _package(handler_source: str) -> bytes:
    import io
    import zipfile

    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("file_lambda/handler.py", handler_source)
    return package.getvalue()


def test_an_apply_after_a_rollback_publishes_nothing_and_leaves_the_alias(
    terraform: Terraform, applied: Applied
) -> None:
    """The release script alone publishes and moves `live`; Terraform's changes wait for it."""
    from scripts import lambda_release

    lam = applied.client("lambda")
    function = "snsd-production-file-api"
    asked_state_of: list[str] = []
    lam.meta.events.register(
        "before-call.lambda.GetFunctionConfiguration",
        lambda params, **_: asked_state_of.append(params["query_string"].get("Qualifier")),
    )

    good = lambda_release.release(lam, function, "live", _package("good = 1\n"), "good")
    rejected = lambda_release.release(lam, function, "live", _package("rejected = 1\n"), "bad")
    # Each published version was Active before the alias moved to it.
    assert {good.version, rejected.version} <= set(asked_state_of)
    # The smoke test failed: the workflow's rollback step.
    lambda_release.point_alias(lam, function, "live", good.version)
    published = lam.list_versions_by_function(FunctionName=function)["Versions"]

    target = ["-target=module.lambda", *EMULATOR_ONLY, *TEAR_DOWN]
    # No change to the function or its alias, so the releases stay as they are. The
    # function's environment names the job queue, so the target takes the queue in, with
    # moto's read-back of its redrive policy (KNOWN_EMULATOR_DRIFT): nothing else.
    terraform.run(["plan", *COMMON, VAR_FILE, *target, "-out=rollback.tfplan"], applied.work)
    for change in changed(show(terraform, applied.work, "rollback.tfplan")):
        before, after = change["change"]["before"], change["change"]["after"]
        differing = {k for k in after if before.get(k) != after.get(k)}
        assert differing <= KNOWN_EMULATOR_DRIFT.get(change["address"], set()), change["address"]
        assert not change["address"].startswith("module.lambda."), change["address"]

    # A configuration change of the function, applied.
    terraform.run(
        ["apply", *COMMON, "-auto-approve", VAR_FILE, *target, "-var", "lambda_log_level=DEBUG"],
        applied.work,
        timeout=300,
    )

    alias = lam.get_alias(FunctionName=function, Name="live")
    assert alias["FunctionVersion"] == good.version
    after = lam.list_versions_by_function(FunctionName=function)["Versions"]
    assert [v["Version"] for v in after] == [v["Version"] for v in published]
    rejected_code = next(v for v in after if v["Version"] == rejected.version)["CodeSha256"]
    assert [v["Version"] for v in after if v["CodeSha256"] == rejected_code] == [
        "$LATEST",
        rejected.version,
    ]
    # The change is on $LATEST, for the next release to publish.
    latest = lam.get_function_configuration(FunctionName=function)
    assert latest["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    live = lam.get_function_configuration(FunctionName=function, Qualifier="live")
    assert live["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] != "DEBUG"


# --------------------------------------------------------------------------
# Hardening: WAF's scope, the cost alert, the files' backup
# --------------------------------------------------------------------------


def _matches(statement: dict[str, Any], path: str) -> bool:
    """Whether a WAF statement (as planned) matches a request for `path`; the kinds used here."""
    if statement.get("not_statement"):
        inner = statement["not_statement"][0]["statement"][0]
        return not _matches(inner, path)
    if statement.get("or_statement"):
        return any(_matches(s, path) for s in statement["or_statement"][0]["statement"])
    if statement.get("and_statement"):
        return all(_matches(s, path) for s in statement["and_statement"][0]["statement"])
    match = statement["byte_match_statement"][0]
    assert match["field_to_match"][0]["uri_path"], "only URI path matches are modelled"
    assert [t["type"] for t in match["text_transformation"]] == ["NONE"]
    needle, how = match["search_string"], match["positional_constraint"]
    return {
        "STARTS_WITH": path.startswith(needle),
        "EXACTLY": path == needle,
        "CONTAINS": needle in path,
        "ENDS_WITH": path.endswith(needle),
    }[how]


def _web_acl(plan: dict[str, Any]) -> dict[str, Any]:
    acl = next(
        c["change"]["after"]
        for c in planned(plan)
        if c["address"] == "module.waf[0].aws_wafv2_web_acl.this"
    )
    return acl  # type: ignore[no-any-return]


def test_waf_rules_and_the_scope_of_the_common_rule_set(applied: Applied) -> None:
    acl = _web_acl(applied.plan)
    assert acl["scope"] == "REGIONAL"
    assert acl["default_action"][0]["allow"]
    rules = {r["name"]: r for r in acl["rule"]}
    assert set(rules) == {
        "rate-limit-per-ip",
        "rate-limit-public-links",
        "core-body-size",
        "aws-common",
        "aws-known-bad-inputs",
        "aws-ip-reputation",
    }
    rate = rules["rate-limit-per-ip"]["statement"][0]["rate_based_statement"][0]
    assert (rate["aggregate_key_type"], rate["limit"]) == ("IP", 2000)
    assert rules["rate-limit-per-ip"]["action"][0]["block"]
    # A tighter limit on the routes that take no account (share links, file requests).
    public = rules["rate-limit-public-links"]["statement"][0]["rate_based_statement"][0]
    assert (public["aggregate_key_type"], public["limit"]) == ("IP", 500)
    assert rules["rate-limit-public-links"]["action"][0]["block"]
    scoped = public["scope_down_statement"][0]
    for path in ("/files/public/shares/t", "/files/public/requests/t/s3/multipart", "/files/s/t",
                 "/files/r/t"):  # fmt: skip
        assert _matches(scoped, path), path
    for path in ("/files/shares", "/files/list", "/files/search", "/files/r", "/tenants"):
        assert not _matches(scoped, path), path

    common = rules["aws-common"]["statement"][0]["managed_rule_group_statement"][0]
    assert (common["vendor_name"], common["name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    counted = {o["name"] for o in common["rule_action_override"] if o["action_to_use"][0]["count"]}
    assert counted == {"SizeRestrictions_BODY", "RestrictedExtensions_URIPATH"}
    scope = common["scope_down_statement"][0]
    # Inline multipart uploads are not inspected by the common rules' body checks ...
    for path in ("/files/upload", "/files/upload-multiple"):
        assert not _matches(scope, path), path
    # ... everything else is, downloads and presigned flows included (whose
    # file names only count, never block, on RestrictedExtensions).
    for path in (
        "/files/download/tenants/report.pdf",
        "/files/presigned-upload",
        "/files/presigned-url/docs/a.ini",
        "/files/list",
        "/tenants",
        "/health",
        "/",
    ):
        assert _matches(scope, path), path
    # Long bodies are blocked on the core's paths only (the size is WAF's to check).
    spared = rules["core-body-size"]["statement"][0]["and_statement"][0]["statement"][0]
    for path in ("/tenants", "/tenants/x/invitations", "/me", "/", "/filesystem"):
        assert _matches(spared, path), path
    for path in ("/files/upload", "/files/delete-multiple"):
        assert not _matches(spared, path), path
    for name in ("aws-known-bad-inputs", "aws-ip-reputation"):
        statement = rules[name]["statement"][0]["managed_rule_group_statement"][0]
        assert not statement.get("scope_down_statement"), name  # every path
        assert rules[name]["override_action"][0]["none"], name


def test_waf_is_applied_to_the_load_balancer(applied: Applied) -> None:
    wafv2 = applied.client("wafv2")
    elbv2 = applied.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=["snsd-production"])["LoadBalancers"][0]
    acl = wafv2.get_web_acl_for_resource(ResourceArn=lb["LoadBalancerArn"])["WebACL"]
    assert acl["Name"] == "snsd-production"
    assert {r["Name"] for r in acl["Rules"]} >= {"rate-limit-per-ip", "aws-common"}


def test_monthly_budget_notifies_the_alarm_topic(applied: Applied) -> None:
    budget = next(
        c["change"]["after"]
        for c in planned(applied.plan)
        if c["address"] == "module.monitoring.aws_budgets_budget.monthly[0]"
    )
    assert (budget["budget_type"], budget["time_unit"], budget["limit_unit"]) == (
        "COST",
        "MONTHLY",
        "USD",
    )
    assert float(budget["limit_amount"]) == TFVARS["monthly_budget_usd"] == 200
    notices = {(n["notification_type"], n["threshold"]) for n in budget["notification"]}
    assert notices == {("ACTUAL", 80), ("FORECASTED", 100)}
    # The topic's ARN is known only after apply; the budget names it in config.
    topic_policy = json.loads(
        applied.client("sns").get_topic_attributes(
            TopicArn=applied.outputs["alarm_topic_arn"]["value"]
        )["Attributes"]["Policy"]
    )
    budgets = [s for s in topic_policy["Statement"] if s["Sid"] == "BudgetsPublish"]
    assert budgets[0]["Principal"] == {"Service": "budgets.amazonaws.com"}


def test_files_replicate_to_a_second_region_and_leave_it_with_the_trash(applied: Applied) -> None:
    s3 = applied.client("s3")
    replica = "snsd-file-uploads-production-replica"
    location = s3.get_bucket_location(Bucket=replica)["LocationConstraint"]
    assert location == TFVARS["file_replica_region"] == "us-west-2"
    assert s3.get_bucket_versioning(Bucket=replica)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=replica)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    rules = s3.get_bucket_replication(Bucket=BUCKET)["ReplicationConfiguration"]["Rules"]
    assert len(rules) == 1
    rule = rules[0]
    assert rule["Status"] == "Enabled"
    assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{replica}"
    assert rule["Destination"]["StorageClass"] == "STANDARD_IA"
    # moto answers every rule with an empty prefix and delete markers off, so
    # those two are read from what Terraform sent (the plan).
    planned_rule = next(
        c["change"]["after"]["rule"][0]
        for c in planned(applied.plan)
        if c["address"] == "module.s3.aws_s3_bucket_replication_configuration.this[0]"
    )
    assert planned_rule["filter"][0]["prefix"] == "tenants/"
    assert planned_rule["delete_marker_replication"] == [{"status": "Enabled"}]
    policy = applied.client("iam").get_role_policy(
        RoleName=f"{BUCKET}-replication", PolicyName="replicate-to-backup"
    )["PolicyDocument"]
    writes = next(s for s in policy["Statement"] if s["Sid"] == "WriteReplicas")
    assert "s3:ReplicateDelete" in writes["Action"]
    # A deleted file's data leaves the replica when it leaves the primary's trash.
    [replica_rule] = s3.get_bucket_lifecycle_configuration(Bucket=replica)["Rules"]
    primary_rule, _ = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert primary_rule["ID"] == "tiering"
    assert (
        replica_rule["NoncurrentVersionExpiration"] == primary_rule["NoncurrentVersionExpiration"]
    )
    assert replica_rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert replica_rule["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    # The primary's figures, mirrored.
    assert (
        replica_rule["AbortIncompleteMultipartUpload"]
        == primary_rule["AbortIncompleteMultipartUpload"]
        == {"DaysAfterInitiation": 7}
    )


# --------------------------------------------------------------------------
# Jobs (modules/jobs): on by default
# --------------------------------------------------------------------------

JOBS = "snsd-production-jobs"
REPLICA = "snsd-file-uploads-production-replica"


def _policy(iam: Any, role: str, name: str) -> dict[str, dict[str, Any]]:
    document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    return {s["Sid"]: s for s in document["Statement"]}


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else sorted(value)


def test_the_job_function_its_queue_and_its_sweep(applied: Applied) -> None:
    lam = applied.client("lambda")
    function = lam.get_function_configuration(FunctionName=JOBS)
    assert function["Handler"] == "file_lambda.job_function.handler"
    assert function["Runtime"] == "python3.12"
    assert function["Timeout"] == 900
    assert function["MemorySize"] == 1024
    file_api = lam.get_function_configuration(FunctionName="snsd-production-file-api")
    assert function["Architectures"] == file_api["Architectures"]
    assert not function.get("VpcConfig", {}).get("SubnetIds"), "not in the VPC, as the file API"
    sqs = applied.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=JOBS)["QueueUrl"]
    env = function["Environment"]["Variables"]
    assert env == {
        "JOB_QUEUE_URL": queue_url,
        "S3_BUCKET_NAME": BUCKET,
        "REPLICA_BUCKET_NAME": REPLICA,
        "REPLICA_REGION": "us-west-2",
        "APP_SECRET_ARN": env["APP_SECRET_ARN"],
        "ARCHIVE_EXPIRY_HOURS": "24",
        "EXPORT_EXPIRY_HOURS": "168",
        "POWERTOOLS_SERVICE_NAME": "jobs",
        "POWERTOOLS_METRICS_NAMESPACE": "SnSD",
    }
    assert env["APP_SECRET_ARN"] == file_api["Environment"]["Variables"]["APP_SECRET_ARN"]
    assert file_api["Environment"]["Variables"]["JOB_QUEUE_URL"] == queue_url
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert int(attributes["VisibilityTimeout"]) == 960 > function["Timeout"]
    assert attributes["SqsManagedSseEnabled"] == "true"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == 10
    assert redrive["deadLetterTargetArn"].endswith(f":{JOBS}-dlq")
    dlq_url = sqs.get_queue_url(QueueName=f"{JOBS}-dlq")["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    assert int(dlq["MessageRetentionPeriod"]) == 14 * 86400
    [mapping] = lam.list_event_source_mappings(EventSourceArn=attributes["QueueArn"])[
        "EventSourceMappings"
    ]
    assert mapping["FunctionArn"].split(":")[5:7] == ["function", JOBS]
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    events = applied.client("events")
    rule = events.describe_rule(Name=f"{JOBS}-sweep")
    assert rule["ScheduleExpression"] == "rate(1 minute)"
    [target] = events.list_targets_by_rule(Rule=f"{JOBS}-sweep")["Targets"]
    assert target["Arn"] == function["FunctionArn"]
    values = {k: v["value"] for k, v in applied.outputs.items()}
    assert values["job_function_name"] == JOBS
    assert values["job_queue_url"] == queue_url


def test_the_job_function_may_touch_its_prefixes_and_nothing_more(applied: Applied) -> None:
    """As stored by the emulator, every statement, with its resolved ARNs."""
    iam = applied.client("iam")
    role = f"{JOBS}-role"
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["jobs"]
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    found = _policy(iam, role, "jobs")
    bucket, replica = f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{REPLICA}"
    expected = {
        "ReadTenantObjects": (
            ["s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersion",
             "s3:GetObjectVersionTagging"],
            [f"{bucket}/tenants/*"],
        ),
        "PurgeTenantObjects": (
            ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            [f"{bucket}/tenants/*"],
        ),
        "JobOutputs": (
            ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion",
             "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
            [f"{bucket}/jobs/*"],
        ),
        "DeletionRecords": (["s3:GetObject", "s3:PutObject"], [f"{bucket}/deletions/*"]),
        "ListJobPrefixes": (["s3:ListBucket", "s3:ListBucketVersions"], [bucket]),
        "ListUnfinishedUploads": (["s3:ListBucketMultipartUploads"], [bucket]),
        "ListReplicaPrefixes": (["s3:ListBucket", "s3:ListBucketVersions"], [replica]),
        "ListReplicaUnfinishedUploads": (["s3:ListBucketMultipartUploads"], [replica]),
        "PurgeReplicaObjects": (
            ["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            [f"{replica}/jobs/*", f"{replica}/tenants/*"],
        ),
        "JobQueue": (
            ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
             "sqs:ReceiveMessage", "sqs:SendMessage"],
            [f"arn:aws:sqs:{REGION}:123456789012:{JOBS}"],
        ),
        "AppSecret": (["secretsmanager:GetSecretValue"], [found["AppSecret"]["Resource"]]),
        "Logs": (
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"arn:aws:logs:{REGION}:123456789012:log-group:/aws/lambda/{JOBS}:*"],
        ),
        "XRay": (["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
    }  # fmt: skip
    assert set(found) == set(expected)
    for sid, (actions, resources) in expected.items():
        statement = found[sid]
        assert statement["Effect"] == "Allow", sid
        assert _listed(statement["Action"]) == sorted(actions), sid
        assert _listed(statement["Resource"]) == sorted(resources), sid
    assert found["AppSecret"]["Resource"].split(":")[5] == "secret"
    for sid in ("ListJobPrefixes", "ListReplicaPrefixes"):
        assert found[sid]["Condition"] == {"StringLike": {"s3:prefix": ["tenants/*", "jobs/*"]}}
    # Nothing on the whole bucket's objects, no wildcard action.
    for statement in found.values():
        for resource in _listed(statement["Resource"]):
            assert not resource.endswith(f"{BUCKET}/*")
            assert not resource.endswith(f"{REPLICA}/*")
        for action in _listed(statement["Action"]):
            assert "*" not in action


def test_the_roles_that_start_jobs_send_and_presign_only(applied: Applied) -> None:
    iam = applied.client("iam")
    queue = f"arn:aws:sqs:{REGION}:123456789012:{JOBS}"
    for role in ("snsd-production-file-lambda", "snsd-production-ecs-task"):
        assert _policy(iam, role, "start-jobs") == {
            "StartJobs": {
                "Sid": "StartJobs", "Effect": "Allow", "Action": "sqs:SendMessage",
                "Resource": queue,
            },
            "PresignJobOutputs": {
                "Sid": "PresignJobOutputs", "Effect": "Allow", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/jobs/*",
            },
        }  # fmt: skip
    ecs = applied.client("ecs")
    family = ecs.describe_task_definition(taskDefinition="snsd-production-service")[
        "taskDefinition"
    ]
    env = {e["name"]: e["value"] for e in family["containerDefinitions"][0]["environment"]}
    assert env["S3_BUCKET_NAME"] == BUCKET
    assert env["DELETION_GRACE_DAYS"] == "30"
    assert env["JOB_QUEUE_URL"].endswith(f"/{JOBS}")
    deploy = _policy(iam, "snsd-production-github-deploy", "deploy")["JobFunctionCode"]
    assert _listed(deploy["Action"]) == ["lambda:GetFunction", "lambda:UpdateFunctionCode"]
    assert deploy["Resource"] == f"arn:aws:lambda:{REGION}:123456789012:function:{JOBS}"


def test_job_outputs_expire_and_stay_out_of_the_replica(applied: Applied) -> None:
    s3 = applied.client("s3")
    tiering, outputs = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert tiering["ID"] == "tiering"
    # The existing figures, unchanged.
    assert tiering["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert tiering["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert {(t["Days"], t["StorageClass"]) for t in tiering["Transitions"]} == {
        (30, "STANDARD_IA"),
        (90, "GLACIER_IR"),
    }
    assert outputs["ID"] == "job-outputs"
    assert outputs["Filter"] == {"Prefix": "jobs/"}
    assert outputs["Expiration"] == {"Days": 8}
    assert outputs["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1


# --------------------------------------------------------------------------
# Last: the destroy
# --------------------------------------------------------------------------


def test_destroy_main_then_bootstrap(terraform: Terraform, applied: Applied) -> None:
    """Last: tear down in the reverse of CI's order, as DEPLOYMENT.md does it."""
    # With DEPLOYMENT.md's tear-down settings applied, the destroy empties the
    # buckets (the logs bucket holds the access logs moto wrote; S3 and moto
    # refuse BucketNotEmpty otherwise) and removes the load balancer.
    state = json.loads((applied.work / "terraform.tfstate").read_text())
    buckets = {
        r["instances"][0]["attributes"]["bucket"]: r["instances"][0]["attributes"]["force_destroy"]
        for r in state["resources"]
        if r["type"] == "aws_s3_bucket"
    }
    assert buckets == dict.fromkeys([BUCKET, LOGS_BUCKET, f"{BUCKET}-replica"], True)
    terraform.run(
        ["destroy", *COMMON, "-auto-approve", VAR_FILE, *EMULATOR_ONLY, *TEAR_DOWN],
        applied.work,
        timeout=600,
    )
    state = json.loads((applied.work / "terraform.tfstate").read_text())
    assert [r for r in state["resources"] if r["mode"] == "managed"] == []
    terraform.run(["destroy", *COMMON, "-auto-approve", VAR_FILE], applied.bootstrap, timeout=300)
    state = json.loads((applied.bootstrap / "terraform.tfstate").read_text())
    assert [r for r in state["resources"] if r["mode"] == "managed"] == []
    assert "snsd-terraform-state" not in [
        b["Name"] for b in applied.client("s3").list_buckets()["Buckets"]
    ]
