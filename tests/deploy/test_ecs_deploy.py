"""The core service's rollout: the task definition keeps every field but the image."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import boto3
import ecs_deploy
import pytest

from tests.deploy.conftest import REGION, read_outputs

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


# -- against moto: the rendered request is one RegisterTaskDefinition accepts --


def _service(ecs: Any) -> str:
    ecs.create_cluster(clusterName="snsd-production-cluster")
    request = {
        k: v for k, v in DESCRIBED["taskDefinition"].items() if k not in ecs_deploy.READ_ONLY_FIELDS
    }
    arn = ecs.register_task_definition(**request, tags=DESCRIBED["tags"])["taskDefinition"][
        "taskDefinitionArn"
    ]
    ecs.create_service(
        cluster="snsd-production-cluster",
        serviceName="snsd-production-service",
        taskDefinition=arn,
        desiredCount=1,
        launchType="FARGATE",
    )
    return str(arn)


@pytest.mark.usefixtures("aws")
def test_start_rollout_registers_a_copy_and_points_the_service_at_it() -> None:
    ecs = boto3.client("ecs", region_name=REGION)
    old_arn = _service(ecs)

    rollout = ecs_deploy.start_rollout(
        ecs, "snsd-production-cluster", "snsd-production-service", "app", NEW_IMAGE
    )

    assert rollout.previous_task_definition == old_arn
    assert rollout.task_definition.endswith("snsd-production-service:2")
    service = ecs.describe_services(
        cluster="snsd-production-cluster", services=["snsd-production-service"]
    )["services"][0]
    assert service["taskDefinition"] == rollout.task_definition
    old = ecs.describe_task_definition(taskDefinition=old_arn, include=["TAGS"])
    new = ecs.describe_task_definition(taskDefinition=rollout.task_definition, include=["TAGS"])
    assert new["tags"] == old["tags"]
    old_def, new_def = old["taskDefinition"], new["taskDefinition"]
    assert new_def["containerDefinitions"][0]["image"] == NEW_IMAGE
    new_def["containerDefinitions"][0]["image"] = OLD_IMAGE
    for field in ("taskDefinitionArn", "revision", "registeredAt", "registeredBy"):
        old_def.pop(field, None)
        new_def.pop(field, None)
    assert new_def == old_def


@pytest.mark.usefixtures("aws")
def test_deploy_command_reports_both_revisions(github_files: tuple[Path, Path]) -> None:
    ecs = boto3.client("ecs", region_name=REGION)
    old_arn = _service(ecs)
    stable = _SettledEcs(ecs)

    code = ecs_deploy.main(
        [
            "deploy",
            "--cluster",
            "snsd-production-cluster",
            "--service",
            "snsd-production-service",
            "--container",
            "app",
            "--image",
            NEW_IMAGE,
            "--poll-seconds",
            "0",
        ],
        ecs=stable,
    )

    assert code == 0
    outputs = read_outputs(github_files[0])
    assert outputs["previous_task_definition"] == old_arn
    assert outputs["task_definition"].endswith(":2")
    assert "snsd-production-service" in github_files[1].read_text()


@pytest.mark.usefixtures("aws")
def test_rollback_command_points_the_service_back() -> None:
    ecs = boto3.client("ecs", region_name=REGION)
    old_arn = _service(ecs)
    rollout = ecs_deploy.start_rollout(
        ecs, "snsd-production-cluster", "snsd-production-service", "app", NEW_IMAGE
    )

    code = ecs_deploy.main(
        [
            "rollback",
            "--cluster",
            "snsd-production-cluster",
            "--service",
            "snsd-production-service",
            "--task-definition",
            old_arn,
            "--poll-seconds",
            "0",
        ],
        ecs=_SettledEcs(ecs),
    )

    assert code == 0
    service = ecs.describe_services(
        cluster="snsd-production-cluster", services=["snsd-production-service"]
    )["services"][0]
    assert service["taskDefinition"] == old_arn != rollout.task_definition


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


def test_deploy_command_fails_on_a_rolled_back_rollout(
    github_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Rolled(_ScriptedEcs):
        def describe_services(self, **kwargs: Any) -> dict[str, Any]:
            answer = super().describe_services(**kwargs)
            answer["services"][0]["taskDefinition"] = OLD
            return answer

        def describe_task_definition(self, **_: Any) -> dict[str, Any]:
            return copy.deepcopy(DESCRIBED)

        def register_task_definition(self, **_: Any) -> dict[str, Any]:
            return {"taskDefinition": {"taskDefinitionArn": NEW}}

        def update_service(self, **_: Any) -> None:
            return None

    ecs = Rolled(
        [_deployment(OLD, "PRIMARY", "IN_PROGRESS"), _deployment(NEW, "ACTIVE", "FAILED", 0)]
    )
    code = ecs_deploy.main(
        [
            "deploy",
            "--cluster",
            "c",
            "--service",
            "s",
            "--container",
            "app",
            "--image",
            NEW_IMAGE,
            "--poll-seconds",
            "0",
        ],
        ecs=ecs,
    )
    assert code == 1
    # The rollback step still learns where the service was.
    assert read_outputs(github_files[0])["previous_task_definition"] == OLD
