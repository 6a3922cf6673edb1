"""The core service's rollout: the task definition keeps every field but the image."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts import ecs_deploy
from tests.support.deploy import REGION, read_outputs

ROOT = Path(__file__).resolve().parents[2]
OLD_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/snsd-production:aaaaaaa"
NEW_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/snsd-production:" + "b" * 40
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:snsd-production-secrets-AbCdEf"

# What DescribeTaskDefinition answers for the service Terraform defines
# (terraform/modules/ecs), read-only fields included.
DESCRIBED: dict[str, Any] = {
    "taskDefinition": {
        "taskDefinitionArn": (
            "arn:aws:ecs:us-east-1:123456789012:task-definition/snsd-production-service:7"
        ),
        "family": "snsd-production-service",
        "revision": 7,
        "status": "ACTIVE",
        "taskRoleArn": "arn:aws:iam::123456789012:role/snsd-production-ecs-task",
        "executionRoleArn": "arn:aws:iam::123456789012:role/snsd-production-ecs-execution",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "compatibilities": ["EC2", "FARGATE"],
        "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
        "cpu": "256",
        "memory": "512",
        "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
        "volumes": [{"name": "tmp"}],
        "placementConstraints": [],
        "registeredAt": "2026-01-01T00:00:00+00:00",
        "registeredBy": "arn:aws:sts::123456789012:assumed-role/snsd-production-github-deploy/x",
        "containerDefinitions": [
            {
                "name": "app",
                "image": OLD_IMAGE,
                "essential": True,
                "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
                "environment": [
                    {"name": "S3_BUCKET_NAME", "value": "snsd-file-uploads-production"},
                    {"name": "AWS_REGION", "value": "us-east-1"},
                ],
                "secrets": [
                    {"name": "SUPABASE_URL", "valueFrom": f"{SECRET}:SUPABASE_URL::"},
                    {"name": "SUPABASE_DB_URL", "valueFrom": f"{SECRET}:SUPABASE_DB_URL::"},
                ],
                "readonlyRootFilesystem": True,
                "mountPoints": [
                    {"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}
                ],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/snsd-production",
                        "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            },
            {"name": "sidecar", "image": "public.ecr.aws/x/sidecar:1", "essential": False},
        ],
    },
    "tags": [{"key": "Project", "value": "snsd"}],
}


def test_render_changes_only_the_image() -> None:
    before = copy.deepcopy(DESCRIBED)
    rendered = ecs_deploy.render_task_definition(DESCRIBED, "app", NEW_IMAGE)

    assert before == DESCRIBED, "the input is not modified"
    expected = {
        k: v for k, v in before["taskDefinition"].items() if k not in ecs_deploy.READ_ONLY_FIELDS
    }
    expected["containerDefinitions"][0]["image"] = NEW_IMAGE
    expected["tags"] = before["tags"]
    assert rendered == expected
    # Spelled out: the fields a careless render tends to lose.
    app = rendered["containerDefinitions"][0]
    assert app["secrets"] == before["taskDefinition"]["containerDefinitions"][0]["secrets"]
    assert rendered["executionRoleArn"].endswith("snsd-production-ecs-execution")
    assert rendered["containerDefinitions"][1]["image"] == "public.ecr.aws/x/sidecar:1"
    assert not set(rendered) & ecs_deploy.READ_ONLY_FIELDS


def test_render_accepts_a_bare_task_definition() -> None:
    rendered = ecs_deploy.render_task_definition(DESCRIBED["taskDefinition"], "app", NEW_IMAGE)
    assert rendered["containerDefinitions"][0]["image"] == NEW_IMAGE
    assert "tags" not in rendered


@pytest.mark.parametrize("container", ["missing", ""])
def test_render_refuses_an_unknown_container(container: str) -> None:
    with pytest.raises(ecs_deploy.DeployError, match="expected one container"):
        ecs_deploy.render_task_definition(DESCRIBED, container, NEW_IMAGE)


def test_render_refuses_two_containers_of_the_same_name() -> None:
    twice = copy.deepcopy(DESCRIBED)
    twice["taskDefinition"]["containerDefinitions"][1]["name"] = "app"
    with pytest.raises(ecs_deploy.DeployError):
        ecs_deploy.render_task_definition(twice, "app", NEW_IMAGE)


@pytest.mark.parametrize("image", ["", "repo:tag\nmalicious"])
def test_render_refuses_a_malformed_image(image: str) -> None:
    with pytest.raises(ecs_deploy.DeployError, match="image"):
        ecs_deploy.render_task_definition(DESCRIBED, "app", image)


def test_render_command_writes_the_request(tmp_path: Path) -> None:
    source, target = tmp_path / "described.json", tmp_path / "rendered.json"
    source.write_text(json.dumps(DESCRIBED))
    code = ecs_deploy.main(
        [
            "render",
            "--task-definition",
            str(source),
            "--container",
            "app",
            "--image",
            NEW_IMAGE,
            "--output",
            str(target),
        ]
    )
    assert code == 0
    assert json.loads(target.read_text())["containerDefinitions"][0]["image"] == NEW_IMAGE


# -- against moto: the new revision is the family's latest with only the image changed --

CLUSTER = "snsd-production-cluster"
SERVICE = "snsd-production-service"
FAMILY = "snsd-production-service"


def _request(described: dict[str, Any]) -> dict[str, Any]:
    return {
        k: copy.deepcopy(v)
        for k, v in described["taskDefinition"].items()
        if k not in ecs_deploy.READ_ONLY_FIELDS
    }


def _register(ecs: Any, request: dict[str, Any], tags: Any = None) -> str:
    extra = {"tags": tags} if tags else {}
    return str(
        ecs.register_task_definition(**request, **extra)["taskDefinition"]["taskDefinitionArn"]
    )


def _platform(ecs: Any) -> dict[str, Any]:
    """The family as Terraform and earlier deploys left it, and a service running a deploy's copy.

    revision 1: Terraform's first revision (the image tag deploys replace);
    revision 2: the previous deploy's copy of it, which the service runs;
    revision 3: Terraform's revision after a change (a new variable, more memory).
    """
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
        for cidr in ("10.0.11.0/24", "10.0.12.0/24")
    ]
    groups = [ec2.create_security_group(GroupName="tasks", Description="t", VpcId=vpc)["GroupId"]]
    ecs.create_cluster(clusterName=CLUSTER)
    terraform_first = _request(DESCRIBED)
    terraform_first["containerDefinitions"][0]["image"] = "123.dkr.ecr/snsd:replaced-by-deploy"
    first = _register(ecs, terraform_first, DESCRIBED["tags"])
    deployed = copy.deepcopy(terraform_first)
    deployed["containerDefinitions"][0]["image"] = OLD_IMAGE
    running = _register(ecs, deployed, DESCRIBED["tags"])
    changed = copy.deepcopy(terraform_first)
    changed["memory"] = "1024"
    changed["containerDefinitions"][0]["environment"].append({"name": "NEW", "value": "1"})
    latest = _register(ecs, changed, DESCRIBED["tags"])
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=SERVICE,
        taskDefinition=running,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": subnets,
                "securityGroups": groups,
                "assignPublicIp": "DISABLED",
            }
        },
    )
    return {
        "first": first,
        "running": running,
        "latest": latest,
        "subnets": subnets,
        "security_groups": groups,
    }


def _without_revision_fields(described: dict[str, Any]) -> dict[str, Any]:
    definition = dict(described["taskDefinition"])
    for field in ("taskDefinitionArn", "revision", "registeredAt", "registeredBy"):
        definition.pop(field, None)
    return {"taskDefinition": definition, "tags": described.get("tags")}


@pytest.mark.usefixtures("aws")
def test_render_builds_on_terraforms_latest_revision_changing_only_the_image() -> None:
    ecs = boto3.client("ecs", region_name=REGION)
    revisions = _platform(ecs)

    rendered = ecs_deploy.render_from_family(ecs, CLUSTER, SERVICE, FAMILY, "app", NEW_IMAGE)

    # Built on Terraform's newest revision, not on what the service runs.
    assert rendered.base_task_definition == revisions["latest"]
    assert rendered.previous_task_definition == revisions["running"]
    assert rendered.subnets == revisions["subnets"]
    assert rendered.security_groups == revisions["security_groups"]
    assert rendered.request["memory"] == "1024"
    assert {"name": "NEW", "value": "1"} in rendered.request["containerDefinitions"][0][
        "environment"
    ]

    # Registered as the deploy action does: the new revision is Terraform's,
    # field for field and tag for tag, but for the image.
    new_arn = _register(
        ecs, {k: v for k, v in rendered.request.items() if k != "tags"}, rendered.request["tags"]
    )
    terraform = ecs.describe_task_definition(taskDefinition=revisions["latest"], include=["TAGS"])
    new = ecs.describe_task_definition(taskDefinition=new_arn, include=["TAGS"])
    assert new["taskDefinition"]["containerDefinitions"][0]["image"] == NEW_IMAGE
    new["taskDefinition"]["containerDefinitions"][0]["image"] = terraform["taskDefinition"][
        "containerDefinitions"
    ][0]["image"]
    assert _without_revision_fields(new) == _without_revision_fields(terraform)


@pytest.mark.usefixtures("aws")
def test_render_command_writes_the_request_and_the_outputs_the_workflow_reads(
    tmp_path: Path, github_files: tuple[Path, Path]
) -> None:
    ecs = boto3.client("ecs", region_name=REGION)
    revisions = _platform(ecs)
    target = tmp_path / "task-definition.json"

    code = ecs_deploy.main(
        [
            "render",
            "--cluster",
            CLUSTER,
            "--service",
            SERVICE,
            "--family",
            FAMILY,
            "--container",
            "app",
            "--image",
            NEW_IMAGE,
            "--output",
            str(target),
        ],
        ecs=ecs,
    )

    assert code == 0
    written = json.loads(target.read_text())
    assert written["containerDefinitions"][0]["image"] == NEW_IMAGE
    assert written["family"] == FAMILY
    assert not set(written) & ecs_deploy.READ_ONLY_FIELDS
    assert read_outputs(github_files[0]) == {
        "task_definition_file": str(target),
        "base_task_definition": revisions["latest"],
        "previous_task_definition": revisions["running"],
        "subnets": ",".join(revisions["subnets"]),
        "security_groups": ",".join(revisions["security_groups"]),
    }


@pytest.mark.parametrize("image", ["repo/snsd-production:latest", "repo/snsd-production"])
def test_render_refuses_latest_and_untagged_images(image: str) -> None:
    with pytest.raises(ecs_deploy.DeployError, match="explicit tag"):
        ecs_deploy.render_task_definition(DESCRIBED, "app", image)


@pytest.mark.usefixtures("aws")
def test_rollback_command_points_the_service_back() -> None:
    ecs = boto3.client("ecs", region_name=REGION)
    revisions = _platform(ecs)
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=revisions["latest"])

    code = ecs_deploy.main(
        [
            "rollback",
            "--cluster",
            CLUSTER,
            "--service",
            SERVICE,
            "--task-definition",
            revisions["running"],
            "--poll-seconds",
            "0",
        ],
        ecs=_SettledEcs(ecs),
    )

    assert code == 0
    service = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert service["taskDefinition"] == revisions["running"]


class _SettledEcs:
    """moto's client, except that deployments finish at once (moto never runs tasks)."""

    def __init__(self, ecs: Any) -> None:
        self._ecs = ecs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ecs, name)

    def describe_services(self, **kwargs: Any) -> Any:
        answer = self._ecs.describe_services(**kwargs)
        for service in answer["services"]:
            service["deployments"] = [
                {
                    "status": "PRIMARY",
                    "taskDefinition": service["taskDefinition"],
                    "rolloutState": "COMPLETED",
                    "desiredCount": 1,
                    "runningCount": 1,
                    "pendingCount": 0,
                }
            ]
        return answer


# -- waiting: what ECS reports while a rollout goes well or badly --

NEW = "arn:aws:ecs:us-east-1:123456789012:task-definition/snsd-production-service:8"
OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/snsd-production-service:7"


def _deployment(
    task_definition: str, status: str, state: str | None, running: int = 1
) -> dict[str, Any]:
    deployment: dict[str, Any] = {
        "status": status,
        "taskDefinition": task_definition,
        "desiredCount": 1,
        "runningCount": running,
        "pendingCount": 1 - running,
    }
    if state is not None:
        deployment["rolloutState"] = state
        deployment["rolloutStateReason"] = f"deployment {state.lower()}"
    return deployment


class _ScriptedEcs:
    """Answers describe_services with one scripted list of deployments per call."""

    def __init__(self, *answers: list[dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.calls = 0

    def describe_services(self, **_: Any) -> dict[str, Any]:
        deployments = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return {"services": [{"status": "ACTIVE", "deployments": deployments}]}


def _wait(ecs: _ScriptedEcs, timeout: float = 100) -> None:
    clock = iter(range(0, 10_000, 10))
    ecs_deploy.wait_for_rollout(
        ecs,
        "c",
        "s",
        NEW,
        timeout_seconds=timeout,
        poll_seconds=10,
        sleep=lambda _: None,
        clock=lambda: float(next(clock)),
    )


def test_wait_returns_when_the_new_revision_completes() -> None:
    ecs = _ScriptedEcs(
        [_deployment(NEW, "PRIMARY", "IN_PROGRESS", 0), _deployment(OLD, "ACTIVE", "COMPLETED")],
        [_deployment(NEW, "PRIMARY", "COMPLETED")],
    )
    _wait(ecs)
    assert ecs.calls == 2


def test_wait_fails_when_the_circuit_breaker_rolled_back() -> None:
    ecs = _ScriptedEcs(
        [_deployment(NEW, "PRIMARY", "IN_PROGRESS", 0), _deployment(OLD, "ACTIVE", "COMPLETED")],
        [_deployment(OLD, "PRIMARY", "IN_PROGRESS"), _deployment(NEW, "ACTIVE", "FAILED", 0)],
    )
    with pytest.raises(ecs_deploy.DeployError, match="circuit breaker rolled it back"):
        _wait(ecs)


def test_wait_fails_when_the_rollout_failed() -> None:
    ecs = _ScriptedEcs([_deployment(NEW, "PRIMARY", "FAILED", 0)])
    with pytest.raises(ecs_deploy.DeployError, match="failed"):
        _wait(ecs)


def test_wait_gives_up_at_the_deadline() -> None:
    ecs = _ScriptedEcs([_deployment(NEW, "PRIMARY", "IN_PROGRESS", 0)])
    with pytest.raises(ecs_deploy.DeployError, match="did not become stable"):
        _wait(ecs, timeout=30)
    assert ecs.calls == 3  # at 10, 20 and 30 s


def test_wait_without_rollout_state_trusts_settled_counts() -> None:
    ecs = _ScriptedEcs(
        [_deployment(NEW, "PRIMARY", None, 0), _deployment(OLD, "ACTIVE", None)],
        [_deployment(NEW, "PRIMARY", None, 1)],
    )
    _wait(ecs)
    assert ecs.calls == 2


# --------------------------------------------------------------------------
# Releases are tagged, so ECR's lifecycle keeps what a rollback needs
# --------------------------------------------------------------------------

REPOSITORY = "snsd-production"
COMMIT = "c" * 40
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": "sha256:" + "1" * 64,
        },
        "layers": [],
    }
)


def _pushed(ecr: Any, tag: str = COMMIT) -> str:
    ecr.create_repository(repositoryName=REPOSITORY, imageTagMutability="IMMUTABLE")
    pushed = ecr.put_image(repositoryName=REPOSITORY, imageManifest=MANIFEST, imageTag=tag)
    return str(pushed["image"]["imageId"]["imageDigest"])


def _tags(ecr: Any, digest: str) -> list[str]:
    details = ecr.describe_images(repositoryName=REPOSITORY, imageIds=[{"imageDigest": digest}])
    return sorted(details["imageDetails"][0]["imageTags"])


@pytest.mark.usefixtures("aws")
def test_a_live_image_gets_a_release_tag_on_the_same_manifest() -> None:
    ecr = boto3.client("ecr", region_name=REGION)
    digest = _pushed(ecr)

    released = ecs_deploy.tag_release(
        ecr, REPOSITORY, COMMIT, now=lambda: datetime(2026, 12, 7, 5, 30, 1, tzinfo=UTC)
    )

    assert released == f"release-20261207T053001Z-{COMMIT}"
    assert _tags(ecr, digest) == [COMMIT, released]
    # terraform/modules/ecr keeps the images whose tags start with this prefix.
    ecr_variables = (ROOT / "terraform" / "modules" / "ecr" / "variables.tf").read_text()
    assert f'default     = "{ecs_deploy.RELEASE_TAG_PREFIX}"' in ecr_variables


@pytest.mark.usefixtures("aws")
def test_tagging_a_release_twice_adds_one_tag() -> None:
    ecr = boto3.client("ecr", region_name=REGION)
    digest = _pushed(ecr)
    first = ecs_deploy.tag_release(ecr, REPOSITORY, COMMIT)

    code = ecs_deploy.main(["tag-release", "--repository", REPOSITORY, "--tag", COMMIT], ecr=ecr)

    assert code == 0
    assert _tags(ecr, digest) == [COMMIT, first]


@pytest.mark.usefixtures("aws")
def test_tagging_a_missing_image_fails() -> None:
    ecr = boto3.client("ecr", region_name=REGION)
    _pushed(ecr)
    code = ecs_deploy.main(["tag-release", "--repository", REPOSITORY, "--tag", "d" * 40], ecr=ecr)
    assert code == 1


# --------------------------------------------------------------------------
# The migration: its own family, re-imaged, run once where the service runs
# --------------------------------------------------------------------------

MIGRATION_FAMILY = "snsd-production-migrate"


def _migration_family(ecs: Any) -> str:
    """The migration's revision as Terraform registers it (terraform/modules/ecs)."""
    request = _request(DESCRIBED)
    request["family"] = MIGRATION_FAMILY
    request.pop("taskRoleArn")
    container = request["containerDefinitions"][0]
    request["containerDefinitions"] = [container]
    container["image"] = "123.dkr.ecr/snsd:replaced-by-deploy"
    container["command"] = ["python", "-m", "core_service.migrate"]
    container["secrets"] = [s for s in container["secrets"] if s["name"] == "SUPABASE_DB_URL"]
    for key in ("portMappings", "environment"):
        container.pop(key)
    return _register(ecs, request, DESCRIBED["tags"])


class _MigratingEcs:
    """moto's client for the service and the task definitions; the run itself is scripted.

    moto (5.2.5) fails RunTask of an awsvpc task (its network interface lacks
    a DNS name) and never runs a container, so the task is started here and
    stops with `exit_code` after `polls_before_stop` status checks.
    """

    TASK = "arn:aws:ecs:us-east-1:123456789012:task/snsd-production-cluster/0123456789abcdef"

    def __init__(self, ecs: Any, exit_code: int | None, polls_before_stop: int = 1) -> None:
        self._ecs = ecs
        self.exit_code = exit_code
        self.polls_before_stop = polls_before_stop
        self.run: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ecs, name)

    def run_task(self, **kwargs: Any) -> Any:
        self.run = kwargs
        return {"tasks": [{"taskArn": self.TASK, "lastStatus": "PROVISIONING"}], "failures": []}

    def describe_tasks(self, cluster: str, tasks: list[str]) -> Any:
        assert (cluster, tasks) == (CLUSTER, [self.TASK])
        self.polls_before_stop -= 1
        if self.polls_before_stop >= 0:
            return {"tasks": [{"taskArn": self.TASK, "lastStatus": "RUNNING"}]}
        stopped = {
            "taskArn": self.TASK,
            "lastStatus": "STOPPED",
            "stoppedReason": "Essential container in task exited",
            "containers": [{"name": "app", "exitCode": self.exit_code}],
        }
        if self.exit_code is None:
            stopped["containers"] = [{"name": "app"}]
            stopped["stoppedReason"] = (
                "CannotPullContainerError: pull image manifest has been retried"
            )
        return {"tasks": [stopped]}


def _migrate(ecs: Any, timeout: float = 100) -> ecs_deploy.Migration:
    clock = iter(range(0, 10_000, 10))
    return ecs_deploy.migrate(
        ecs,
        CLUSTER,
        SERVICE,
        MIGRATION_FAMILY,
        "app",
        NEW_IMAGE,
        started_by="migrate-42",
        timeout_seconds=timeout,
        poll_seconds=10,
        sleep=lambda _: None,
        clock=lambda: float(next(clock)),
    )


@pytest.mark.usefixtures("aws")
def test_migrate_runs_its_own_family_reimaged_where_the_service_runs() -> None:
    moto = boto3.client("ecs", region_name=REGION)
    platform = _platform(moto)
    terraforms = _migration_family(moto)
    ecs = _MigratingEcs(moto, exit_code=0)

    done = _migrate(ecs)

    registered = moto.describe_task_definition(
        taskDefinition=done.task_definition, include=["TAGS"]
    )
    assert registered["taskDefinition"]["family"] == MIGRATION_FAMILY
    expected = _without_revision_fields(
        moto.describe_task_definition(taskDefinition=terraforms, include=["TAGS"])
    )
    expected["taskDefinition"]["containerDefinitions"][0]["image"] = NEW_IMAGE
    assert _without_revision_fields(registered) == expected
    # Only the database URL, the fixed command: nothing to override.
    [container] = registered["taskDefinition"]["containerDefinitions"]
    assert [s["name"] for s in container["secrets"]] == ["SUPABASE_DB_URL"]
    assert ecs.run["taskDefinition"] == done.task_definition
    assert "overrides" not in ecs.run
    assert ecs.run["startedBy"] == "migrate-42"
    assert ecs.run["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": platform["subnets"],
        "securityGroups": platform["security_groups"],
        "assignPublicIp": "DISABLED",
    }


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("exit_code", [1, None])
def test_a_failed_migration_fails_the_deploy(exit_code: int | None) -> None:
    moto = boto3.client("ecs", region_name=REGION)
    _platform(moto)
    _migration_family(moto)
    with pytest.raises(ecs_deploy.DeployError, match=f"exit code {exit_code}"):
        _migrate(_MigratingEcs(moto, exit_code=exit_code))


@pytest.mark.usefixtures("aws")
def test_a_migration_that_never_stops_fails_at_the_deadline() -> None:
    moto = boto3.client("ecs", region_name=REGION)
    _platform(moto)
    _migration_family(moto)
    with pytest.raises(ecs_deploy.DeployError, match="did not stop within 30 s"):
        _migrate(_MigratingEcs(moto, exit_code=0, polls_before_stop=1000), timeout=30)


@pytest.mark.usefixtures("aws")
def test_migrate_refuses_the_services_family(github_files: tuple[Path, Path]) -> None:
    moto = boto3.client("ecs", region_name=REGION)
    _platform(moto)
    code = ecs_deploy.main(
        [
            "migrate",
            "--cluster",
            CLUSTER,
            "--service",
            SERVICE,
            "--family",
            "snsd-production-service",
            "--container",
            "app",
            "--image",
            NEW_IMAGE,
        ],
        ecs=_MigratingEcs(moto, exit_code=0),
    )
    assert code == 1
    assert read_outputs(github_files[0]) == {}


@pytest.mark.usefixtures("aws")
def test_migrate_command_writes_the_revision_it_ran(github_files: tuple[Path, Path]) -> None:
    moto = boto3.client("ecs", region_name=REGION)
    _platform(moto)
    _migration_family(moto)
    argv = ["migrate", "--cluster", CLUSTER, "--service", SERVICE, "--family", MIGRATION_FAMILY]
    argv += ["--container", "app", "--image", NEW_IMAGE, "--poll-seconds", "0"]

    code = ecs_deploy.main(argv, ecs=_MigratingEcs(moto, exit_code=0))

    assert code == 0
    [(name, value)] = read_outputs(github_files[0]).items()
    assert name == "migration_task_definition"
    assert value.endswith(f":task-definition/{MIGRATION_FAMILY}:2")
