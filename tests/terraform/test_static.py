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

from file_lambda.public_links import PUBLIC_PREFIXES
from tests.terraform.support import (
    CALLS,
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
BOOTSTRAP = TF_ROOT / "bootstrap"
# Modules called by other modules (and the bootstrap), not by the root.
SHARED_MODULES = ("bucket",)
ALL_DIRS = [TF_ROOT, BOOTSTRAP, *(TF_ROOT / "modules" / m for m in (*MODULES, *SHARED_MODULES))]


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
        "production.tfvars",
        "production.s3.tfbackend",
        ".terraform.lock.hcl",
        "README.md",
    ):
        assert (TF_ROOT / name).is_file(), name
    for name in (
        "main.tf",
        "variables.tf",
        "outputs.tf",
        "versions.tf",
        "production.tfvars",
        ".terraform.lock.hcl",
        "README.md",
    ):
        assert (BOOTSTRAP / name).is_file(), f"bootstrap/{name}"
    assert not (TF_ROOT / "terraform.tfvars.example").exists(), "one source of inputs"


@pytest.mark.parametrize("name", MODULES)
def test_module_layout(name: str) -> None:
    path = TF_ROOT / "modules" / name
    for filename in MODULE_FILES:
        assert (path / filename).is_file(), f"{name}/{filename}"
    call = CALLS.get(name, name)
    assert call in root().modules, f"module {name} is not used by the root"
    assert root().modules[call]["source"] == f"./modules/{name}"


@pytest.mark.parametrize("name", SHARED_MODULES)
def test_shared_module_layout(name: str) -> None:
    path = TF_ROOT / "modules" / name
    for filename in MODULE_FILES:
        assert (path / filename).is_file(), f"{name}/{filename}"


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
            assert str(call["source"]).startswith(("./", "../")), f"{name} is not a local module"


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
        TF_ROOT / "modules" / "ecr": [
            "releases_to_keep",
            "release_tag_prefix",
            "unreleased_image_expiry_days",
            "untagged_image_expiry_days",
        ],
        TF_ROOT / "modules" / "alb": ["ssl_policy", "target_port", "subnet_ids"],
    }
    for path, names in expected.items():
        variables = load(path).variables
        for name in names:
            assert variables[name].get("validation"), f"{path.name}: {name} is not validated"


def test_backend_locks_in_s3_and_names_its_bucket_in_the_backend_file() -> None:
    terraform = only(parse(TF_ROOT / "backend.tf")["terraform"])
    backend = only(terraform["backend"])["s3"]
    # S3-native locking (Terraform >= 1.10); no DynamoDB table, no deprecated argument.
    assert backend == {"encrypt": True, "use_lockfile": True}
    settings = parse(TF_ROOT / "production.s3.tfbackend")
    assert set(settings) == {"bucket", "key", "region"}
    assert settings["region"] == "us-east-1"
    assert settings["key"].endswith(".tfstate")
    # The bucket the bootstrap creates, and the key it prints.
    bootstrap = load(BOOTSTRAP).variables
    assert settings["bucket"] == bootstrap["state_bucket_name"]["default"] == "snsd-terraform-state"
    assert settings["key"] == bootstrap["state_key"]["default"]
    assert "dynamodb" not in (TF_ROOT / "backend.tf").read_text()
    assert not [t for t, _ in load(BOOTSTRAP).resources if t.startswith("aws_dynamodb")]


@pytest.mark.parametrize("path", [TF_ROOT, *ALL_DIRS[1:]], ids=lambda p: p.name)
def test_one_terraform_version_for_operators_and_ci(path: Path) -> None:
    terraform = only(parse(path / "versions.tf")["terraform"])
    assert terraform["required_version"] == ">= 1.10", path.name
    workflow = (REPO / ".github" / "workflows" / "terraform.yml").read_text()
    pinned = re.search(r'TERRAFORM_VERSION: "(\d+)\.(\d+)\.(\d+)"', workflow)
    assert pinned, "terraform.yml pins no TERRAFORM_VERSION"
    assert (int(pinned.group(1)), int(pinned.group(2))) >= (1, 10)


def test_production_tfvars_is_the_one_source_of_inputs() -> None:
    values = parse(TF_ROOT / "production.tfvars")
    required = {n for n, v in root().variables.items() if "default" not in v}
    assert required == {"cors_allowed_origins", "github_repository"}
    assert required <= set(values)
    assert set(values) <= set(root().variables)
    bootstrap = parse(BOOTSTRAP / "production.tfvars")
    assert set(bootstrap) <= set(load(BOOTSTRAP).variables)
    assert bootstrap["github_repository"] == values["github_repository"]
    # The emulator-only switches are never committed.
    assert "enable_autoscaling" not in values
    assert "create_certificate_validation" not in values
    assert values["allow_destroy_with_data"] is False
    assert values["enable_deletion_protection"] is True


@pytest.mark.parametrize("path", [TF_ROOT, BOOTSTRAP], ids=lambda p: p.name)
def test_lock_file_is_committed_for_the_mirrored_provider(path: Path) -> None:
    lock = (path / ".terraform.lock.hcl").read_text()
    assert lock.count('provider "') == 1
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock
    assert 'version     = "5.100.0"' in lock
    assert 'constraints = "~> 5.0"' in lock
    assert re.search(r'"h1:[A-Za-z0-9+/=]{44}"', lock)


def test_lock_files_verify_the_provider_on_every_platform_a_team_uses() -> None:
    # `terraform init -lockfile=readonly` on a Mac or Windows accepts a package
    # only if one of these hashes matches it: the h1: of the mirror here
    # (linux_amd64) is not enough. The zh: hashes are the SHA-256 of every
    # official 5.100.0 zip (the registry's SHA256SUMS: darwin, linux, windows,
    # freebsd on each architecture), one per package, so any platform verifies.
    locks = [(path / ".terraform.lock.hcl").read_text() for path in (TF_ROOT, BOOTSTRAP)]
    assert locks[0] == locks[1]
    zip_hashes = re.findall(r'"zh:([0-9a-f]{64})"', locks[0])
    assert len(set(zip_hashes)) == len(zip_hashes) == OFFICIAL_AWS_5_100_0_PACKAGES
    assert '"h1:edXOJWE4ORX8Fm+dpVpICzMZJat4AX0VRCAy/xkcOc0="' in locks[0]  # linux_amd64


# How many zips HashiCorp published for hashicorp/aws 5.100.0; a lock written
# by `terraform providers lock` from the registry lists one zh: hash for each.
OFFICIAL_AWS_5_100_0_PACKAGES = 15


def test_no_latest_tag_anywhere() -> None:
    paths = [*TF_ROOT.rglob("*.tf"), *TF_ROOT.rglob("*.tfvars"), REPO / "template.yaml"]
    paths += [*(REPO / ".github" / "workflows").glob("*.yml")]
    for path in paths:
        if ".terraform" in path.parts:
            continue
        assert not re.search(r":latest\b(?!\))", path.read_text().replace('":latest")', "")), path


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
    ecs = module("ecs")
    container = ecs.resource("aws_ecs_task_definition")["container_definitions"]
    assert container.startswith("${jsonencode([merge(local.container, {")
    assert "containerPort = var.container_port" in container
    # Secrets come in through the task definition's `secrets`, by ARN and key.
    assert "secrets = local.secrets_of.service" in container
    assert "service = var.secret_keys" in ecs.locals["secrets_of"]
    assert 'valueFrom = "${var.secret_arn}:${k}::"' in ecs.locals["secrets_of"]
    assert ecs.locals["container"]["readonlyRootFilesystem"] is True
    assert ecs.locals["container"]["image"] == "${var.image}"


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
    # The seed's figures: the last 10 (released) tagged images, untagged 7 days.
    assert module_input("ecr", "releases_to_keep") == 10
    assert module_input("ecr", "untagged_image_expiry_days") == 7
    policy = module("ecr").resource("aws_ecr_lifecycle_policy")["policy"]
    rules = [
        re.sub(r"\s+", " ", rule)
        for rule in re.findall(r"\{\s*rulePriority.*?action", policy, flags=re.S)
    ]
    assert len(rules) == 3
    untagged, released, unreleased = rules
    assert "rulePriority = 1" in untagged
    assert 'tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days"' in untagged
    assert "countNumber = var.untagged_image_expiry_days" in untagged
    # Releases are counted, never aged out: a rollback's image stays however
    # many failed deploys push after it. A release matches rule 2's tag
    # selection, so rule 3 never sees it.
    assert "rulePriority = 2" in released
    assert 'tagStatus = "tagged", tagPrefixList = [var.release_tag_prefix]' in released
    assert 'countType = "imageCountMoreThan", countNumber = var.releases_to_keep' in released
    assert "rulePriority = 3" in unreleased
    assert 'tagStatus = "tagged", tagPatternList = ["*"]' in unreleased
    assert 'countType = "sinceImagePushed"' in unreleased
    assert "countNumber = var.unreleased_image_expiry_days" in unreleased
    assert module("ecr").variables["release_tag_prefix"]["default"] == "release-"


# Files open at once whatever their age; logs are rarely read and take the
# cheaper Flexible Retrieval (docs/operations.md, "Storage classes of the files").
ARCHIVE_CLASS = {"this": "GLACIER_IR", "logs": "GLACIER"}


# Every bucket of the platform and where it is declared.
BUCKETS = {
    TF_ROOT / "modules" / "s3": ("this", "logs"),
    TF_ROOT / "modules" / "replica": ("this",),
    BOOTSTRAP: ("state",),
}


def test_the_bucket_module_hardens_a_bucket() -> None:
    bucket = load(TF_ROOT / "modules" / "bucket")
    ownership = only(bucket.resource("aws_s3_bucket_ownership_controls")["rule"])
    assert ownership["object_ownership"] == "BucketOwnerEnforced"
    versioning = bucket.resource("aws_s3_bucket_versioning")
    assert only(versioning["versioning_configuration"])["status"] == "Enabled"
    sse = bucket.resource("aws_s3_bucket_server_side_encryption_configuration")
    default = only(only(sse["rule"])["apply_server_side_encryption_by_default"])
    assert default["sse_algorithm"] == "AES256"
    block = bucket.resource("aws_s3_bucket_public_access_block")
    for flag in (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ):
        assert block[flag] is True, flag
    document = bucket.data[("aws_iam_policy_document", "this")]
    tls = only(document["statement"])
    assert (tls["sid"], tls["effect"], tls["actions"]) == (
        "DenyInsecureTransport",
        "Deny",
        ["s3:*"],
    )
    assert only(tls["condition"])["variable"] == "aws:SecureTransport"
    assert only(tls["condition"])["values"] == ["false"]
    # The caller's statements come after it, and cannot replace it (Sid);
    # then, on a scanned bucket, the malware verdicts' statements.
    assert document["override_policy_documents"] == (
        "${concat(var.policy_documents, data.aws_iam_policy_document.malware_verdicts[*].json)}"
    )
    policy = bucket.resource("aws_s3_bucket_policy")
    assert policy["policy"] == "${data.aws_iam_policy_document.this.json}"


@pytest.mark.parametrize("path", list(BUCKETS), ids=lambda p: p.name)
def test_every_bucket_is_hardened_by_the_bucket_module_and_nowhere_else(path: Path) -> None:
    config = load(path)
    assert set(config.of_type("aws_s3_bucket")) == set(BUCKETS[path])
    hardening = {
        call["bucket"]: call
        for call in config.modules.values()
        if str(call["source"]).endswith("/bucket")
    }
    for name in BUCKETS[path]:
        call = hardening[f"${{aws_s3_bucket.{name}.id}}"]
        assert call["bucket_arn"] == f"${{aws_s3_bucket.{name}.arn}}"
    for type_ in (
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_policy",
    ):
        assert not config.of_type(type_), f"{path.name}: {type_} outside modules/bucket"
    # State of deployments made before the module follows it (no destroy, no create).
    moved = parse(path / "moved.tf")["moved"]
    assert len(moved) == 5 * len(BUCKETS[path])


def test_buckets() -> None:
    s3 = module("s3")
    assert module_resource("s3", "aws_s3_bucket")["bucket"] == "snsd-file-uploads-production"
    assert (
        module_resource("s3", "aws_s3_bucket", "logs")["bucket"]
        == "snsd-file-uploads-production-logs"
    )
    assert s3.modules["logs_hardening"]["policy_documents"] == [
        "${data.aws_iam_policy_document.logs.json}"
    ]
    for name in ("this", "logs"):
        lifecycle = module_value("s3", s3.resource("aws_s3_bucket_lifecycle_configuration", name))
        tiering = only([r for r in lifecycle["rule"] if r["id"] == "tiering"])
        transitions = {(t["days"], t["storage_class"]) for t in tiering["transition"]}
        assert transitions == {(30, "STANDARD_IA"), (90, ARCHIVE_CLASS[name])}, name

    rule = only(s3.resource("aws_s3_bucket_cors_configuration")["cors_rule"])
    assert rule["allowed_origins"] == "${var.cors_allowed_origins}"
    assert "POST" in rule["allowed_methods"]
    # The app's origins and the API's own, whose pages PUT upload parts to the bucket.
    assert root().modules["s3"]["cors_allowed_origins"] == "${local.bucket_cors_origins}"
    assert root().locals["bucket_cors_origins"] == (
        "${distinct(concat(var.cors_allowed_origins, [local.public_base_url]))}"
    )
    assert root().locals["public_base_url"] == "https://${var.api_subdomain}.${var.domain_name}"
    assert "ETag" in rule["expose_headers"]
    assert "PUT" in rule["allowed_methods"]

    logging = s3.resource("aws_s3_bucket_logging")
    assert logging["bucket"] == "${aws_s3_bucket.this.id}"
    assert logging["target_bucket"] == "${aws_s3_bucket.logs.id}"


def test_uploads_archive_to_instant_retrieval_and_small_files_stay_in_standard() -> None:
    lifecycle = module_resource("s3", "aws_s3_bucket_lifecycle_configuration")
    # IA and Glacier IR bill each object as at least 128 KiB.
    assert lifecycle["transition_default_minimum_object_size"] == "all_storage_classes_128K"
    # The other rule is the jobs' outputs' (tests/terraform/test_jobs.py).
    assert [r["id"] for r in lifecycle["rule"]] == ["tiering", "job-outputs"]
    rule = lifecycle["rule"][0]
    # Not a size filter: it would keep the trash's expiry off small files too.
    assert only(rule["filter"]) == {}
    # Kept versions (a longer trash_retention_days) archive to the same class.
    noncurrent = module("s3").locals["noncurrent_transitions"]
    assert "local.archive_storage_class" in str(noncurrent)
    assert module("s3").locals["archive_storage_class"] == "GLACIER_IR"


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
    monitoring = module("monitoring")
    alarms = monitoring.locals["alarm_specs"]
    assert {key: spec["metric"] for key, spec in alarms.items()} == {
        "response_time": "TargetResponseTime",
        "files_response_time": "TargetResponseTime",
        "elb_5xx": "HTTPCode_ELB_5XX_Count",
        "unhealthy_hosts": "UnHealthyHostCount",
        "lambda_errors": "Errors",
        "lambda_throttles": "Throttles",
        "dead_letters": "ApproximateNumberOfMessagesVisible",
        "core_5xx": "HTTPCode_Target_5XX_Count",
        "files_5xx": "HTTPCode_Target_5XX_Count",
        "queue_age": "ApproximateAgeOfOldestMessage",
        "scan_results_undelivered": "FailedInvocations",
    }
    # Response time per target group: a Lambda cold start never pages as a
    # slow core service.
    assert alarms["response_time"]["dimensions"] == "${local.ecs_target_dimensions}"
    assert alarms["files_response_time"]["dimensions"] == "${local.lambda_target_dimensions}"
    assert monitoring.locals["ecs_target_dimensions"]["TargetGroup"] == (
        "${var.ecs_target_group_arn_suffix}"
    )
    assert monitoring.locals["lambda_target_dimensions"]["TargetGroup"] == (
        "${var.lambda_target_group_arn_suffix}"
    )
    assert root().modules["monitoring"]["lambda_target_group_arn_suffix"] == (
        "${module.alb.lambda_target_group_arn_suffix}"
    )
    # A failing Lambda shows as the load balancer's own 502s.
    assert alarms["elb_5xx"]["dimensions"] == "${local.alb_dimensions}"
    assert alarms["elb_5xx"]["statistic"] == "Sum"
    namespaces = {"Errors": "AWS/Lambda", "Throttles": "AWS/Lambda"}
    namespaces["ApproximateNumberOfMessagesVisible"] = "AWS/SQS"
    namespaces["ApproximateAgeOfOldestMessage"] = "AWS/SQS"
    namespaces["FailedInvocations"] = "AWS/Events"
    for spec in alarms.values():
        assert spec["namespace"] == namespaces.get(spec["metric"], "AWS/ApplicationELB")
    alarm = monitoring.resource("aws_cloudwatch_metric_alarm")
    assert "merge(local.alarm_specs, local.replication_alarm_specs)" in alarm["for_each"]
    assert alarm["alarm_actions"] == alarm["ok_actions"] == "${local.alarm_actions}"
    assert monitoring.locals["alarm_actions"].startswith("${concat([aws_sns_topic.alarms.arn]")


def test_the_alarms_issue_26_found_missing() -> None:
    """Targets' own 5xx, tasks short of desired, a queue that stopped draining, failed backups."""
    monitoring = module("monitoring")
    alarms = monitoring.locals["alarm_specs"]
    # Per target group: the load balancer's own 5xx never count the targets'.
    assert alarms["core_5xx"]["dimensions"] == "${local.ecs_target_dimensions}"
    assert alarms["files_5xx"]["dimensions"] == "${local.lambda_target_dimensions}"
    assert module_input("monitoring", "target_5xx_threshold") == 5

    # The oldest bucket change pages long before it would dead-letter.
    assert alarms["queue_age"]["dimensions"] == {"QueueName": "${var.bucket_changes_queue_name}"}
    assert root().modules["monitoring"]["bucket_changes_queue_name"] == (
        "${module.events.queue_name}"
    )
    visibility_timeout = 6 * module_input("events", "function_timeout")
    dead_letters_after = visibility_timeout * module_input("events", "max_receive_count")
    assert dead_letters_after == 180_000  # seconds: 50 hours
    threshold = module_input("monitoring", "queue_age_threshold_seconds")
    assert threshold == 1800
    assert threshold * 100 <= dead_letters_after  # within the first 1 % of the way

    # Failed replications, with the rule's metrics on (modules/s3).
    # (a for expression, so python-hcl2 keeps it as text; the emulator test
    # reads the alarm itself)
    replication = monitoring.locals["replication_alarm_specs"]
    assert replication.startswith("${{for r in var.replication[*] :")
    for text in (
        'metric = "OperationsFailedReplication"',
        'namespace = "AWS/S3"',
        "SourceBucket = r.source_bucket",
        "DestinationBucket = r.destination_bucket",
        "RuleId = r.rule_id",
    ):
        assert text in replication, text
    wiring = root().modules["monitoring"]["replication"]
    assert "module.s3.replication_rule_id" in wiring
    assert "module.file_replica[0].bucket_id" in wiring

    # The core short of tasks: Container Insights' counts, desired - running.
    assert module_input("ecs", "container_insights") is True
    shortfall = monitoring.resource("aws_cloudwatch_metric_alarm", "tasks_below_desired")
    [expression] = shortfall["metric_query"]
    assert expression["expression"] == "desired - running"
    assert expression["return_data"] is True
    metrics = only(shortfall["dynamic"])["metric_query"]
    assert metrics["for_each"] == {"desired": "DesiredTaskCount", "running": "RunningTaskCount"}
    assert only(only(metrics["content"])["metric"])["namespace"] == "ECS/ContainerInsights"
    assert shortfall["evaluation_periods"] == "${var.task_shortfall_minutes}"
    assert module_input("monitoring", "task_shortfall_minutes") == 5
    assert shortfall["treat_missing_data"] == "breaching"
    assert shortfall["alarm_actions"] == shortfall["ok_actions"] == "${local.alarm_actions}"


# The alarms' resource addresses before they were generated from the map.
ALARMS_BEFORE_THE_MAP = (
    "response_time",
    "files_response_time",
    "elb_5xx",
    "unhealthy_hosts",
    "lambda_errors",
    "lambda_throttles",
    "dead_letters",
)


def test_alarms_of_an_existing_deployment_move_into_the_map() -> None:
    """Each alarm that had a resource of its own keeps its state: moved, never replaced."""
    moved = [
        block
        for tf in (TF_ROOT / "modules" / "monitoring").glob("*.tf")
        for block in parse(tf).get("moved", [])
    ]
    assert {(m["from"], m["to"]) for m in moved} == {
        (
            f"${{aws_cloudwatch_metric_alarm.{name}}}",
            f'${{aws_cloudwatch_metric_alarm.this["{name}"]}}',
        )
        for name in ALARMS_BEFORE_THE_MAP
    }
    assert set(ALARMS_BEFORE_THE_MAP) <= set(module("monitoring").locals["alarm_specs"])


def test_replication_reports_the_metrics_its_alarm_reads() -> None:
    """OperationsFailedReplication exists only with replication metrics on."""
    s3 = module("s3")
    rule = only(s3.resource("aws_s3_bucket_replication_configuration")["rule"])
    metrics = only(only(rule["destination"])["metrics"])
    assert metrics["status"] == "Enabled"
    assert only(metrics["event_threshold"])["minutes"] == 15
    assert "rule[0].id" in s3.outputs["replication_rule_id"]["value"]


def test_bucket_changes_reach_the_function_through_a_queue_that_loses_nothing() -> None:
    events = module("events")
    [notification] = events.of_type("aws_s3_bucket_notification").values()
    [queue] = notification["queue"]
    assert queue["filter_prefix"] == "${var.tenant_prefix}"
    assert module_input("events", "tenant_prefix") == "tenants/"
    assert set(queue["events"]) == {
        "s3:ObjectCreated:*",
        "s3:ObjectRemoved:*",
        "s3:LifecycleExpiration:*",
    }
    queues = events.of_type("aws_sqs_queue")
    assert queues["this"]["message_retention_seconds"] == 1209600
    assert "deadLetterTargetArn" in queues["this"]["redrive_policy"]
    assert queues["this"]["visibility_timeout_seconds"] == "${6 * var.function_timeout}"
    assert all(q["sqs_managed_sse_enabled"] is True for q in queues.values())
    [mapping] = events.of_type("aws_lambda_event_source_mapping").values()
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    # The live alias, so a release moves the consumer with the API.
    assert root().modules["events"]["function_alias_arn"] == "${module.lambda.alias_arn}"
    # Only this bucket of this account sends (and the scan results' rule:
    # test_scan_results_join_the_bucket_changes_queue).
    statement = queue_statements()["BucketNotifications"]
    assert {c["variable"] for c in statement["condition"]} == {
        "aws:SourceArn",
        "aws:SourceAccount",
    }


def queue_statements() -> dict[str, dict[str, Any]]:
    document = module("events").data[("aws_iam_policy_document", "queue")]
    return {s["sid"]: s for s in document["statement"]}


# --------------------------------------------------------------------------
# Malware scanning (docs/decisions/malware-scanning.md)
# --------------------------------------------------------------------------


def test_guardduty_scans_and_tags_every_new_tenant_object() -> None:
    plan = module_resource("malware_scanning", "aws_guardduty_malware_protection_plan")
    bucket = only(only(plan["protected_resource"])["s3_bucket"])
    assert bucket["bucket_name"] == "${module.s3.bucket_id}"
    assert bucket["object_prefixes"] == ["tenants/"]
    # The verdict's tag, which the bucket policy reads.
    assert only(only(plan["actions"])["tagging"])["status"] == "ENABLED"
    assert plan["role"] == "${aws_iam_role.this.arn}"
    # GuardDuty checks the role when the plan is created: its policy first.
    assert plan["depends_on"] == ["${aws_iam_role_policy.scan}"]
    # On in production; only the emulator turns it off.
    assert plan["count"] == "${var.enabled ? 1 : 0}"
    assert root().modules["malware_scanning"]["enabled"] == "${var.enable_malware_scanning}"
    assert root().variables["enable_malware_scanning"]["default"] is True
    assert "enable_malware_scanning" not in (TF_ROOT / "production.tfvars").read_text()


def scanner_statements() -> dict[str, dict[str, Any]]:
    document = module("malware_scanning").data[("aws_iam_policy_document", "scan")]
    assert "dynamic" not in document, "no statements the static check cannot see"
    return {s["sid"]: module_value("malware_scanning", s) for s in document["statement"]}


def test_the_scanner_role_is_awss_template_scoped_to_the_tenants_prefix() -> None:
    scanning = module("malware_scanning")
    trust = only(scanning.data[("aws_iam_policy_document", "assume")]["statement"])
    assert trust["actions"] == ["sts:AssumeRole"]
    assert only(trust["principals"]) == {
        "type": "Service",
        "identifiers": ["malware-protection-plan.guardduty.amazonaws.com"],
    }
    role = module_resource("malware_scanning", "aws_iam_role")
    assert role["name"] == "snsd-production-malware-protection"
    policy = scanning.resource("aws_iam_role_policy", "scan")
    assert policy["policy"] == "${data.aws_iam_policy_document.scan.json}"
    assert not scanning.of_type("aws_iam_role_policy_attachment")

    bucket, tenant_objects = "${module.s3.bucket_arn}", "${module.s3.bucket_arn}/tenants/*"
    assert module_value("malware_scanning", scanning.locals["scanned_objects_arn"]) == (
        tenant_objects
    )
    managed_rule = module_value("malware_scanning", scanning.locals["managed_rule_arn"])
    assert managed_rule.startswith("arn:${data.aws_partition.current.partition}:events:")
    assert managed_rule.endswith(":rule/DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*")
    found = scanner_statements()
    expected = {
        "AllowManagedRuleToSendS3EventsToGuardDuty": (
            ["events:PutRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets"],
            [managed_rule],
        ),
        "AllowGuardDutyToMonitorEventBridgeManagedRule": (
            ["events:DescribeRule", "events:ListTargetsByRule"],
            [managed_rule],
        ),
        "AllowEnableS3EventBridgeEvents": (
            ["s3:PutBucketNotification", "s3:GetBucketNotification"],
            [bucket],
        ),
        "AllowPutValidationObject": (
            ["s3:PutObject"],
            [f"{bucket}/malware-protection-resource-validation-object"],
        ),
        "AllowCheckBucketOwnership": (["s3:ListBucket"], [bucket]),
        "AllowMalwareScan": (["s3:GetObject", "s3:GetObjectVersion"], [tenant_objects]),
        "AllowPostScanTag": (
            [
                "s3:PutObjectTagging",
                "s3:GetObjectTagging",
                "s3:PutObjectVersionTagging",
                "s3:GetObjectVersionTagging",
            ],
            [tenant_objects],
        ),
    }
    assert {sid: (s["actions"], s["resources"]) for sid, s in found.items()} == expected
    assert all(s.get("effect", "Allow") == "Allow" for s in found.values())
    # GuardDuty may touch only the EventBridge rules it manages itself.
    [managed_by] = found["AllowManagedRuleToSendS3EventsToGuardDuty"]["condition"]
    assert (managed_by["test"], managed_by["variable"], managed_by["values"]) == (
        "StringLike",
        "events:ManagedBy",
        ["malware-protection-plan.guardduty.amazonaws.com"],
    )
    # SSE-S3: no KMS permission is needed, so none is given.
    assert not [a for s in found.values() for a in s["actions"] if a.startswith("kms:")]


def test_scan_results_join_the_bucket_changes_queue() -> None:
    events = module("events")
    pattern = module_value("events", events.locals["scan_results_pattern"])
    assert pattern == {
        "source": ["aws.guardduty"],
        "detail-type": ["GuardDuty Malware Protection Object Scan Result"],
        "detail": {
            "s3ObjectDetails": {
                "bucketName": ["${module.s3.bucket_id}"],
                "objectKey": [{"prefix": "tenants/"}],
            }
        },
    }
    rule = events.resource("aws_cloudwatch_event_rule", "scan_results")
    assert rule["event_pattern"] == "${jsonencode(local.scan_results_pattern)}"
    # The default bus: where GuardDuty publishes.
    assert "event_bus_name" not in rule
    target = events.resource("aws_cloudwatch_event_target", "scan_results")
    assert target["rule"] == "${aws_cloudwatch_event_rule.scan_results.name}"
    assert target["arn"] == "${aws_sqs_queue.this.arn}"  # the same queue as S3's notifications
    assert target["depends_on"] == ["${aws_sqs_queue_policy.this}"]

    statements = queue_statements()
    assert set(statements) == {"BucketNotifications", "ScanResults"}
    scan_results = statements["ScanResults"]
    assert scan_results["actions"] == ["sqs:SendMessage"]
    assert scan_results["resources"] == ["${aws_sqs_queue.this.arn}"]
    assert only(scan_results["principals"]) == {
        "type": "Service",
        "identifiers": ["events.amazonaws.com"],
    }
    assert only(scan_results["condition"]) == {
        "test": "ArnEquals",
        "variable": "aws:SourceArn",
        "values": ["${aws_cloudwatch_event_rule.scan_results.arn}"],
    }
    # S3's statement is still there, unchanged.
    s3 = statements["BucketNotifications"]
    assert only(s3["principals"])["identifiers"] == ["s3.amazonaws.com"]


def test_the_bucket_notification_keeps_guarddutys_eventbridge_notifications_on() -> None:
    [notification] = module("events").of_type("aws_s3_bucket_notification").values()
    assert notification["eventbridge"] is True


def test_no_one_reads_an_infected_object_or_relabels_one_clean() -> None:
    bucket = module("bucket")
    document = bucket.data[("aws_iam_policy_document", "malware_verdicts")]
    # An object: whether it is set is known when planning, the role's ARN is not.
    assert document["count"] == "${var.malware_scanner == null ? 0 : 1}"
    found = {s["sid"]: s for s in document["statement"]}
    everyone = {"type": "AWS", "identifiers": ["*"]}
    but_the_scanner = {
        "test": "ArnNotEquals",
        "variable": "aws:PrincipalArn",
        "values": ["${var.malware_scanner.role_arn}"],
    }
    assert found == {
        "DenyReadingInfectedObjects": {
            "sid": "DenyReadingInfectedObjects",
            "effect": "Deny",
            "actions": ["s3:GetObject", "s3:GetObjectVersion"],
            "resources": ["${var.bucket_arn}/*"],
            "principals": [everyone],
            "condition": [
                {
                    "test": "StringEquals",
                    "variable": "s3:ExistingObjectTag/GuardDutyMalwareScanStatus",
                    "values": ["THREATS_FOUND"],
                },
                but_the_scanner,
            ],
        },
        "DenyTagChangesButByTheMalwareScanner": {
            "sid": "DenyTagChangesButByTheMalwareScanner",
            "effect": "Deny",
            "actions": [
                "s3:PutObjectTagging",
                "s3:PutObjectVersionTagging",
                "s3:DeleteObjectTagging",
                "s3:DeleteObjectVersionTagging",
            ],
            "resources": ["${var.bucket_arn}/*"],
            "principals": [everyone],
            "condition": [but_the_scanner],
        },
    }
    # The uploads bucket only: the logs, the replica and the state bucket are not scanned.
    s3 = module("s3")
    assert s3.modules["uploads_hardening"]["malware_scanner"] == "${var.malware_scanner}"
    # The scanner's role, named in the root for both (checkov cannot follow
    # two modules that depend on each other).
    assert root().modules["s3"]["malware_scanner"] == {
        "role_arn": "${local.malware_scanner_role_arn}"
    }
    assert (
        root()
        .locals["malware_scanner_role_arn"]
        .endswith(":role/${local.malware_scanner_role_name}")
    )
    assert root().modules["malware_scanning"]["role_name"] == "${local.malware_scanner_role_name}"
    for config in (s3, module("replica"), load(BOOTSTRAP)):
        for name, call in config.modules.items():
            if str(call["source"]).endswith("/bucket") and name != "uploads_hardening":
                assert "malware_scanner" not in call, name
    # The file API writes no tags, so the deny takes nothing from it.
    writes_tags = re.compile(
        r"(put|delete)_object_tagging|\bTagging\s*=|x-amz-tagging(?!-directive)"
    )
    for path in (REPO / "file_lambda").rglob("*.py"):
        assert not writes_tags.search(path.read_text()), path


def test_guardduty_trouble_reaches_the_alarm_topic() -> None:
    monitoring = module("monitoring")
    assert monitoring.locals["malware_protection_trouble_pattern"] == {
        "source": ["aws.guardduty"],
        "detail-type": [
            "GuardDuty Malware Protection Resource Status Warning",
            "GuardDuty Malware Protection Resource Status Error",
            "GuardDuty Malware Protection Post Scan Action Failed",
        ],
    }
    rule = monitoring.resource("aws_cloudwatch_event_rule", "malware_protection_trouble")
    assert rule["event_pattern"] == "${jsonencode(local.malware_protection_trouble_pattern)}"
    target = monitoring.resource("aws_cloudwatch_event_target", "malware_protection_trouble")
    assert target["arn"] == "${aws_sns_topic.alarms.arn}"
    document = monitoring.data[("aws_iam_policy_document", "alarms_topic")]
    found = {s["sid"]: s for s in document["statement"]}["MalwareProtectionTrouble"]
    assert found["actions"] == ["SNS:Publish"]
    assert only(found["principals"])["identifiers"] == ["events.amazonaws.com"]
    assert only(found["condition"]) == {
        "test": "ArnEquals",
        "variable": "aws:SourceArn",
        "values": ["${aws_cloudwatch_event_rule.malware_protection_trouble.arn}"],
    }


def test_undelivered_scan_results_raise_an_alarm() -> None:
    alarm = module("monitoring").locals["alarm_specs"]["scan_results_undelivered"]
    assert (alarm["namespace"], alarm["metric"], alarm["statistic"]) == (
        "AWS/Events",
        "FailedInvocations",
        "Sum",
    )
    # The default bus's metrics carry the rule's name only.
    assert alarm["dimensions"] == {"RuleName": "${var.scan_results_rule_name}"}
    assert root().modules["monitoring"]["scan_results_rule_name"] == (
        "${module.events.scan_results_rule_name}"
    )


def test_lambda_function() -> None:
    assert module_input("lambda", "handler") == "file_lambda.handler.handler"
    assert module_input("lambda", "runtime") == "python3.12"
    assert module_input("lambda", "function_name") == "snsd-production-file-api"
    assert module_input("lambda", "alias_name") == "live"
    function = module("lambda").resource("aws_lambda_function")
    # Only the release script publishes: a version Terraform published would
    # carry $LATEST's code, a rolled-back release's after a rollback.
    assert function["publish"] is False
    ignored = only(function["lifecycle"])["ignore_changes"]
    assert {"${filename}", "${source_code_hash}", "${s3_key}"} <= set(ignored) or {
        "filename",
        "source_code_hash",
        "s3_key",
    } <= set(ignored)
    # Created on what the function has ($LATEST, the placeholder), then the
    # release script's alone (tests/terraform test_emulator proves it against
    # the provider).
    alias = module("lambda").resource("aws_lambda_alias")
    assert alias["function_version"] == "${aws_lambda_function.this.version}"
    ignored = only(alias["lifecycle"])["ignore_changes"]
    assert {str(i).strip("${}") for i in ignored} == {"function_version", "routing_config"}


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


def test_published_versions_of_the_file_api_start_from_a_snapshot() -> None:
    function = module_resource("lambda", "aws_lambda_function")
    snap_start = only(function["dynamic"])["snap_start"]
    assert snap_start["for_each"] == "${var.snap_start ? [1] : []}"
    assert only(snap_start["content"])["apply_on"] == "PublishedVersions"
    assert module("lambda").variables["snap_start"]["default"] is True
    assert root().modules["lambda"]["snap_start"] == "${var.lambda_snap_start}"
    assert root().variables["lambda_snap_start"]["default"] is True
    assert "lambda_snap_start" not in (REPO / "terraform" / "production.tfvars").read_text()
    # SnapStart applies to published versions only: the release script's.
    assert "lambda_client.publish_version(" in (REPO / "scripts" / "lambda_release.py").read_text()


def test_lambda_role_touches_only_tenant_objects() -> None:
    iam = module("iam")
    assert iam.locals["tenant_objects_arn"] == "${var.uploads_bucket_arn}/${var.tenant_prefix}*"
    assert module_input("iam", "tenant_prefix") == "tenants/"
    found = statements("lambda")
    assert found["TenantObjects"]["resources"] == ["${local.tenant_objects_arn}"]
    assert all(a.startswith("s3:") and "*" not in a for a in found["TenantObjects"]["actions"])
    # Versions and trash read and remove versions under tenants/ too.
    assert {"s3:DeleteObjectVersion", "s3:RestoreObject"} <= set(found["TenantObjects"]["actions"])
    listing = found["ListTenantPrefixes"]
    assert listing["actions"] == ["s3:ListBucket", "s3:ListBucketVersions"]
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
    """Files are the Lambda's: the core service may not read, write or delete any object;
    besides, it sends invitation mails from one address through the domain's identity."""
    body = module("iam").data[("aws_iam_policy_document", "ecs_task")]
    assert "dynamic" not in body, "no statements the static check cannot see"
    statement, mail = body["statement"]
    assert mail["actions"] == ["ses:SendEmail"]
    assert mail["resources"] == ["${var.ses_identity_arn}", "${var.ses_configuration_set_arn}"]
    mail_condition = only(mail["condition"])
    assert (mail_condition["test"], mail_condition["variable"]) == (
        "StringEquals",
        "ses:FromAddress",
    )
    assert mail_condition["values"] == ["${var.ses_sender}"]
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


def test_github_oidc_provider_is_the_bootstraps_and_the_deploy_role_trusts_one_subject() -> None:
    iam = module("iam")
    # One provider per account, created before the first CI apply: the
    # bootstrap's. The main root only looks it up.
    for path in ALL_DIRS:
        if path != BOOTSTRAP:
            assert not load(path).of_type("aws_iam_openid_connect_provider"), path
    provider = load(BOOTSTRAP).resource("aws_iam_openid_connect_provider", "github")
    assert provider["url"] == "https://${local.github_oidc_host}"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert root().data[("aws_iam_openid_connect_provider", "github")]["url"] == (
        "https://token.actions.githubusercontent.com"
    )
    assert root().modules["iam"]["github_oidc_provider_arn"] == (
        "${data.aws_iam_openid_connect_provider.github.arn}"
    )

    assert iam.locals["github_oidc_host"] == "token.actions.githubusercontent.com"
    trust = iam.data[("aws_iam_policy_document", "assume_github")]
    statement = only(trust["statement"])
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    conditions = {c["variable"]: c for c in statement["condition"]}
    assert {c["test"] for c in statement["condition"]} == {"StringEquals"}
    assert conditions["${local.github_oidc_host}:aud"]["values"] == ["sts.amazonaws.com"]
    subject = conditions["${local.github_oidc_host}:sub"]["values"]
    assert subject == ["repo:${var.github_repository}:environment:${var.github_environment}"]
    assert module_input("iam", "github_environment") == "production"
    assert root().modules["iam"]["github_repository"] == "${var.github_repository}"


def test_bootstrap_roles_trust_exact_subjects() -> None:
    bootstrap = load(BOOTSTRAP)
    assert bootstrap.locals["plan_subjects"] == ["pull_request", "ref:refs/heads/main"]
    assert bootstrap.locals["apply_subjects"] == ["environment:${var.apply_environment}"]
    assert bootstrap.variables["apply_environment"]["default"] == "production-infrastructure"
    for document in ("assume_plan", "assume_apply"):
        statement = only(bootstrap.data[("aws_iam_policy_document", document)]["statement"])
        assert {c["test"] for c in statement["condition"]} == {"StringEquals"}, document
    # The plan role reads; it never reads tenants' files or secret values.
    plan = {s["sid"]: s for s in bootstrap.data[("aws_iam_policy_document", "plan")]["statement"]}
    assert plan["NoTenantData"]["effect"] == "Deny"
    assert "s3:GetObject" in plan["NoTenantData"]["actions"]
    assert plan["NoSecretValues"]["effect"] == "Deny"
    assert "secretsmanager:GetSecretValue" in plan["NoSecretValues"]["actions"]
    # ... nor the bucket changes' messages, nor logs and traces (issue 26,
    # item 10; the rendered policy is checked in test_emulator.py).
    assert plan["NoQueueMessages"]["effect"] == plan["NoLogsOrTraces"]["effect"] == "Deny"
    assert "sqs:ReceiveMessage" in plan["NoQueueMessages"]["actions"]
    assert "logs:GetLogEvents" in plan["NoLogsOrTraces"]["actions"]
    attachments = {
        b["role"]: b["policy_arn"]
        for b in bootstrap.of_type("aws_iam_role_policy_attachment").values()
    }
    assert attachments == {
        "${aws_iam_role.plan.name}": "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess",
        "${aws_iam_role.apply.name}": "arn:${local.partition}:iam::aws:policy/AdministratorAccess",
    }


def test_security_groups_are_named_by_prefix_for_create_before_destroy() -> None:
    for name in ("alb", "ecs"):
        group = module(name).resource("aws_security_group")
        assert "name" not in group, name
        assert str(group["name_prefix"]).endswith("-"), name
        assert only(group["lifecycle"])["create_before_destroy"] is True, name


def test_the_deploy_role_runs_one_off_tasks_of_the_migration_family_only() -> None:
    """A one-off task of the service's family, command overridden, would print every secret."""
    deploy = statements("github_deploy")
    run_task = [s for s in deploy.values() if "ecs:RunTask" in s["actions"]]
    assert [s["sid"] for s in run_task] == ["EcsRunMigration"]
    run = run_task[0]
    assert run["actions"] == ["ecs:RunTask"]
    assert run["resources"] == ["${local.migration_family_arn}"]
    assert "effect" not in run or run["effect"] == "Allow"
    condition = only(run["condition"])
    assert (condition["test"], condition["variable"]) == ("ArnEquals", "ecs:cluster")
    iam = module("iam")
    assert iam.locals["migration_family_arn"] == (
        '${replace(var.ecs_migration_task_definition_arn, "/:[0-9]+$/", ":*")}'
    )
    assert root().modules["iam"]["ecs_migration_task_definition_arn"] == (
        "${module.ecs.migration_task_definition_arn}"
    )
    assert module_input("ecs", "migration_family") == "snsd-production-migrate"
    assert module_input("ecs", "migration_family") != module_input("ecs", "service_name")
    # Only the roles the two families name; no task role for the migration.
    assert deploy["PassTaskRoles"]["resources"] == [
        "${aws_iam_role.ecs_execution.arn}",
        "${aws_iam_role.ecs_task.arn}",
    ]


def test_the_deploy_role_ships_code_to_the_webhook_function_and_nothing_more() -> None:
    """The deploy's `lambda_release.py code` step: the delivery function's $LATEST only, and
    only once webhooks are on (the ARN is null while they are off)."""
    body = module("iam").data[("aws_iam_policy_document", "github_deploy")]
    # The job function's likewise (modules/jobs; on by default).
    dynamics = [block["statement"] for block in body["dynamic"]]
    assert len(dynamics) == 2
    for dynamic, variable, sid, enabled, module_name in (
        (dynamics[0], "webhook_function_arn", "WebhookFunctionCode", "enable_webhooks", "webhooks"),
        (dynamics[1], "job_function_arn", "JobFunctionCode", "enable_jobs", "jobs"),
    ):
        assert dynamic["for_each"] == f"${{var.{variable} == null ? [] : [var.{variable}]}}"
        content = only(dynamic["content"])
        assert content["sid"] == sid
        assert sorted(content["actions"]) == ["lambda:GetFunction", "lambda:UpdateFunctionCode"]
        assert content["resources"] == ["${statement.value}"]
        assert root().modules["iam"][variable] == (
            f"${{var.{enabled} ? module.{module_name}[0].function_arn : null}}"
        )


def test_the_migration_task_gets_the_database_url_and_a_fixed_command() -> None:
    migrate = module("ecs").resource("aws_ecs_task_definition", "migrate")
    assert migrate["family"] == "${var.migration_family}"
    assert "task_role_arn" not in migrate
    container = re.sub(r"\s+", " ", migrate["container_definitions"])
    # The service's image and read-only root, a fixed command, one secret key.
    assert container.startswith("${jsonencode([merge(local.container, {")
    assert "command = var.migration_command" in container
    assert "secrets = local.secrets_of.migrate" in container
    assert "migrate = var.migration_secret_keys" in module("ecs").locals["secrets_of"]
    assert "environment" not in container
    assert module_input("ecs", "migration_secret_keys") == ["SUPABASE_DB_URL"]
    assert module_input("ecs", "migration_command") == ["python", "-m", "core_service.migrate"]


def test_service_starts_on_the_placeholder_and_deploys_own_the_revision() -> None:
    ecs = module("ecs")
    service = ecs.resource("aws_ecs_service")
    assert service["task_definition"] == "${aws_ecs_task_definition.placeholder.arn}"
    ignored = only(service["lifecycle"])["ignore_changes"]
    assert {str(i).strip("${}") for i in ignored} == {"desired_count", "task_definition"}
    placeholder = ecs.resource("aws_ecs_task_definition", "placeholder")
    assert "task_role_arn" not in placeholder  # it touches nothing
    assert "secrets" not in placeholder["container_definitions"]  # starts before values exist
    assert module_input("ecs", "placeholder_image") == (
        "public.ecr.aws/docker/library/python:3.12-slim"
    )
    assert module_input("ecs", "image").endswith(":replaced-by-deploy")
    assert root().modules["ecs"]["image"] == "${module.ecr.repository_url}:replaced-by-deploy"
    assert module_input("ecr", "image_tag_mutability") == "IMMUTABLE"
    assert "image_tag" not in root().variables


# --------------------------------------------------------------------------
# Hardening: WAF, cost alert, backup, destroy on purpose
# --------------------------------------------------------------------------


def test_waf_on_the_load_balancer_spares_uploads_and_file_names() -> None:
    assert root().variables["enable_waf"]["default"] is True
    assert parse(TF_ROOT / "production.tfvars")["enable_waf"] is True
    call = root().modules["waf"]
    assert call["count"] == "${var.enable_waf ? 1 : 0}"
    assert call["alb_arn"] == "${module.alb.arn}"
    assert module_input("waf", "upload_path_prefix") == "/files/upload"
    waf = module("waf")
    acl = waf.resource("aws_wafv2_web_acl")
    assert acl["scope"] == "REGIONAL"
    rules = {r["name"]: r for r in acl["rule"]}
    assert rules["rate-limit-per-ip"]["priority"] == 0
    rate = only(only(rules["rate-limit-per-ip"]["statement"])["rate_based_statement"])
    assert rate["aggregate_key_type"] == "IP"
    common = only(only(rules["aws-common"]["statement"])["managed_rule_group_statement"])
    assert common["name"] == "AWSManagedRulesCommonRuleSet"
    match = only(
        only(only(only(common["scope_down_statement"])["not_statement"])["statement"])[
            "byte_match_statement"
        ]
    )
    assert match["positional_constraint"] == "STARTS_WITH"
    assert match["search_string"] == "${var.upload_path_prefix}"
    assert module_value("waf", waf.variables["common_rules_counted"]["default"]) == [
        "SizeRestrictions_BODY",
        "RestrictedExtensions_URIPATH",
    ]
    association = waf.resource("aws_wafv2_web_acl_association")
    assert association["resource_arn"] == "${var.alb_arn}"


def test_waf_limits_the_public_link_routes_tighter_than_every_route() -> None:
    """Issue 27: share links and file requests take no account; their routes get a rate
    rule of their own, scoped to the function's public prefixes, below the general one."""
    waf = module("waf")
    acl = waf.resource("aws_wafv2_web_acl")
    rules = {r["name"]: r for r in acl["rule"]}
    rule = rules["rate-limit-public-links"]
    assert (
        rules["rate-limit-per-ip"]["priority"]
        < rule["priority"]
        < min(r["priority"] for r in acl["rule"] if r["name"].startswith(("aws-", "core-")))
    )
    assert only(rule["action"])["block"]
    rate = only(only(rule["statement"])["rate_based_statement"])
    assert rate["aggregate_key_type"] == "IP"
    assert rate["limit"] == "${var.public_link_rate_limit_per_5_minutes}"
    scoped = only(only(rate["scope_down_statement"])["or_statement"])
    each = only(scoped["dynamic"])["statement"]
    assert each["for_each"] == "${local.public_link_path_prefixes}"
    match = only(each["content"])["byte_match_statement"]
    assert only(match)["search_string"] == "${statement.value}"
    assert only(match)["positional_constraint"] == "STARTS_WITH"
    assert only(only(only(match)["field_to_match"])["uri_path"]) == {}
    assert tuple(waf.locals["public_link_path_prefixes"]) == PUBLIC_PREFIXES
    variable = waf.variables["public_link_rate_limit_per_5_minutes"]
    assert variable["type"] == "number"
    assert variable["description"]
    general = module_value("waf", waf.variables["rate_limit_per_5_minutes"]["default"])
    assert 10 <= module_value("waf", variable["default"]) < general
    condition = only(variable["validation"])["condition"]
    assert "var.public_link_rate_limit_per_5_minutes < var.rate_limit_per_5_minutes" in condition
    readme = (TF_ROOT / "modules" / "waf" / "README.md").read_text()
    assert "`rate-limit-public-links`" in readme
    assert "`public_link_rate_limit_per_5_minutes`" in readme


def test_waf_blocks_long_bodies_on_the_cores_paths_with_a_413() -> None:
    """Issue 25: the body rule only counted. WAF sees 8 KiB of a body behind an ALB, so
    anything longer must match (oversize_handling), and the file API's paths are spared."""
    assert module_input("waf", "file_api_path_prefix") == "/files/"
    waf = module("waf")
    assert module_value("waf", waf.variables["core_max_body_bytes"]["default"]) == 8192
    acl = waf.resource("aws_wafv2_web_acl")
    rule = only([r for r in acl["rule"] if r["name"] == "core-body-size"])
    assert rule["priority"] < min(
        r["priority"] for r in acl["rule"] if r["name"].startswith("aws-")
    )
    block = only(only(rule["action"])["block"])
    response = only(block["custom_response"])
    assert response["response_code"] == 413
    statements = only(only(rule["statement"])["and_statement"])["statement"]
    spared, sized = statements
    files = only(only(only(spared["not_statement"])["statement"])["byte_match_statement"])
    assert files["search_string"] == "${var.file_api_path_prefix}"
    assert files["positional_constraint"] == "STARTS_WITH"
    constraint = only(sized["size_constraint_statement"])
    assert constraint["comparison_operator"] == "GT"
    assert constraint["size"] == "${var.core_max_body_bytes}"
    assert only(only(constraint["field_to_match"])["body"])["oversize_handling"] == "MATCH"
    body = only(acl["custom_response_body"])
    assert body["key"] == response["custom_response_body_key"]
    assert body["content_type"] == "APPLICATION_JSON"


def test_budget_sits_above_the_idle_month_with_a_margin() -> None:
    """An idle month must not trip the 80 % alert: the budget is set from docs/operations.md's
    estimate."""
    text = (REPO / "docs" / "operations.md").read_text()
    section = text.split("## Cost: the idle month", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \|.*\| \**\$([0-9.]+)\** \|$", section, re.M)
    *resources, (label, total) = [(name, float(amount)) for name, amount in rows]
    assert label == "**Total**"
    assert round(sum(amount for _, amount in resources), 2) == total
    budget = parse(TF_ROOT / "production.tfvars")["monthly_budget_usd"]
    assert budget == root().variables["monthly_budget_usd"]["default"] == 200
    alert = 0.8 * budget
    assert total < alert
    assert (alert - total) / total >= 0.15, "an idle month within 15 % of the alert"
    assert f"${total:.0f}" in section
    assert f"${alert:.0f}" in section


def test_monthly_cost_alert_goes_to_the_alarm_topic() -> None:
    assert root().variables["monthly_budget_usd"]["default"] == 200
    assert root().modules["monitoring"]["monthly_budget_usd"] == "${var.monthly_budget_usd}"
    budget = module("monitoring").resource("aws_budgets_budget", "monthly")
    assert budget["budget_type"] == "COST"
    assert budget["time_unit"] == "MONTHLY"
    for notification in budget["notification"]:
        assert notification["subscriber_sns_topic_arns"] == ["${aws_sns_topic.alarms.arn}"]
    topic_policy = module("monitoring").data[("aws_iam_policy_document", "alarms_topic")]
    budgets = [s for s in topic_policy["statement"] if s["sid"] == "BudgetsPublish"]
    assert only(only(budgets)["principals"])["identifiers"] == ["budgets.amazonaws.com"]


def test_files_backup_replicates_to_a_second_region_and_keeps_what_the_primary_keeps() -> None:
    assert parse(TF_ROOT / "production.tfvars")["enable_file_replication"] is True
    replica_call = root().modules["file_replica"]
    assert replica_call["providers"] == {"aws": "${aws.replica}"}
    replica_provider = [p for p in root().providers if "aws" in p and p["aws"].get("alias")]
    assert only(replica_provider)["aws"]["region"] == "${var.file_replica_region}"
    validation = str(root().variables["file_replica_region"]["validation"])
    assert "var.file_replica_region != var.aws_region" in validation
    s3 = module("s3")
    rule = only(s3.resource("aws_s3_bucket_replication_configuration")["rule"])
    # Deletes reach the replica as markers (docs/operations.md, "The files' replica").
    assert only(rule["delete_marker_replication"])["status"] == "Enabled"
    assert only(rule["filter"])["prefix"] == "${var.replication_prefix}"
    assert module_input("s3", "replication_prefix") == "tenants/"
    actions = {
        a
        for st in s3.data[("aws_iam_policy_document", "replication")]["statement"]
        for a in st["actions"]
    }
    assert {
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:GetObjectVersionForReplication",
    } <= actions
    assert "s3:DeleteObjectVersion" not in actions
    replica = module("replica")
    # Versioned (replication needs it on both sides) by modules/bucket.
    assert replica.modules["hardening"]["bucket"] == "${aws_s3_bucket.this.id}"
    # Old versions (deleted or replaced files) leave the replica when they leave the primary.
    retention = module_input("s3", "noncurrent_version_expiration_days")
    assert retention == root().variables["trash_retention_days"]["default"] == 30
    assert module_input("replica", "noncurrent_version_expiration_days") == retention
    lifecycle = only(replica.resource("aws_s3_bucket_lifecycle_configuration")["rule"])
    assert only(lifecycle["filter"]) == {}
    assert only(lifecycle["expiration"]) == {"expired_object_delete_marker": True}


def test_destroying_buckets_with_data_is_a_decision() -> None:
    assert root().variables["allow_destroy_with_data"]["default"] is False
    assert root().modules["s3"]["force_destroy"] == "${var.allow_destroy_with_data}"
    assert root().modules["ecr"]["force_delete"] == "${var.allow_destroy_with_data}"
    assert root().modules["file_replica"]["force_destroy"] == "${var.allow_destroy_with_data}"
    for name, call in root().modules.items():
        for key in ("force_destroy", "force_delete"):
            if key in call:
                assert call[key] == "${var.allow_destroy_with_data}", name


# --------------------------------------------------------------------------
# DEPLOYMENT.md: the commands the tests run, the keys the code reads
# --------------------------------------------------------------------------

DEPLOYMENT = REPO / "DEPLOYMENT.md"


def _deployment_commands() -> list[str]:
    """Every shell command of DEPLOYMENT.md's bash blocks, continuation lines joined."""
    blocks = re.findall(r"```bash\n(.*?)```", DEPLOYMENT.read_text(), re.S)
    text = "\n".join(blocks).replace("\\\n", " ")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_deployment_runs_terraform_as_the_tests_do() -> None:
    commands = [c for c in _deployment_commands() if c.startswith("terraform ")]
    order = [
        "terraform -chdir=terraform/bootstrap init",
        "terraform -chdir=terraform/bootstrap apply -var-file=production.tfvars",
        "terraform -chdir=terraform init -backend-config=production.s3.tfbackend",
        "terraform -chdir=terraform plan -var-file=production.tfvars -out=production.tfplan",
        "terraform -chdir=terraform apply production.tfplan",
        "terraform -chdir=terraform apply -var-file=production.tfvars",
        "terraform -chdir=terraform destroy -var-file=production.tfvars",
        "terraform -chdir=terraform/bootstrap destroy -var-file=production.tfvars",
    ]
    positions = [commands.index(c) for c in order]
    assert positions == sorted(positions), "DEPLOYMENT.md runs them in another order"
    for command in commands:
        verb = command.split()[2]
        if verb in ("plan", "apply", "destroy") and not command.endswith(" production.tfplan"):
            # One source of inputs: the committed file, nothing else.
            assert "-var-file=production.tfvars" in command, command
            assert "-var " not in command, command
        if verb == "init" and command.split()[1] == "-chdir=terraform":
            assert "-backend-config=production.s3.tfbackend" in command, command
    # The emulator test runs the same file (tests/terraform/test_emulator.py).
    emulator = (REPO / "tests" / "terraform" / "test_emulator.py").read_text()
    assert 'VAR_FILE = "-var-file=production.tfvars"' in emulator
    for setting in ("enable_deletion_protection=false", "allow_destroy_with_data=true"):
        assert setting in emulator
        name, value = setting.split("=")
        assert f"`{name} = {value}`" in DEPLOYMENT.read_text(), setting


def test_deployment_secret_keys_are_the_ones_terraform_injects() -> None:
    text = DEPLOYMENT.read_text()
    secret = re.search(r"cat > /tmp/snsd-secret.json <<'JSON'\n(.*?)\nJSON", text, re.S)
    assert secret, "DEPLOYMENT.md has no secret JSON"
    keys = list(json.loads(secret.group(1)))
    assert keys == root().variables["secret_keys"]["default"]
    for key in keys:
        assert f"| `{key}` |" in text, key


def test_deployment_names_the_environments_and_variables_the_workflows_use() -> None:
    text = DEPLOYMENT.read_text()
    workflows = "".join(
        p.read_text() for p in sorted((REPO / ".github" / "workflows").glob("*.yml"))
    )
    environments = set(re.findall(r"^\s+environment: ([\w-]+)$", workflows, re.M))
    assert environments == {"production", "production-infrastructure"}
    for environment in environments:
        assert f"environments/{environment}" in text, environment
    variables = {c.split()[3] for c in _deployment_commands() if c.startswith("gh variable set ")}
    assert variables == {
        "AWS_REGION",
        "AWS_TERRAFORM_PLAN_ROLE_ARN",
        "AWS_TERRAFORM_ROLE_ARN",
        "AWS_DEPLOY_ROLE_ARN",
    }
    assert variables <= set(re.findall(r"vars\.(\w+)", workflows))
    assert "AWS_ACCESS_KEY_ID" not in workflows


def test_invitation_mail_goes_through_the_domains_ses_identity_with_easy_dkim() -> None:
    """modules/email: the domain's identity signs with Easy DKIM, whose three records go
    into the zone the platform hosts; every mail names a configuration set that requires
    TLS; the core sends as one address of the domain (issue 29)."""
    call = root().modules["email"]
    assert call["domain"] == "${var.domain_name}"
    assert call["zone_id"] == "${module.dns.zone_id}"
    assert call["count"] == "${var.enable_ses_identity ? 1 : 0}"
    assert root().variables["enable_ses_identity"]["default"] is True
    assert "enable_ses_identity" not in (TF_ROOT / "production.tfvars").read_text()
    assert root_value("${local.ses_identity_arn}").endswith(":identity/snsdconsultant.com")
    email = module("email")
    identity = email.resource("aws_sesv2_email_identity", "this")
    assert identity["email_identity"] == "${var.domain}"
    assert only(identity["dkim_signing_attributes"]) == {"next_signing_key_length": "RSA_2048_BIT"}
    assert "domain_signing_private_key" not in str(identity), "Easy DKIM: SES keeps the keys"
    configuration = email.resource("aws_sesv2_configuration_set", "this")
    assert only(configuration["delivery_options"])["tls_policy"] == "REQUIRE"
    records = email.resource("aws_route53_record", "dkim")
    assert records["count"] == "${var.zone_id == null ? 0 : 3}"
    assert records["type"] == "CNAME"
    environment = root_value("${local.mail_environment}")
    assert set(environment) == {"MAIL_FROM", "SES_CONFIGURATION_SET", "INVITE_URL_BASE"}
