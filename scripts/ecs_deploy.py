"""The core service's deploy, the parts AWS's own ECS actions do not do.

    ecs_deploy.py render   --cluster C --service S --family F --container app --image URI
                           --output task-definition.json
    ecs_deploy.py render   --task-definition described.json --container app --image URI
    ecs_deploy.py migrate  --cluster C --service S --family MIGRATION_FAMILY --container app
                           --image URI
    ecs_deploy.py rollback --cluster C --service S --task-definition ARN
    ecs_deploy.py tag-release --repository R --tag COMMIT_SHA

`render` takes the latest revision of the task definition family (the one
Terraform registered, or the previous deploy's copy of it, which differs only
in its image), changes the image of one container and nothing else, and
writes the RegisterTaskDefinition request for
`aws-actions/amazon-ecs-deploy-task-definition`. That action registers it,
rolls the service and waits for stability (failing when the circuit breaker
rolled back). For the workflow, `render` also writes as step outputs the
revision the service runs now (for `rollback`).

`migrate` does the same to the migration's own family (Terraform's
`<name>-migrate`: a fixed `python -m core_service.migrate` and, of the
secret, only the database URL), registers the result, runs it once as a
Fargate task where the service runs (its subnets and security groups), waits
for it to stop and fails unless its container exited 0. The deploy role may
run tasks of that family only, so no one-off task sees the service's other
secrets.

Why not `amazon-ecs-render-task-definition` for the render: it does the same
in principle, but it cannot be run by the tests here, and the test that the
new revision is Terraform's with only the image changed is the point
(tests/deploy/test_ecs_deploy.py, and tests/terraform against the revision
Terraform itself wrote).

`rollback` points the service back at a given revision and waits, for a smoke
test that fails after a rollout ECS itself judged healthy.

`tag-release` adds a `release-<UTC time>-<commit>` tag to the image of a
deploy that passed its smoke test (the same manifest: the repository's tags
are immutable, adding one is allowed). ECR's lifecycle policy keeps the last
N releases whatever their age and expires other images by age, so the image
a rollback needs is never pushed out by failed deploys.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from scripts.actions_io import add_summary, set_output

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


RELEASE_TAG_PREFIX = "release-"  # terraform/modules/ecr: release_tag_prefix

# Every manifest type a pushed image may have (docker build, buildx with
# provenance), so BatchGetImage returns the manifest as pushed.
MANIFEST_MEDIA_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
]


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
    if image.endswith(":latest") or ("@" not in image and ":" not in image.rsplit("/", 1)[-1]):
        raise DeployError(f"deploy an explicit tag or digest, not {image!r}")
    matches[0]["image"] = image
    tags = described.get("tags")
    if tags and "taskDefinition" in described:
        rendered["tags"] = copy.deepcopy(tags)
    return rendered


@dataclass(frozen=True)
class Rendered:
    request: dict[str, Any]
    base_task_definition: str  # the family revision the request copies
    previous_task_definition: str  # what the service runs now
    subnets: list[str]
    security_groups: list[str]


def _service(ecs: Any, cluster: str, service: str) -> dict[str, Any]:
    answer = ecs.describe_services(cluster=cluster, services=[service])
    services = [s for s in answer.get("services", []) if s.get("status") != "INACTIVE"]
    if len(services) != 1:
        raise DeployError(f"service {service} not found in cluster {cluster}")
    found: dict[str, Any] = services[0]
    return found


def render_from_family(
    ecs: Any, cluster: str, service: str, family: str, container: str, image: str
) -> Rendered:
    """The family's latest revision with the new image, and what the rollout needs to know."""
    current = _service(ecs, cluster, service)
    # A family name alone resolves to its latest ACTIVE revision.
    described = ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
    base = described["taskDefinition"]
    if base.get("family") != family:
        raise DeployError(f"{family} resolved to the family {base.get('family')}")
    network = current.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
    return Rendered(
        request=render_task_definition(described, container, image),
        base_task_definition=base["taskDefinitionArn"],
        previous_task_definition=current["taskDefinition"],
        subnets=list(network.get("subnets", [])),
        security_groups=list(network.get("securityGroups", [])),
    )


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


@dataclass(frozen=True)
class Migration:
    task_definition: str  # the revision registered with the new image
    task: str


def register_from_family(ecs: Any, family: str, container: str, image: str) -> str:
    """Register the family's latest revision with only `container`'s image changed; its ARN."""
    described = ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
    found = described["taskDefinition"].get("family")
    if found != family:
        raise DeployError(f"{family} resolved to the family {found}")
    request = render_task_definition(described, container, image)
    registered = ecs.register_task_definition(**request)
    return str(registered["taskDefinition"]["taskDefinitionArn"])


def _family(task_definition_arn: str) -> str:
    return task_definition_arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def migrate(
    ecs: Any,
    cluster: str,
    service: str,
    family: str,
    container: str,
    image: str,
    *,
    started_by: str = "migrate",
    timeout_seconds: float = 1800,
    poll_seconds: float = 10,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Migration:
    """Run the migration family, re-imaged, once where the service runs; raise unless it exits 0."""
    current = _service(ecs, cluster, service)
    if _family(current["taskDefinition"]) == family:
        # The service's family injects every secret the service gets.
        raise DeployError(f"{family} is the service's family: migrations run their own")
    network = current.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
    task_definition = register_from_family(ecs, family, container, image)
    started = ecs.run_task(
        cluster=cluster,
        taskDefinition=task_definition,
        launchType="FARGATE",
        count=1,
        startedBy=started_by[:128],
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": list(network.get("subnets", [])),
                "securityGroups": list(network.get("securityGroups", [])),
                "assignPublicIp": "DISABLED",
            }
        },
    )
    if started.get("failures") or len(started.get("tasks", [])) != 1:
        raise DeployError(f"the migration task did not start: {started.get('failures')}")
    task_arn = str(started["tasks"][0]["taskArn"])

    deadline = clock() + timeout_seconds
    while True:
        [task] = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"]
        if task.get("lastStatus") == "STOPPED":
            break
        if clock() >= deadline:
            raise DeployError(
                f"the migration task {task_arn} did not stop within {timeout_seconds:.0f} s "
                f"(status {task.get('lastStatus')}); it keeps running: stop it or wait"
            )
        sleep(poll_seconds)

    exit_code = next(
        (c.get("exitCode") for c in task.get("containers", []) if c.get("name") == container),
        None,
    )
    if exit_code != 0:
        reason = task.get("stoppedReason", "no reason given")
        raise DeployError(
            f"the migration {task_arn} ended with exit code {exit_code} ({reason}); "
            "its log: the stream prefix migrate/ of the service's log group"
        )
    return Migration(task_definition=task_definition, task=task_arn)


def rollback(ecs: Any, cluster: str, service: str, task_definition: str, **wait: Any) -> None:
    """Point the service back at a known-good revision and wait for it."""
    ecs.update_service(cluster=cluster, service=service, taskDefinition=task_definition)
    wait_for_rollout(ecs, cluster, service, task_definition, **wait)


def tag_release(
    ecr: Any, repository: str, tag: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> str:
    """Tag the image `repository:tag` as a release (once); return its release tag."""
    found = ecr.batch_get_image(
        repositoryName=repository,
        imageIds=[{"imageTag": tag}],
        acceptedMediaTypes=MANIFEST_MEDIA_TYPES,
    )
    if len(found.get("images", [])) != 1:
        raise DeployError(f"{repository}:{tag} not found: {found.get('failures')}")
    image = found["images"][0]
    digest = image["imageId"]["imageDigest"]
    details = ecr.describe_images(repositoryName=repository, imageIds=[{"imageDigest": digest}])
    tags = details["imageDetails"][0].get("imageTags", [])
    released = sorted(str(t) for t in tags if str(t).startswith(RELEASE_TAG_PREFIX))
    if released:
        return released[0]  # a rerun of the same deploy: one release tag per image
    release_tag = f"{RELEASE_TAG_PREFIX}{now():%Y%m%dT%H%M%SZ}-{tag}"
    media_type = image.get("imageManifestMediaType")
    ecr.put_image(
        repositoryName=repository,
        imageManifest=image["imageManifest"],
        imageTag=release_tag,
        imageDigest=digest,
        **({"imageManifestMediaType": media_type} if media_type else {}),
    )
    return release_tag


def _client(region: str | None) -> Any:
    return boto3.client("ecs", region_name=region)


def _write(request: Mapping[str, Any], output: Path | None) -> None:
    text = json.dumps(request, indent=2, sort_keys=True)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


def main(argv: Sequence[str] | None = None, ecs: Any = None, ecr: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", help="AWS region (default: the SDK's)")
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser("render", help="write the family's latest revision re-imaged")
    source = render.add_mutually_exclusive_group(required=True)
    source.add_argument("--family", help="task definition family (its latest revision)")
    source.add_argument("--task-definition", type=Path, help="DescribeTaskDefinition JSON")
    render.add_argument("--cluster", help="with --family: the service's cluster")
    render.add_argument("--service", help="with --family: the service")
    render.add_argument("--container", required=True)
    render.add_argument("--image", required=True)
    render.add_argument("--output", type=Path)

    migrate_cmd = commands.add_parser("migrate", help="run the migration family, re-imaged, once")
    migrate_cmd.add_argument("--cluster", required=True)
    migrate_cmd.add_argument("--service", required=True, help="runs where this service runs")
    migrate_cmd.add_argument("--family", required=True, help="the migration's family")
    migrate_cmd.add_argument("--container", required=True)
    migrate_cmd.add_argument("--image", required=True)
    migrate_cmd.add_argument("--started-by", default="migrate")
    migrate_cmd.add_argument("--timeout-seconds", type=float, default=1800)
    migrate_cmd.add_argument("--poll-seconds", type=float, default=10)

    rollback_cmd = commands.add_parser("rollback", help="roll the service back and wait")
    rollback_cmd.add_argument("--cluster", required=True)
    rollback_cmd.add_argument("--service", required=True)
    rollback_cmd.add_argument("--task-definition", required=True)
    rollback_cmd.add_argument("--timeout-seconds", type=float, default=1200)
    rollback_cmd.add_argument("--poll-seconds", type=float, default=15)

    tag_cmd = commands.add_parser("tag-release", help="mark a live image as a release")
    tag_cmd.add_argument("--repository", required=True, help="ECR repository name")
    tag_cmd.add_argument("--tag", required=True, help="the image's tag (the commit SHA)")

    args = parser.parse_args(argv)
    try:
        if args.command == "tag-release":
            client = ecr if ecr is not None else boto3.client("ecr", region_name=args.region)
            release_tag = tag_release(client, args.repository, args.tag)
            print(f"{args.repository}:{args.tag} is {release_tag}")
            add_summary(f"- core: `{args.repository}:{args.tag}` kept as `{release_tag}`")
            return 0
        if args.command == "render" and args.task_definition is not None:
            described = json.loads(args.task_definition.read_text(encoding="utf-8"))
            _write(render_task_definition(described, args.container, args.image), args.output)
            return 0

        client = ecs if ecs is not None else _client(args.region)
        if args.command == "migrate":
            done = migrate(
                client,
                args.cluster,
                args.service,
                args.family,
                args.container,
                args.image,
                started_by=args.started_by,
                timeout_seconds=args.timeout_seconds,
                poll_seconds=args.poll_seconds,
            )
            set_output("migration_task_definition", done.task_definition)
            print(f"migrated: {done.task} of {done.task_definition} exited 0")
            add_summary(f"- migration: `{done.task_definition}` exited 0")
            return 0
        if args.command == "render":
            if not (args.cluster and args.service):
                parser.error("--family needs --cluster and --service")
            rendered = render_from_family(
                client, args.cluster, args.service, args.family, args.container, args.image
            )
            _write(rendered.request, args.output)
            if args.output:
                set_output("task_definition_file", str(args.output))
            set_output("base_task_definition", rendered.base_task_definition)
            set_output("previous_task_definition", rendered.previous_task_definition)
            set_output("subnets", ",".join(rendered.subnets))
            set_output("security_groups", ",".join(rendered.security_groups))
            print(
                f"{args.family}: {rendered.base_task_definition} with {args.image} "
                f"(the service runs {rendered.previous_task_definition})",
                file=sys.stderr,
            )
            add_summary(f"- core: `{rendered.base_task_definition}` re-imaged to `{args.image}`")
            return 0

        wait = {"timeout_seconds": args.timeout_seconds, "poll_seconds": args.poll_seconds}
        rollback(client, args.cluster, args.service, args.task_definition, **wait)
        add_summary(f"- core: `{args.service}` rolled back to `{args.task_definition}`")
    except DeployError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 1
    print("stable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
