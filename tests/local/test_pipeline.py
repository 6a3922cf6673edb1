"""The bucket's changes end to end (issue 18): what happens in the bucket, whichever way,
reaches GET /files/usage through a real queue and the file API's own handler.

In `make dev` (tests/support/stack.py): changes made through the API and straight
to SeaweedFS show in the usage; after 1,000 seeded random operations of every
kind the usage equals a recount of the tenant's version listing; the same
changes injected again, twice and shuffled, change nothing. In this process,
with the pipeline's own parts (dev/bucket_notifications.py) over the session's
SeaweedFS and Postgres: while the consumer's database is unreachable (a TCP
gate the test closes), the changes wait in the queue, and once it opens again
they are all recorded.
"""

from __future__ import annotations

import collections
import contextlib
import json
import random
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import boto3
import httpx
import psycopg
import pytest
from botocore.config import Config

from dev import DEV_BUCKET, seaweedfs
from dev.bucket_notifications import (
    BATCH_SIZE,
    BATCHING_WINDOW,
    FUNCTION_TIMEOUT,
    MAX_RECEIVE_COUNT,
    QUEUE_NAME,
    VISIBILITY_TIMEOUT,
    BucketChanges,
    BucketSource,
    EventSourceMapping,
    LocalQueue,
)
from dev.ports import free_port
from file_lambda.database import Database
from file_lambda.events import ledger
from file_lambda.events.consumer import Consumer
from file_lambda.events.notifications import parse_notification
from file_lambda.events.reconcile import walk
from file_lambda.storage.port import VersionEntry
from file_lambda.storage.s3 import S3Storage
from tests.support.files import BUCKET
from tests.support.stack import Stack

ROOT = Path(__file__).resolve().parents[2]
# Long enough for a listing, a 5 s batching window and a busy machine.
DRAIN_TIMEOUT = 90


# -- what the tests compare ----------------------------------------------------------


def answer_of(usage: ledger.Usage) -> dict[str, Any]:
    """A usage as GET /files/usage answers it."""

    def totals(t: ledger.Totals) -> dict[str, Any]:
        return {
            "current": {"size": t.current_bytes, "objects": t.current_objects},
            "all_versions": {"size": t.version_bytes, "objects": t.version_objects},
        }

    usage = usage.without_empty_folders()
    return {
        **totals(usage.total),
        "folders": [{"folder": folder, **totals(t)} for folder, t in sorted(usage.folders.items())],
    }


def recount(storage: S3Storage, tenant: str) -> dict[str, Any]:
    """The usage a full `list_object_versions` walk of the tenant's prefix adds up to."""
    root = f"tenants/{tenant}/"
    return answer_of(ledger.recount(walk(storage, root), root))


def settled(
    measure: Callable[[], dict[str, Any]],
    expect: Callable[[], dict[str, Any]],
    drained: Callable[[], bool],
    timeout: float = DRAIN_TIMEOUT,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Poll until the queue has drained and the usage equals the recount (or time is up);
    the last (usage, recount)."""
    deadline = time.monotonic() + timeout
    while True:
        got, wanted = measure(), expect()
        if (got == wanted and drained()) or time.monotonic() > deadline:
            return got, wanted
        time.sleep(0.5)


# -- make dev ----------------------------------------------------------------------------


class Tenant:
    """A fresh tenant of a running `make dev`, its owner's API client, and S3 as the stack
    serves it (keys from the banner)."""

    def __init__(self, stack: Stack) -> None:
        token, self.id = stack.new_tenant("Pipeline")
        self.api = httpx.Client(
            base_url=stack.api,
            headers={"Authorization": f"Bearer {token}", "X-Tenant-ID": self.id},
            timeout=30,
        )
        self.s3 = boto3.client(
            "s3",
            endpoint_url=stack.urls["s3"],
            aws_access_key_id=seaweedfs.ACCESS_KEY,
            aws_secret_access_key=seaweedfs.SECRET_KEY,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )
        self.storage = S3Storage(self.s3, DEV_BUCKET)
        self.queue = LocalQueue(int(stack.urls["queue"].rsplit(":", 1)[1]))
        sqs = self.queue.client()
        self.queue.url = sqs.get_queue_url(QueueName=QUEUE_NAME)["QueueUrl"]
        self.queue.dead_letter_url = sqs.get_queue_url(QueueName=f"{QUEUE_NAME}-dlq")["QueueUrl"]
        self.database = stack.urls["database"]

    def key(self, path: str) -> str:
        return f"tenants/{self.id}/{path}"

    def usage(self) -> dict[str, Any]:
        answer = self.api.get("/files/usage")
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def settled(self, timeout: float = DRAIN_TIMEOUT) -> tuple[dict[str, Any], dict[str, Any]]:
        return settled(
            self.usage,
            lambda: recount(self.storage, self.id),
            lambda: queued(self.queue) == 0,
            timeout,
        )


@pytest.fixture
def tenant(stack: Stack) -> Iterator[Tenant]:
    """A fresh tenant of the package's `make dev` (its client closed after: an open
    keep-alive connection would hold the stack's shutdown)."""
    made = Tenant(stack)
    yield made
    made.api.close()


def queued(queue: LocalQueue, url: str | None = None) -> int:
    """Messages in the queue, visible or being handled."""
    names = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    attributes = queue.attributes(url or queue.url, *names)
    return sum(int(attributes[name]) for name in names)


def presigned_post(tenant: Tenant, path: str, body: bytes) -> None:
    """A presigned POST, sent straight to S3 as a browser sends it."""
    answer = tenant.api.post(
        "/files/presigned-upload", params={"file_path": path, "overwrite": "true"}
    )
    assert answer.status_code == 200, answer.text
    form = answer.json()
    posted = httpx.post(
        form["url"], data=form["fields"], files={"file": (path.rsplit("/", 1)[-1], body)}
    )
    assert posted.status_code in (200, 201, 204), posted.text


def test_an_api_upload_and_a_presigned_post_show_in_the_usage(stack: Stack, tenant: Tenant) -> None:
    assert "Bucket changes" in stack.output()
    started = time.monotonic()
    uploaded = tenant.api.post(
        "/files/upload", params={"folder": "docs"}, files={"file": ("a.txt", b"a" * 11)}
    )
    assert uploaded.status_code == 201, uploaded.text
    presigned_post(tenant, "media/direct.bin", b"d" * 3000)

    usage, expected = tenant.settled()
    assert usage == expected
    assert usage["current"] == {"size": 3011, "objects": 2}
    assert [folder["folder"] for folder in usage["folders"]] == ["docs", "media"]
    print(f"in the usage after {time.monotonic() - started:.1f} s")


def test_a_form_posted_ten_times_over_the_quota_is_cut_back_to_the_quota(tenant: Tenant) -> None:
    """Through the watcher, the queue and the handler: each post over the quota is
    removed from SeaweedFS once its change is recorded (issue 25, item 1)."""
    with psycopg.connect(tenant.database, autocommit=True) as conn:
        conn.execute(
            "insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, 10000)",
            (tenant.id,),
        )
    answer = tenant.api.post(
        "/files/presigned-upload", params={"file_path": "replayed.bin", "max_size": 9000}
    )
    assert answer.status_code == 200, answer.text
    form = answer.json()
    for _ in range(10):
        posted = httpx.post(form["url"], data=form["fields"], files={"file": ("r", b"r" * 9000)})
        assert posted.status_code in (200, 201, 204), posted.text
    started = time.monotonic()
    usage, expected = tenant.settled()
    assert usage == expected
    assert usage["all_versions"] == {"size": 9000, "objects": 1}
    print(f"cut back to the quota {time.monotonic() - started:.1f} s after the last post")
    with psycopg.connect(tenant.database) as conn:
        rows = conn.execute(
            "select action, count(*) from public.audit_events"
            " where tenant_id = %s and source = 'bucket' group by action",
            (tenant.id,),
        ).fetchall()
    assert dict(rows) == {
        "object_created": 10,
        "version_removed": 9,
        "over_quota_version_removed": 9,
    }


# -- 1,000 operations ----------------------------------------------------------------------

FOLDERS = ("docs", "media", "reports", "")
SUBFOLDERS = ("", "", "tmp/")
NAMES = tuple(f"file-{n}.txt" for n in range(8))
# Relative weights of the operations.
MIX = {
    "upload": 14,
    "upload_multiple": 6,
    "presigned_post": 10,
    "multipart": 6,
    "copy": 8,
    "move": 6,
    "delete": 12,
    "folder_delete": 2,
    "restore_version": 8,
    "restore_deleted": 10,
    "purge": 8,
    "lifecycle_expiration": 10,
}


class Operations:
    """Random operations on one tenant, and a model of which of its files are live or in
    the trash, to pick sensible targets (the bucket, not the model, is what is checked)."""

    def __init__(self, tenant: Tenant, rng: random.Random) -> None:
        self.tenant, self.rng = tenant, rng
        self.live: set[str] = set()
        self.trashed: set[str] = set()
        self.done: collections.Counter[str] = collections.Counter()

    def path(self) -> str:
        folder = self.rng.choice(FOLDERS)
        sub = self.rng.choice(SUBFOLDERS)
        name = self.rng.choice(NAMES)
        return f"{folder}/{sub}{name}" if folder else f"{sub}{name}"

    def body(self) -> bytes:
        return self.rng.randbytes(self.rng.randint(0, 4000))

    def written(self, path: str) -> None:
        self.live.add(path)
        self.trashed.discard(path)

    def deleted(self, path: str) -> None:
        self.live.discard(path)
        self.trashed.add(path)

    def run(self) -> str:
        """One operation, chosen by MIX among those that have a target; its name."""
        while True:
            name = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
            if getattr(self, name)() is not False:
                self.done[name] += 1
                return name

    def expect(self, answer: httpx.Response, *statuses: int) -> dict[str, Any]:
        assert answer.status_code in statuses, (answer.request.url, answer.text)
        return answer.json() if answer.content else {}

    def upload(self) -> None:
        path = self.path()
        folder, _, name = path.rpartition("/")
        self.expect(
            self.tenant.api.post(
                "/files/upload",
                params={"folder": folder, "overwrite": "true"},
                files={"file": (name, self.body())},
            ),
            201,
        )
        self.written(path)

    def upload_multiple(self) -> None:
        folder = f"{self.rng.choice(FOLDERS[:3])}/{self.rng.choice(SUBFOLDERS)}".rstrip("/")
        names = self.rng.sample(NAMES, k=self.rng.randint(2, 4))
        self.expect(
            self.tenant.api.post(
                "/files/upload-multiple",
                params={"folder": folder, "overwrite": "true"},
                files=[("files", (name, self.body())) for name in names],
            ),
            201,
        )
        for name in names:
            self.written(f"{folder}/{name}")

    def presigned_post(self) -> None:
        path = self.path()
        presigned_post(self.tenant, path, self.body())
        self.written(path)

    def multipart(self) -> None:
        path, body = self.path(), self.body() or b"x"
        api = self.tenant.api
        created = self.expect(
            api.post("/files/multipart", json={"path": path, "size": len(body), "overwrite": True}),
            201,
        )
        upload = created["upload_id"]
        signed = self.expect(
            api.post(f"/files/multipart/{upload}/sign", json={"parts": [{"part_number": 1}]}), 200
        )
        [part] = signed["parts"]
        sent = httpx.put(part["url"], content=body, headers=part["headers"])
        assert sent.status_code == 200, sent.text
        self.expect(api.post(f"/files/multipart/{upload}/complete", json={}), 201)
        self.written(path)

    def _pair(self) -> tuple[str, str] | bool:
        if not self.live:
            return False
        source = self.rng.choice(sorted(self.live))
        destination = self.path()
        return (source, destination) if destination != source else False

    def copy(self) -> bool | None:
        pair = self._pair()
        if not isinstance(pair, tuple):
            return False
        source, destination = pair
        body = {"source": source, "destination": destination, "overwrite": True}
        self.expect(self.tenant.api.post("/files/copy", json=body), 201)
        self.written(destination)
        return None

    def move(self) -> bool | None:
        pair = self._pair()
        if not isinstance(pair, tuple):
            return False
        source, destination = pair
        body = {"source": source, "destination": destination, "overwrite": True}
        self.expect(self.tenant.api.post("/files/move", json=body), 200)
        self.deleted(source)
        self.written(destination)
        return None

    def delete(self) -> bool | None:
        if not self.live:
            return False
        path = self.rng.choice(sorted(self.live))
        self.expect(self.tenant.api.delete(f"/files/delete/{path}"), 204)
        self.deleted(path)
        return None

    def folder_delete(self) -> bool | None:
        folders = sorted({p.rpartition("/")[0] for p in self.live if "tmp/" in p})
        if not folders:
            return False
        folder = self.rng.choice(folders)
        self.expect(self.tenant.api.delete("/files/folder/delete", params={"path": folder}), 200)
        for path in [p for p in self.live if p.startswith(f"{folder}/")]:
            self.deleted(path)
        return None

    def _noncurrent(self, path: str) -> list[str]:
        """The version ids of the file's noncurrent versions (delete markers excluded)."""
        key = self.tenant.key(path)
        listed = self.tenant.s3.list_object_versions(Bucket=DEV_BUCKET, Prefix=key)
        return [
            v["VersionId"]
            for v in listed.get("Versions", [])
            if v["Key"] == key and not v["IsLatest"]
        ]

    def restore_version(self) -> bool | None:
        if not self.live:
            return False
        path = self.rng.choice(sorted(self.live))
        older = self._noncurrent(path)
        if not older:
            return False
        body = {"path": path, "version_id": self.rng.choice(older)}
        self.expect(self.tenant.api.post("/files/versions/restore", json=body), 201)
        return None

    def restore_deleted(self) -> bool | None:
        if not self.trashed:
            return False
        path = self.rng.choice(sorted(self.trashed))
        self.expect(self.tenant.api.post("/files/trash/restore", json={"path": path}), 200)
        self.written(path)
        return None

    def purge(self) -> bool | None:
        if not self.trashed:
            return False
        path = self.rng.choice(sorted(self.trashed))
        self.expect(self.tenant.api.post("/files/trash/purge", json={"path": path}), 200)
        self.trashed.discard(path)
        return None

    def lifecycle_expiration(self) -> bool | None:
        """As a lifecycle rule expires a noncurrent version: deleted for good, past the API."""
        candidates = sorted(self.live | self.trashed)
        self.rng.shuffle(candidates)
        for path in candidates[:5]:
            older = self._noncurrent(path)
            # A trashed file keeps one version at least, or it could not be restored.
            if len(older) > (path in self.trashed):
                self.tenant.s3.delete_object(
                    Bucket=DEV_BUCKET, Key=self.tenant.key(path), VersionId=self.rng.choice(older)
                )
                return None
        return False


@pytest.mark.slow
def test_after_1000_random_operations_the_usage_equals_a_recount(tenant: Tenant) -> None:
    operations = Operations(tenant, random.Random(18))
    started = time.monotonic()
    for _ in range(1000):
        operations.run()
    operated = time.monotonic() - started
    usage, expected = tenant.settled()
    drained = time.monotonic() - started - operated
    print(f"\n1,000 operations in {operated:.1f} s, drained {drained:.1f} s later")
    print(json.dumps(dict(sorted(operations.done.items())), indent=1))

    assert usage == expected
    assert set(operations.done) == set(MIX), "every kind of operation ran"
    assert {f["folder"] for f in usage["folders"]} >= {"docs", "media", "reports"}
    assert queued(tenant.queue, tenant.queue.dead_letter_url) == 0


def ledger_records(tenant: Tenant) -> list[dict[str, Any]]:
    """The notifications of every change the ledger recorded of the tenant, rebuilt from
    its rows: the same versions, sizes and sequencers the source sent."""
    with psycopg.connect(tenant.database, autocommit=True) as conn:
        rows = conn.execute(
            "select path, version_id, size, delete_marker, sequencer, removed"
            " from public.file_versions where tenant_id = %s",
            (tenant.id,),
        ).fetchall()
    records = []
    for path, version, size, marker, sequencer, removed in rows:
        obj: dict[str, Any] = {"key": tenant.key(path), "versionId": version}
        if sequencer is not None:
            obj["sequencer"] = sequencer
            if marker:
                records.append(("ObjectRemoved:DeleteMarkerCreated", obj))
            else:
                records.append(("ObjectCreated:Put", {**obj, "size": size}))
        if removed:
            records.append(("ObjectRemoved:Delete", {"key": obj["key"], "versionId": version}))
    return [
        {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "eventTime": "2026-11-30T12:00:00.000Z",
            "eventName": name,
            "s3": {"bucket": {"name": DEV_BUCKET}, "object": obj},
        }
        for name, obj in records
    ]


@pytest.mark.slow
def test_the_same_changes_twice_and_out_of_order_change_nothing(tenant: Tenant) -> None:
    operations = Operations(tenant, random.Random(7))
    for _ in range(60):
        operations.run()
    before, expected = tenant.settled()
    assert before == expected

    records = ledger_records(tenant)
    assert any(r["eventName"] == "ObjectRemoved:Delete" for r in records)
    again = records * 2
    random.Random(8).shuffle(again)
    tenant.queue.send(again)
    after, expected = tenant.settled()
    assert after == before == expected
    assert queued(tenant.queue, tenant.queue.dead_letter_url) == 0


# -- Postgres down, in this process ----------------------------------------------------


class Gate:
    """A TCP proxy to Postgres on a port of its own, that the test closes (connections cut,
    new ones refused) and opens again: the consumer's database, as far as it can tell."""

    def __init__(self, target: int) -> None:
        self.target, self.port = target, free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        for sock in [listener, *sockets]:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def gate(db_url: str) -> Iterator[tuple[Gate, str]]:
    target = int(re.search(r":(\d+)/", db_url).group(1))  # type: ignore[union-attr]
    proxy = Gate(target)
    proxy.open()
    try:
        yield proxy, db_url.replace(f":{target}/", f":{proxy.port}/")
    finally:
        proxy.close()


@pytest.mark.slow
def test_while_postgres_is_down_changes_wait_in_the_queue_and_none_is_lost(
    s3: Any, db_url: str, lambda_module: ModuleType, gate: tuple[Gate, str]
) -> None:
    proxy, gated_url = gate
    tenant = str(uuid.uuid4())
    root = f"tenants/{tenant}/"
    storage = S3Storage(s3, BUCKET)
    # Each message the consumer was handed: how many times SQS has delivered it.
    receives: dict[str, int] = {}

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        for item in event["Records"]:
            receives[item["messageId"]] = int(item["attributes"]["ApproximateReceiveCount"])
        answer: dict[str, Any] = lambda_module.handler(event, context)
        return answer

    # A visibility timeout of 3 s, not 180, and a 1 s window: seconds, not minutes.
    queue = LocalQueue(free_port(), name=f"outage-{tenant[:8]}", visibility_timeout=3)
    changes = BucketChanges(
        BucketSource(storage, BUCKET, prefix=root),
        queue,
        EventSourceMapping(queue, handler, window=1.0),
        interval=0.5,
    )
    # The handler's own consumer, its database behind the gate.
    consumer = lambda_module.consumer
    vars(lambda_module)["consumer"] = Consumer(Database(lambda: gated_url, timeout=1))
    db = Database(lambda: db_url)
    try:
        changes.start(db)

        def usage() -> dict[str, Any]:
            return answer_of(ledger.usage(db, tenant))

        def drained() -> bool:
            return queued(queue) == 0

        s3.put_object(Bucket=BUCKET, Key=f"{root}docs/before.txt", Body=b"b" * 10)
        assert settled(usage, lambda: recount(storage, tenant), drained, 30)[0]["current"] == {
            "size": 10,
            "objects": 1,
        }

        proxy.close()
        receives.clear()
        # Every kind of change S3 reports, straight to the bucket, while the database is away.
        for n in range(5):
            s3.put_object(Bucket=BUCKET, Key=f"{root}media/{n}.bin", Body=b"m" * (100 + n))
        s3.put_object(Bucket=BUCKET, Key=f"{root}docs/before.txt", Body=b"b" * 20)
        s3.delete_object(Bucket=BUCKET, Key=f"{root}media/0.bin")
        older = [
            e.version_id
            for e in walk(storage, f"{root}docs/before.txt")
            if not e.is_latest and not e.is_delete_marker
        ]
        s3.delete_object(Bucket=BUCKET, Key=f"{root}docs/before.txt", VersionId=older[0])
        sent = 5 + 1 + 1 + 1

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            len(receives) == sent and min(receives.values()) >= 3
        ):
            time.sleep(0.5)
        assert len(receives) == sent, receives
        assert min(receives.values()) >= 3, receives
        assert queued(queue) == sent, "every change waits in the queue"
        assert queued(queue, queue.dead_letter_url) == 0
        assert usage()["current"] == {"size": 10, "objects": 1}, "nothing recorded meanwhile"

        proxy.open()
        got, expected = settled(usage, lambda: recount(storage, tenant), drained, 60)
        assert got == expected
        assert got["current"] == {"size": 20 + 101 + 102 + 103 + 104, "objects": 5}
        assert queued(queue, queue.dead_letter_url) == 0
    finally:
        changes.stop()
        vars(lambda_module)["consumer"] = consumer
        db.close()


def test_at_start_a_tenant_changed_meanwhile_is_reconciled_and_only_it(
    s3: Any, db_url: str
) -> None:
    """What changed while `make dev` was stopped (or was still queued when it stopped)."""
    tenant = str(uuid.uuid4())
    root = f"tenants/{tenant}/"
    storage = S3Storage(s3, BUCKET)
    db = Database(lambda: db_url)
    try:
        s3.put_object(Bucket=BUCKET, Key=f"{root}docs/a.txt", Body=b"a" * 7)
        s3.put_object(Bucket=BUCKET, Key=f"{root}docs/a.txt", Body=b"a" * 9)
        s3.put_object(Bucket=BUCKET, Key=f"{root}gone.txt", Body=b"g")
        s3.delete_object(Bucket=BUCKET, Key=f"{root}gone.txt")
        source = BucketSource(storage, BUCKET, prefix=root)
        assert source.catch_up(db) == [tenant]
        assert answer_of(ledger.usage(db, tenant)) == recount(storage, tenant)
        assert BucketSource(storage, BUCKET, prefix=root).catch_up(db) == []
        # Watching starts from that listing: only what changes afterwards is sent.
        sent: list[dict[str, Any]] = []
        assert source.poll(sent.extend) == 0
        s3.put_object(Bucket=BUCKET, Key=f"{root}docs/a.txt", Body=b"a")
        assert source.poll(sent.extend) == 1
        assert sent[0]["eventName"] == "ObjectCreated:Put"
    finally:
        db.close()


def test_a_keys_changes_within_one_second_keep_their_order(s3: Any, db_url: str) -> None:
    """Listings give seconds only, and versions and delete markers apart: the sequencers
    must still follow the order the changes were made in, or a restore from the trash
    would leave the wrong version current in the ledger."""
    root = f"tenants/{uuid.uuid4()}/"
    key = f"{root}docs/a.txt"
    source = BucketSource(S3Storage(s3, BUCKET), BUCKET, prefix=root)
    made = []
    for size in (1, 2, 3):
        made.append(s3.put_object(Bucket=BUCKET, Key=key, Body=b"x" * size)["VersionId"])
        made.append(s3.delete_object(Bucket=BUCKET, Key=key)["VersionId"])
    sent: list[dict[str, Any]] = []
    assert source.poll(sent.extend) == 6
    in_order = sorted(sent, key=lambda r: r["s3"]["object"]["sequencer"])
    assert [r["s3"]["object"]["versionId"] for r in in_order] == made


def seaweed_version_id(made_ns: int) -> str:
    """A version id as SeaweedFS makes it: the time counted down, then random digits."""
    return f"{2**63 - 1 - made_ns:016x}{random.getrandbits(64):016x}"


def test_a_put_and_the_delete_right_after_it_keep_their_order_while_the_latest_lags(
    monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    """SeaweedFS writes a delete marker first and points its key's latest at it after: a
    listing in between flags the version before it as the latest (a race test of the
    watcher against SeaweedFS saw it in 20 listings of 300 puts and deletes). The
    sequencers must still follow the order of the changes, or the ledger counts the
    deleted file as current."""
    tenant = str(uuid.uuid4())
    root = f"tenants/{tenant}/"
    key = f"{root}media/a.txt"
    made = 1_796_000_000_500_000_000  # nanoseconds: both in one second of the listing
    second = datetime.fromtimestamp(made // 10**9, UTC)
    version = VersionEntry(key, seaweed_version_id(made), 5, '"e"', second, True, False)
    marker = VersionEntry(key, seaweed_version_id(made + 40_000_000), 0, "", second, False, True)
    source = BucketSource(cast(S3Storage, None), BUCKET, prefix=root)
    monkeypatch.setattr(source, "listing", lambda: [version, marker])
    sent: list[dict[str, Any]] = []
    assert source.poll(sent.extend) == 2
    in_order = sorted(sent, key=lambda r: r["s3"]["object"]["sequencer"])
    assert [r["s3"]["object"]["versionId"] for r in in_order] == [
        version.version_id,
        marker.version_id,
    ]
    db = Database(lambda: db_url)
    try:
        for change in parse_notification({"Records": sent}):
            ledger.record(db, change)
        assert ledger.usage(db, tenant).folders["media"] == ledger.Totals(0, 0, 5, 1)
    finally:
        db.close()


def test_the_local_queue_is_configured_as_terraform_configures_it() -> None:
    variables = (ROOT / "terraform/modules/events/variables.tf").read_text()

    def default(name: str) -> str:
        block = re.search(rf'variable "{name}" {{(.*?)\n}}', variables, re.S)
        assert block is not None, name
        found = re.search(r"default\s*=\s*(\S+)", block.group(1))
        assert found is not None, name
        return found.group(1)

    assert int(default("max_receive_count")) == MAX_RECEIVE_COUNT
    assert int(default("batch_size")) == BATCH_SIZE
    assert float(default("batching_window_seconds")) == BATCHING_WINDOW
    main = (ROOT / "terraform/modules/events/main.tf").read_text()
    assert "visibility_timeout_seconds = 6 * var.function_timeout" in main
    assert VISIBILITY_TIMEOUT == 6 * FUNCTION_TIMEOUT
    template = (ROOT / "template.yaml").read_text()
    assert re.search(rf"\n\s+Timeout: {FUNCTION_TIMEOUT}\n", template)
