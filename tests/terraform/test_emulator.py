"""terraform plan and apply of the whole root against moto's server.

The emulator stands in for AWS: the provider's endpoints are pointed at it by
an override file written into a temporary copy of terraform/, so the
production configuration stays untouched. What moto cannot do is switched off
by variables that exist for this purpose only (see terraform/README.md,
"What the emulator test covers").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.terraform.support import EMULATED_SERVICES, Terraform, copy_configuration

REGION = "us-east-1"
ZONE = "snsdconsultant.com"
BUCKET = "snsd-file-uploads-production"
LOGS_BUCKET = f"{BUCKET}-logs"

INPUTS = {
    "cors_allowed_origins": ["https://app.snsdconsultant.com"],
    "github_repository": "snsd/snsd-backend",
}
# The only departure from production: moto lacks Application Auto Scaling
# tagging (ListTagsForResource), which the provider reads after creating a
# scalable target. The production plan above still includes autoscaling.
EMULATOR_ONLY = ["-var", "enable_autoscaling=false"]


def override(endpoint: str) -> str:
    endpoints = "\n".join(f'    {service} = "{endpoint}"' for service in EMULATED_SERVICES)
    return f"""# Written by tests/terraform: the emulator, not AWS.
terraform {{
  backend "local" {{}}
}}

provider "aws" {{
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {{
{endpoints}
  }}
}}
"""


@dataclass
class Applied:
    work: Path
    endpoint: str
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


def show(terraform: Terraform, work: Path, plan_file: str) -> dict[str, Any]:
    return json.loads(terraform.run(["show", "-json", plan_file], work, timeout=120).stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def applied(
    terraform: Terraform, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Applied:
    work = copy_configuration(tmp_path_factory.mktemp("emulator") / "terraform")
    (work / "zz_emulator_override.tf").write_text(override(moto_endpoint))
    (work / "emulator.auto.tfvars.json").write_text(json.dumps(INPUTS))

    # The domain's public zone exists before the platform (bought and hosted first).
    route53 = boto3.client(
        "route53",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    route53.create_hosted_zone(Name=ZONE, CallerReference="tests-terraform")

    common = ["-no-color", "-parallelism=20"]
    terraform.run(["init", "-no-color"], work, timeout=120)

    # The production plan, everything on.
    terraform.run(["plan", *common, "-out=production.tfplan"], work)
    plan = show(terraform, work, "production.tfplan")

    # The seed's cost option, for the network only.
    terraform.run(
        [
            "plan",
            *common,
            "-target=module.vpc",
            "-var",
            "single_nat_gateway=true",
            "-out=single-nat.tfplan",
        ],
        work,
    )
    single_nat_plan = show(terraform, work, "single-nat.tfplan")

    terraform.run(["apply", *common, "-auto-approve", *EMULATOR_ONLY], work, timeout=400)
    outputs = json.loads(terraform.run(["output", "-json"], work).stdout)

    # Applying again must change nothing (apart from a known emulator quirk).
    terraform.run(
        ["plan", *common, "-detailed-exitcode", *EMULATOR_ONLY, "-out=replan.tfplan"],
        work,
        ok=(0, 2),
    )
    replan = show(terraform, work, "replan.tfplan")

    return Applied(work, moto_endpoint, plan, single_nat_plan, outputs, replan)


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
    assert types.count("aws_nat_gateway") == 2
    assert types.count("aws_subnet") == 4
    assert types.count("aws_eip") == 2
    assert types.count("aws_appautoscaling_policy") == 2
    assert types.count("aws_cloudwatch_metric_alarm") == 4
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
        "aws_iam_openid_connect_provider",
        "aws_sns_topic",
    ):
        assert expected in types, expected


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
}


def test_second_plan_changes_nothing(applied: Applied) -> None:
    changes = [c for c in applied.replan["resource_changes"] if c["change"]["actions"] != ["no-op"]]
    for change in changes:
        address = change["address"]
        assert change["change"]["actions"] == ["update"], address
        assert address in KNOWN_EMULATOR_DRIFT, f"{address} drifts after apply"
        before, after = change["change"]["before"], change["change"]["after"]
        differing = {k for k in after if before.get(k) != after.get(k)}
        assert differing <= KNOWN_EMULATOR_DRIFT[address], (address, differing)
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
        assert transitions == {(30, "STANDARD_IA"), (90, "GLACIER")}

    cors = s3.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
    assert cors[0]["AllowedOrigins"] == INPUTS["cors_allowed_origins"]
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
    rules = {r["selection"]["tagStatus"]: r["selection"] for r in policy["rules"]}
    assert rules["untagged"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 7,
    }
    assert rules["tagged"]["countType"] == "imageCountMoreThan"
    assert rules["tagged"]["countNumber"] == 10


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

    task = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert (task["cpu"], task["memory"]) == ("256", "512")
    container = task["containerDefinitions"][0]
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
    assert iam.list_role_policies(RoleName=role)["PolicyNames"] == ["least-privilege"]
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
        }
    ]


def test_lambda_configuration(applied: Applied) -> None:
    lam = applied.client("lambda")
    function = lam.get_function_configuration(FunctionName="snsd-production-file-api")
    assert function["Handler"] == "file_lambda.handler.handler"
    assert function["Runtime"] == "python3.12"
    env = function["Environment"]["Variables"]
    assert env["S3_BUCKET_NAME"] == BUCKET
    assert env["CORS_ALLOWED_ORIGINS"] == "https://app.snsdconsultant.com"
    assert env["APP_SECRET_ARN"].split(":")[5] == "secret"
    assert not [k for k in env if k.startswith("SUPABASE_")], (
        "secret values must not be in the environment"
    )
    alias = lam.get_alias(FunctionName="snsd-production-file-api", Name="live")
    assert alias["FunctionVersion"] != "$LATEST"


def test_dns_record(applied: Applied) -> None:
    route53 = applied.client("route53")
    zone = route53.list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"][0]
    records = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
    api = [r for r in records if r["Name"].rstrip(".") == f"api.{ZONE}" and r["Type"] == "A"]
    assert len(api) == 1
    assert "AliasTarget" in api[0]


def test_alarms_and_log_groups(applied: Applied) -> None:
    cloudwatch = applied.client("cloudwatch")
    alarms = {a["MetricName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert set(alarms) == {"TargetResponseTime", "UnHealthyHostCount", "Errors", "Throttles"}
    topic = applied.outputs["alarm_topic_arn"]["value"]
    assert all(a["AlarmActions"] == [topic] for a in alarms.values())
    logs = applied.client("logs")
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups()["logGroups"]}
    assert groups["/ecs/snsd-production"]["retentionInDays"] == 30
    assert groups["/aws/lambda/snsd-production-file-api"]["retentionInDays"] == 30


def test_secret_exists_without_a_value(applied: Applied) -> None:
    secrets = applied.client("secretsmanager")
    secret = secrets.describe_secret(SecretId="snsd-production-secrets")
    assert not secret.get("VersionIdsToStages"), "Terraform must not write secret values"
    state = (applied.work / "terraform.tfstate").read_text()
    assert "SecretString" not in state
    assert "secret_string" not in state
