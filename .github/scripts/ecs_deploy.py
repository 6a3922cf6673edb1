"""Roll the core service (ECS Fargate) onto a new image, and verify it landed.

    ecs_deploy.py render   --task-definition described.json --container app --image URI
    ecs_deploy.py deploy   --cluster C --service S --container app --image URI
    ecs_deploy.py rollback --cluster C --service S --task-definition ARN

`deploy` takes the task definition the service runs now, changes the image of
one container and nothing else, registers that as a new revision, points the
service at it and waits until the new revision is the one serving. The
service's deployment circuit breaker (Terraform enables it with rollback)
returns a failing rollout to the previous revision on its own; this script
notices that and fails, so the workflow run is red, not green over the old
code. `rollback` points the service back at a given revision, for a smoke
test that fails after a rollout ECS itself judged healthy.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from actions_io import add_summary, set_output

# Fields that DescribeTaskDefinition returns but RegisterTaskDefinition refuses:
# they describe a registered revision, not the definition itself.
READ_ONLY_FIELDS = frozenset(
    {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
    }
)


class DeployError(RuntimeError):
    """The rollout did not end with the new revision serving."""


def render_task_definition(
    described: Mapping[str, Any], container: str, image: str
) -> dict[str, Any]:
    """A RegisterTaskDefinition request equal to `described` except one container's image.

    `described` is DescribeTaskDefinition's answer (`{"taskDefinition": ..., "tags": ...}`)
    or the bare task definition. Every other field is kept as it is, secrets,
    log configuration and roles included.
    """
    task_definition = described.get("taskDefinition", described)
    if not isinstance(task_definition, Mapping):
        raise DeployError("not a task definition")
    rendered = {
        key: copy.deepcopy(value)
        for key, value in task_definition.items()
        if key not in READ_ONLY_FIELDS
    }
    matches = [c for c in rendered.get("containerDefinitions", []) if c.get("name") == container]
    if len(matches) != 1:
        names = [c.get("name") for c in rendered.get("containerDefinitions", [])]
        raise DeployError(f"expected one container named {container!r}, found {names}")
    if not image or any(ch.isspace() for ch in image):
        raise DeployError(f"not an image reference: {image!r}")
    matches[0]["image"] = image
    tags = described.get("tags")
    if tags and "taskDefinition" in described:
        rendered["tags"] = copy.deepcopy(tags)
    return rendered


@dataclass(frozen=True)
class Rollout:
    previous_task_definition: str
    task_definition: str


def _service(ecs: Any, cluster: str, service: str) -> dict[str, Any]:
    answer = ecs.describe_services(cluster=cluster, services=[service])
    services = [s for s in answer.get("services", []) if s.get("status") != "INACTIVE"]
    if len(services) != 1:
        raise DeployError(f"service {service} not found in cluster {cluster}")
    found: dict[str, Any] = services[0]
    return found


def start_rollout(ecs: Any, cluster: str, service: str, container: str, image: str) -> Rollout:
    """Register the re-imaged task definition and point the service at it."""
    current = _service(ecs, cluster, service)["taskDefinition"]
    described = ecs.describe_task_definition(taskDefinition=current, include=["TAGS"])
    request = render_task_definition(described, container, image)
    registered = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=cluster, service=service, taskDefinition=registered)
    return Rollout(previous_task_definition=current, task_definition=registered)


def wait_for_rollout(
    ecs: Any,
    cluster: str,
    service: str,
    task_definition: str,
    *,
    timeout_seconds: float = 1200,
    poll_seconds: float = 15,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return once `task_definition` is the completed primary deployment; raise otherwise."""
    deadline = clock() + timeout_seconds
    while True:
        described = _service(ecs, cluster, service)
        deployments = described.get("deployments", [])
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        if primary is None:
            raise DeployError(f"{service} has no primary deployment")
        if primary.get("taskDefinition") != task_definition:
            # The circuit breaker starts a new primary deployment of the
            # previous revision when it rolls back.
            raise DeployError(
                f"{service} is rolling out {primary.get('taskDefinition')}, not "
                f"{task_definition}: the deployment circuit breaker rolled it back"
            )
        state = primary.get("rolloutState")
        if state == "FAILED":
            reason = primary.get("rolloutStateReason", "no reason given")
            raise DeployError(f"rollout of {task_definition} failed: {reason}")
        settled = (
            len(deployments) == 1
            and primary.get("runningCount") == primary.get("desiredCount")
            and primary.get("pendingCount", 0) == 0
        )
        if state == "COMPLETED" or (state is None and settled):
            return
        if clock() >= deadline:
            raise DeployError(
                f"{task_definition} did not become stable within {timeout_seconds:.0f} s "
                f"(rollout state {state}, running {primary.get('runningCount')}/"
                f"{primary.get('desiredCount')})"
            )
        sleep(poll_seconds)


def rollback(ecs: Any, cluster: str, service: str, task_definition: str, **wait: Any) -> None:
    """Point the service back at a known-good revision and wait for it."""
    ecs.update_service(cluster=cluster, service=service, taskDefinition=task_definition)
    wait_for_rollout(ecs, cluster, service, task_definition, **wait)


def _client(region: str | None) -> Any:
    return boto3.client("ecs", region_name=region)


def main(argv: Sequence[str] | None = None, ecs: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", help="AWS region (default: the SDK's)")
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser("render", help="print the re-imaged task definition")
    render.add_argument("--task-definition", type=Path, required=True)
    render.add_argument("--container", required=True)
    render.add_argument("--image", required=True)
    render.add_argument("--output", type=Path)

    deploy = commands.add_parser("deploy", help="roll the service onto an image and wait")
    rollback_cmd = commands.add_parser("rollback", help="roll the service back and wait")
    for command in (deploy, rollback_cmd):
        command.add_argument("--cluster", required=True)
        command.add_argument("--service", required=True)
        command.add_argument("--timeout-seconds", type=float, default=1200)
        command.add_argument("--poll-seconds", type=float, default=15)
    deploy.add_argument("--container", required=True)
    deploy.add_argument("--image", required=True)
    rollback_cmd.add_argument("--task-definition", required=True)

    args = parser.parse_args(argv)
    try:
        if args.command == "render":
            described = json.loads(args.task_definition.read_text(encoding="utf-8"))
            text = json.dumps(
                render_task_definition(described, args.container, args.image), indent=2
            )
            if args.output:
                args.output.write_text(text + "\n", encoding="utf-8")
            else:
                print(text)
            return 0

        client = ecs if ecs is not None else _client(args.region)
        wait = {"timeout_seconds": args.timeout_seconds, "poll_seconds": args.poll_seconds}
        if args.command == "deploy":
            rollout = start_rollout(client, args.cluster, args.service, args.container, args.image)
            # Written before waiting, so a later rollback step knows where to go.
            set_output("previous_task_definition", rollout.previous_task_definition)
            set_output("task_definition", rollout.task_definition)
            print(
                f"{args.service}: {rollout.previous_task_definition} -> {rollout.task_definition}"
            )
            wait_for_rollout(client, args.cluster, args.service, rollout.task_definition, **wait)
            add_summary(f"- core: `{args.service}` runs `{rollout.task_definition}` ({args.image})")
        else:
            rollback(client, args.cluster, args.service, args.task_definition, **wait)
            add_summary(f"- core: `{args.service}` rolled back to `{args.task_definition}`")
    except DeployError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 1
    print("stable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
