"""Static checks of terraform/: structure, conventions and every figure of the seed.

These parse the HCL with python-hcl2 and need no terraform binary.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.terraform.support import (
    MODULES,
    REPO,
    TF_ROOT,
    load,
    module,
    module_input,
    module_value,
    parse,
    root,
    root_value,
)

MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
ALL_DIRS = [TF_ROOT, *(TF_ROOT / "modules" / m for m in MODULES)]


def only(blocks: list[Any]) -> Any:
    assert len(blocks) == 1, blocks
    return blocks[0]


def module_resource(module_name: str, type_: str, name: str = "this") -> dict[str, Any]:
    body = module(module_name).resource(type_, name)
    return module_value(module_name, body)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------
# Structure and conventions
# --------------------------------------------------------------------------


def test_root_has_the_expected_files() -> None:
    for name in (
        "main.tf",
        "variables.tf",
        "outputs.tf",
        "versions.tf",
        "backend.tf",
        "terraform.tfvars.example",
        "production.s3.tfbackend",
        "README.md",
    ):
        assert (TF_ROOT / name).is_file(), name


@pytest.mark.parametrize("name", MODULES)
def test_module_layout(name: str) -> None:
    path = TF_ROOT / "modules" / name
    for filename in MODULE_FILES:
        assert (path / filename).is_file(), f"{name}/{filename}"
    assert name in root().modules, f"module {name} is not used by the root"
    assert root().modules[name]["source"] == f"./modules/{name}"


@pytest.mark.parametrize("path", ALL_DIRS, ids=lambda p: p.name)
def test_every_tf_file_parses(path: Path) -> None:
    files = sorted(path.glob("*.tf"))
    assert files
    for tf in files:
        parse(tf)


@pytest.mark.parametrize("path", ALL_DIRS, ids=lambda p: p.name)
def test_every_variable_is_typed_and_described(path: Path) -> None:
    config = load(path)
    assert config.variables
    for name, body in config.variables.items():
        assert body.get("type"), f"{path.name}: variable {name} has no type"
        assert str(body.get("description", "")).strip(), (
            f"{path.name}: variable {name} has no description"
        )
    for name, body in config.outputs.items():
        assert str(body.get("description", "")).strip(), (
            f"{path.name}: output {name} has no description"
        )


@pytest.mark.parametrize("path", ALL_DIRS, ids=lambda p: p.name)
def test_readme_tables_list_every_input_and_output(path: Path) -> None:
    readme = (path / "README.md").read_text()
    config = load(path)
    assert "## Inputs" in readme
    assert "## Outputs" in readme
    for name in [*config.variables, *config.outputs]:
        assert f"`{name}`" in readme, f"{path.name}/README.md does not list {name}"


@pytest.mark.parametrize("path", ALL_DIRS, ids=lambda p: p.name)
def test_only_the_aws_provider_pinned_to_5(path: Path) -> None:
    versions = parse(path / "versions.tf")
    terraform = only(versions["terraform"])
    providers = only(terraform["required_providers"])
    assert set(providers) == {"aws"}
    assert providers["aws"]["source"] == "hashicorp/aws"
    assert providers["aws"]["version"] == "~> 5.0"
    config = load(path)
    for type_, _ in [*config.resources, *config.data]:
        assert type_.startswith("aws_"), f"{path.name}: {type_} is not from hashicorp/aws"


def test_no_registry_modules() -> None:
    for path in ALL_DIRS:
        for name, call in load(path).modules.items():
            assert str(call["source"]).startswith("./"), f"{name} is not a local module"


def test_modules_have_no_provider_blocks() -> None:
    for name in MODULES:
        assert not module(name).providers, f"module {name} configures a provider"


def test_variables_with_constrained_values_are_validated() -> None:
    # Figures the seed fixes or AWS constrains must be guarded at plan time.
    expected = {
        TF_ROOT: [
            "aws_region",
            "vpc_cidr",
            "task_cpu",
            "task_memory",
            "container_port",
            "log_retention_in_days",
            "cors_allowed_origins",
            "github_repository",
            "secret_recovery_window_in_days",
        ],
        TF_ROOT / "modules" / "ecs": ["cpu", "memory", "min_capacity", "cpu_target_percent"],
        TF_ROOT / "modules" / "s3": [
            "bucket_name",
            "transition_to_ia_days",
            "cors_allowed_origins",
        ],
        TF_ROOT / "modules" / "ecr": ["tagged_images_to_keep", "untagged_image_expiry_days"],
        TF_ROOT / "modules" / "alb": ["ssl_policy", "target_port", "subnet_ids"],
    }
    for path, names in expected.items():
        variables = load(path).variables
        for name in names:
            assert variables[name].get("validation"), f"{path.name}: {name} is not validated"


def test_backend_is_the_seed_state_bucket_and_lock_table() -> None:
    terraform = only(parse(TF_ROOT / "backend.tf")["terraform"])
    backend = only(terraform["backend"])["s3"]
    assert backend["bucket"] == "snsd-terraform-state"
    assert backend["dynamodb_table"] == "snsd-terraform-locks"
    assert backend["region"] == "us-east-1"
    assert backend["encrypt"] is True
    # Partial configuration: the key comes from the backend file at init.
    assert "key" not in backend
    key = (TF_ROOT / "production.s3.tfbackend").read_text()
    assert re.search(r'^key\s*=\s*".+\.tfstate"', key, re.M)


def test_tfvars_example_sets_the_required_inputs() -> None:
    example = parse(TF_ROOT / "terraform.tfvars.example")
    required = {n for n, v in root().variables.items() if "default" not in v}
    assert required == {"cors_allowed_origins", "github_repository"}
    assert required <= set(example)
    assert set(example) <= set(root().variables)


# --------------------------------------------------------------------------
# The seed's figures
# --------------------------------------------------------------------------


def test_region_and_naming() -> None:
    assert root_value("${var.aws_region}") == "us-east-1"
    assert root_value(root().locals["name"]) == "snsd-production"


def test_network() -> None:
    assert module_input("vpc", "cidr") == "10.0.0.0/16"
    public = module_input("vpc", "public_subnets")
    private = module_input("vpc", "private_subnets")
    assert len(public) == 2
    assert len(private) == 2
    assert len(module_input("vpc", "azs")) == 2
    # Two NAT gateways by default, one on request (the seed's cost option).
    assert module_input("vpc", "single_nat_gateway") is False
    vpc = module("vpc")
    assert "single_nat_gateway ? 1 : length(var.azs)" in vpc.locals["nat_gateway_count"]
    assert vpc.resource("aws_nat_gateway")["count"] == "${local.nat_gateway_count}"
    assert ("aws_internet_gateway", "this") in vpc.resources
    endpoint = vpc.resource("aws_vpc_endpoint", "s3")
    assert endpoint["vpc_endpoint_type"] == "Gateway"
    assert endpoint["service_name"].endswith(".s3")
    assert module_input("vpc", "enable_s3_endpoint") is True
    # Tasks in private subnets, ALB in public ones.
    assert root().modules["ecs"]["subnet_ids"] == "${module.vpc.private_subnet_ids}"
    assert root().modules["alb"]["subnet_ids"] == "${module.vpc.public_subnet_ids}"
    assert vpc.resource("aws_subnet", "public")["map_public_ip_on_launch"] is False


def test_ecs_cluster_service_and_task() -> None:
    assert module_input("ecs", "cluster_name") == "snsd-production-cluster"
    assert module_input("ecs", "service_name") == "snsd-production-service"
    assert module_input("ecs", "cpu") == 256
    assert module_input("ecs", "memory") == 512
    assert module_input("ecs", "container_port") == 8000

    service = module_resource("ecs", "aws_ecs_service")
    assert service["launch_type"] == "FARGATE"
    breaker = only(service["deployment_circuit_breaker"])
    assert breaker == {"enable": True, "rollback": True}
    network = only(service["network_configuration"])
    assert network["assign_public_ip"] is False

    task = module_resource("ecs", "aws_ecs_task_definition")
    assert task["requires_compatibilities"] == ["FARGATE"]
    assert task["network_mode"] == "awsvpc"
    assert task["cpu"] == 256
    assert task["memory"] == 512
    container = module("ecs").resource("aws_ecs_task_definition")["container_definitions"]
    assert "containerPort = var.container_port" in container
    # Secrets come in through the task definition's `secrets`, by ARN and key.
    assert 'valueFrom = "${var.secret_arn}:${k}::"' in container
    assert "readonlyRootFilesystem = true" in container


def test_autoscaling() -> None:
    assert module_input("ecs", "min_capacity") == 1
    assert module_input("ecs", "max_capacity") == 4
    assert module_input("ecs", "cpu_target_percent") == 70
    assert module_input("ecs", "memory_target_percent") == 80
    assert module_input("ecs", "scale_out_cooldown") == 60
    assert module_input("ecs", "scale_in_cooldown") == 300
    assert module_input("ecs", "enable_autoscaling") is True
    policies = module_value("ecs", module("ecs").locals["scaling_policies"])
    assert policies["cpu"]["metric"] == "ECSServiceAverageCPUUtilization"
    assert policies["cpu"]["target"] == 70
    assert policies["memory"]["metric"] == "ECSServiceAverageMemoryUtilization"
    assert policies["memory"]["target"] == 80
    policy = module_resource("ecs", "aws_appautoscaling_policy")
    tracking = only(policy["target_tracking_scaling_policy_configuration"])
    assert tracking["scale_out_cooldown"] == 60
    assert tracking["scale_in_cooldown"] == 300
    target = module_resource("ecs", "aws_appautoscaling_target")
    assert (target["min_capacity"], target["max_capacity"]) == (1, 4)


def test_load_balancer() -> None:
    alb = module("alb")
    http = module_value("alb", alb.resource("aws_lb_listener", "http"))
    assert http["port"] == 80
    redirect = only(only(http["default_action"])["redirect"])
    assert redirect["port"] == "443"
    assert redirect["protocol"] == "HTTPS"
    assert redirect["status_code"] == "HTTP_301"

    https = module_value("alb", alb.resource("aws_lb_listener", "https"))
    assert https["port"] == 443
    assert https["protocol"] == "HTTPS"
    assert https["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["certificate_arn"] == "${module.dns.certificate_arn}"
    assert only(https["default_action"])["target_group_arn"] == "${aws_lb_target_group.ecs.arn}"

    ecs_tg = module_value("alb", alb.resource("aws_lb_target_group", "ecs"))
    assert ecs_tg["port"] == 8000
    assert ecs_tg["target_type"] == "ip"
    assert only(ecs_tg["health_check"])["path"] == "/health"

    lb = module_value("alb", alb.resource("aws_lb"))
    assert lb["load_balancer_type"] == "application"
    assert lb["drop_invalid_header_fields"] is True


def test_files_path_goes_to_the_lambda_alias() -> None:
    alb = module("alb")
    rule = module_value("alb", alb.resource("aws_lb_listener_rule", "files"))
    condition = only(rule["condition"])
    assert only(condition["path_pattern"])["values"] == ["/files/*"]
    assert only(rule["action"])["target_group_arn"] == "${aws_lb_target_group.lambda.arn}"
    lambda_tg = alb.resource("aws_lb_target_group", "lambda")
    assert lambda_tg["target_type"] == "lambda"
    assert lambda_tg["lambda_multi_value_headers_enabled"] is True
    permission = alb.resource("aws_lambda_permission", "alb")
    assert permission["principal"] == "elasticloadbalancing.amazonaws.com"
    assert permission["qualifier"] == "${var.lambda_alias_name}"
    assert permission["source_arn"] == "${aws_lb_target_group.lambda.arn}"
    attachment = alb.resource("aws_lb_target_group_attachment", "lambda")
    assert attachment["target_id"] == "${var.lambda_alias_arn}"
    assert root().modules["alb"]["lambda_alias_arn"] == "${module.lambda.alias_arn}"


def test_security_groups_open_only_the_needed_ports() -> None:
    ingress = module("alb").resource("aws_vpc_security_group_ingress_rule")
    assert ingress["for_each"] == {"http": 80, "https": 443}
    assert ingress["cidr_ipv4"] == "0.0.0.0/0"
    egress = module_resource("alb", "aws_vpc_security_group_egress_rule", "to_targets")
    assert (egress["from_port"], egress["to_port"]) == (8000, 8000)
    assert egress["referenced_security_group_id"] == "${module.ecs.security_group_id}"

    tasks_in = module_resource("ecs", "aws_vpc_security_group_ingress_rule", "from_alb")
    assert (tasks_in["from_port"], tasks_in["to_port"]) == (8000, 8000)
    assert tasks_in["referenced_security_group_id"] == "${module.alb.security_group_id}"
    assert "cidr_ipv4" not in tasks_in
    # Nothing else may reach the tasks.
    assert list(module("ecs").of_type("aws_vpc_security_group_ingress_rule")) == ["from_alb"]
    assert module_input("ecs", "egress_tcp_ports") == [443, 5432, 6543]


def test_ecr_repository() -> None:
    assert module_input("ecr", "name") == "snsd-production"
    assert module_input("ecr", "scan_on_push") is True
    assert module_input("ecr", "tagged_images_to_keep") == 10
    assert module_input("ecr", "untagged_image_expiry_days") == 7
    policy = module("ecr").resource("aws_ecr_lifecycle_policy")["policy"]
    compact = re.sub(r"\s+", " ", policy)
    assert 'tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days"' in compact
    assert "countNumber = var.untagged_image_expiry_days" in compact
    assert 'tagStatus = "tagged"' in compact
    assert 'countType = "imageCountMoreThan", countNumber = var.tagged_images_to_keep' in compact


def test_buckets() -> None:
    s3 = module("s3")
    assert module_resource("s3", "aws_s3_bucket")["bucket"] == "snsd-file-uploads-production"
    assert (
        module_resource("s3", "aws_s3_bucket", "logs")["bucket"]
        == "snsd-file-uploads-production-logs"
    )
    for name in ("this", "logs"):
        versioning = s3.resource("aws_s3_bucket_versioning", name)
        assert only(versioning["versioning_configuration"])["status"] == "Enabled"
        sse = s3.resource("aws_s3_bucket_server_side_encryption_configuration", name)
        default = only(only(sse["rule"])["apply_server_side_encryption_by_default"])
        assert default["sse_algorithm"] == "AES256"
        block = s3.resource("aws_s3_bucket_public_access_block", name)
        for flag in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        ):
            assert block[flag] is True, (name, flag)
        lifecycle = module_value("s3", s3.resource("aws_s3_bucket_lifecycle_configuration", name))
        transitions = {
            (t["days"], t["storage_class"]) for t in only(lifecycle["rule"])["transition"]
        }
        assert transitions == {(30, "STANDARD_IA"), (90, "GLACIER")}, name

    rule = only(s3.resource("aws_s3_bucket_cors_configuration")["cors_rule"])
    assert rule["allowed_origins"] == "${var.cors_allowed_origins}"
    assert "POST" in rule["allowed_methods"]
    assert root().modules["s3"]["cors_allowed_origins"] == "${var.cors_allowed_origins}"

    logging = s3.resource("aws_s3_bucket_logging")
    assert logging["bucket"] == "${aws_s3_bucket.this.id}"
    assert logging["target_bucket"] == "${aws_s3_bucket.logs.id}"


def test_secret_has_the_seed_keys_and_no_value() -> None:
    assert module_input("secrets", "name") == "snsd-production-secrets"
    keys = module_input("secrets", "keys")
    assert set(keys) == {
        "SUPABASE_URL",
        "SUPABASE_ANON_KEY",
        "SUPABASE_SERVICE_ROLE_KEY",
        "SUPABASE_JWT_SECRET",
        "SUPABASE_DB_URL",
        "PORT",
    }
    assert root().modules["ecs"]["secret_keys"] == "${module.secrets.keys}"
    # No value in configuration, plans or state.
    for path in ALL_DIRS:
        for type_, _ in load(path).resources:
            assert type_ != "aws_secretsmanager_secret_version", path


def test_dns_and_certificate() -> None:
    assert module_input("dns", "zone_name") == "snsdconsultant.com"
    assert module_value("dns", module("dns").locals["fqdn"]) == "api.snsdconsultant.com"
    assert module_input("dns", "certificate_domain_name") == "*.snsdconsultant.com"
    cert = module("dns").resource("aws_acm_certificate")
    assert cert["validation_method"] == "DNS"
    record = module("dns").resource("aws_route53_record", "api")
    assert record["type"] == "A"
    alias = only(record["alias"])
    assert alias["name"] == "${var.alb_dns_name}"
    assert root().modules["dns"]["alb_dns_name"] == "${module.alb.dns_name}"


def test_logs_and_alarms() -> None:
    assert module_input("ecs", "log_group_name") == "/ecs/snsd-production"
    assert module_input("ecs", "log_retention_in_days") == 30
    assert module_input("lambda", "log_retention_in_days") == 30
    alarms = {
        body["metric_name"]: (body["namespace"], body["alarm_actions"])
        for body in module("monitoring").of_type("aws_cloudwatch_metric_alarm").values()
    }
    assert alarms["TargetResponseTime"][0] == "AWS/ApplicationELB"
    assert alarms["UnHealthyHostCount"][0] == "AWS/ApplicationELB"
    assert alarms["Errors"][0] == "AWS/Lambda"
    assert alarms["Throttles"][0] == "AWS/Lambda"
    assert (
        module("monitoring")
        .locals["alarm_actions"]
        .startswith("${concat([aws_sns_topic.alarms.arn]")
    )
    assert all(actions == "${local.alarm_actions}" for _, actions in alarms.values())


def test_lambda_function() -> None:
    assert module_input("lambda", "handler") == "file_lambda.handler.handler"
    assert module_input("lambda", "runtime") == "python3.12"
    assert module_input("lambda", "function_name") == "snsd-production-file-api"
    assert module_input("lambda", "alias_name") == "live"
    function = module("lambda").resource("aws_lambda_function")
    assert function["publish"] is True
    ignored = only(function["lifecycle"])["ignore_changes"]
    assert {"${filename}", "${source_code_hash}", "${s3_key}"} <= set(ignored) or {
        "filename",
        "source_code_hash",
        "s3_key",
    } <= set(ignored)
    alias = module("lambda").resource("aws_lambda_alias")
    assert only(alias["lifecycle"])["ignore_changes"] in (
        ["function_version"],
        ["${function_version}"],
    )


def test_lambda_environment_carries_no_secret_value() -> None:
    env_expr = root().modules["lambda"]["environment"]
    for name in ("APP_SECRET_ARN", "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"):
        assert name in env_expr
    assert "APP_SECRET_ARN = module.secrets.secret_arn" in env_expr
    shared = root().locals["app_environment"]
    assert set(shared) == {"S3_BUCKET_NAME", "CORS_ALLOWED_ORIGINS"}
    assert shared["CORS_ALLOWED_ORIGINS"] == '${join(",", var.cors_allowed_origins)}'
    for key in module_input("secrets", "keys"):
        assert key not in env_expr, f"{key} would put a secret value in the Lambda configuration"


def test_placeholder_package_has_the_handler() -> None:
    archive = TF_ROOT / "modules" / "lambda" / "placeholder" / "placeholder.zip"
    with zipfile.ZipFile(archive) as package:
        assert set(package.namelist()) == {"file_lambda/__init__.py", "file_lambda/handler.py"}
        source = package.read("file_lambda/handler.py").decode()
    namespace: dict[str, Any] = {}
    exec(compile(source, "handler.py", "exec"), namespace)  # noqa: S102 - our own committed file
    response = namespace["handler"]({}, None)
    assert response["statusCode"] == 503
    assert json.loads(response["body"])["code"] == "not_deployed"
    assert response["multiValueHeaders"]["Content-Type"] == ["application/problem+json"]


# --------------------------------------------------------------------------
# Least privilege
# --------------------------------------------------------------------------


def statements(document: str) -> dict[str, dict[str, Any]]:
    body = module("iam").data[("aws_iam_policy_document", document)]
    return {s["sid"]: s for s in body["statement"]}


def test_lambda_role_touches_only_tenant_objects() -> None:
    iam = module("iam")
    assert iam.locals["tenant_objects_arn"] == "${var.uploads_bucket_arn}/${var.tenant_prefix}*"
    assert module_input("iam", "tenant_prefix") == "tenants/"
    found = statements("lambda")
    assert found["TenantObjects"]["resources"] == ["${local.tenant_objects_arn}"]
    assert all(a.startswith("s3:") and "*" not in a for a in found["TenantObjects"]["actions"])
    listing = found["ListTenantPrefixes"]
    assert listing["actions"] == ["s3:ListBucket"]
    condition = only(listing["condition"])
    assert (condition["test"], condition["variable"]) == ("StringLike", "s3:prefix")
    assert condition["values"] == ["${var.tenant_prefix}*"]
    assert statements("lambda")["AppSecret"] == {
        "sid": "AppSecret",
        "actions": ["secretsmanager:GetSecretValue"],
        "resources": ["${var.secret_arn}"],
    }
    assert "AppSecret" not in statements("ecs_task")  # the execution role reads it, not the app
    assert statements("ecs_execution")["AppSecret"]["resources"] == ["${var.secret_arn}"]


def _readiness_prefix() -> str:
    """The Prefix the core service's /ready probe lists (core_service/readiness.py)."""
    source = (REPO / "core_service" / "readiness.py").read_text()
    assert "list_objects_v2" in source, "the probe no longer lists: revisit the task role"
    prefixes = re.findall(r"Prefix\s*=\s*[\"']([^\"']*)[\"']", source)
    assert len(prefixes) == 1, f"expected one literal Prefix in readiness.py, found {prefixes}"
    return str(prefixes[0])


def test_core_task_role_only_lists_the_readiness_prefix() -> None:
    """Files are the Lambda's: the core service may not read, write or delete any object."""
    body = module("iam").data[("aws_iam_policy_document", "ecs_task")]
    assert "dynamic" not in body, "no statements the static check cannot see"
    statement = only(body["statement"])
    assert statement.get("effect", "Allow") == "Allow"
    assert statement["actions"] == ["s3:ListBucket"]
    assert statement["resources"] == ["${var.uploads_bucket_arn}"]
    assert "not_actions" not in statement
    assert "not_resources" not in statement
    condition = only(statement["condition"])
    assert (condition["test"], condition["variable"]) == ("StringEquals", "s3:prefix")
    assert module_value("iam", condition["values"]) == [_readiness_prefix()] == ["tenants/"]
    # Nothing else reaches the role: one inline policy, no attachments.
    iam = module("iam")
    policies = [
        body["policy"]
        for body in iam.of_type("aws_iam_role_policy").values()
        if body["role"] == "${aws_iam_role.ecs_task.id}"
    ]
    assert policies == ["${data.aws_iam_policy_document.ecs_task.json}"]
    for kind in ("aws_iam_role_policy_attachment", "aws_iam_role_policies_exclusive"):
        assert not [b for b in iam.of_type(kind).values() if "ecs_task" in str(b["role"])], kind
    assert "managed_policy_arns" not in iam.resource("aws_iam_role", "ecs_task")
    assert "inline_policy" not in iam.resource("aws_iam_role", "ecs_task")


def test_no_wildcard_actions_in_allow_statements() -> None:
    for (type_, name), body in module("iam").data.items():
        if type_ != "aws_iam_policy_document":
            continue
        for statement in body.get("statement", []):
            if statement.get("effect", "Allow") == "Allow":
                for action in statement["actions"]:
                    assert action != "*", name
                    assert not action.endswith(":*"), (name, action)


def test_github_oidc_deploy_role() -> None:
    iam = module("iam")
    assert iam.locals["github_oidc_host"] == "token.actions.githubusercontent.com"
    provider = iam.resource("aws_iam_openid_connect_provider", "github")
    assert provider["url"] == "https://${local.github_oidc_host}"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    trust = iam.data[("aws_iam_policy_document", "assume_github")]
    statement = only(trust["statement"])
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    conditions = {c["variable"]: c for c in statement["condition"]}
    assert conditions["${local.github_oidc_host}:aud"]["values"] == ["sts.amazonaws.com"]
    subject = conditions["${local.github_oidc_host}:sub"]["values"]
    assert "repo:${var.github_repository}:${s}" in subject
    assert root().modules["iam"]["github_repository"] == "${var.github_repository}"
