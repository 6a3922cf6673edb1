"""The bucket's changes in `make dev`: S3's notifications, a queue and its event source mapping.

On AWS (terraform/modules/events) the bucket notifies an SQS queue of every
change under `tenants/`, and an event source mapping hands the queue's
messages to `file_lambda.handler.handler` in batches. Locally only the first
link is missing, since SeaweedFS sends no notifications, so only that link is
emulated, at the boundary:

- `BucketSource` watches what the bucket really holds: it lists every version
  and delete marker under the prefix (`list_object_versions`) once a second
  and diffs each listing against the last one. A new version becomes
  `ObjectCreated:*`, a new delete marker `ObjectRemoved:DeleteMarkerCreated`,
  a version or marker gone for good `ObjectRemoved:Delete` with its version
  id, whatever made the change: the API, a presigned POST or a part PUT
  straight to SeaweedFS, a purge, a lifecycle rule, a developer's `aws s3`.
  Each record is one message, as S3 sends them. Sequencers grow with the
  clock, so a key's events are ordered as S3 orders them, across restarts
  too. A version must be missing from two listings in a row before it is
  reported gone: a listing paged while the bucket changes must not remove
  for good what it merely skipped.
- `LocalQueue`: moto's SQS in this process, with the dead-letter queue and
  the redrive policy Terraform sets (maxReceiveCount 1,000, visibility
  timeout six times the function's timeout).
- `EventSourceMapping`: what Lambda's poller does: up to 100 messages or what
  arrived within 5 s, handed to the handler as the SQS event Lambda builds;
  the messages it does not name in `batchItemFailures` are deleted, the
  others come back after the visibility timeout, and after 1,000 receives
  rest in the dead-letter queue.
- With a `Scanner` (dev/scanner.py), each new version the source reports is
  scanned as GuardDuty scans it, and its verdict put on the same queue.

The queue lives in memory and is gone when `make dev` stops, so at start
`BucketSource.catch_up` compares the ledger with the bucket and reconciles
each tenant whose ledger disagrees (`ledger.reconcile`, what `python -m
file_lambda.events.reconcile` does). That is safe then, and only then: the
queue is new and empty, so no change is still on its way. Changes made while
`make dev` was stopped, or queued when it stopped, are not lost.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import boto3

from dev.alb import LambdaContext
from dev.scanner import Scanner
from file_lambda.events import ledger
from file_lambda.events.notifications import tenant_path
from file_lambda.events.reconcile import walk
from file_lambda.storage.port import StorageUnavailable, VersionEntry
from file_lambda.storage.s3 import S3Storage

log = logging.getLogger(__name__)

# As Terraform sets them: terraform/modules/events (its defaults) and the function's
# timeout (lambda_timeout, template.yaml's Timeout). tests/local/test_pipeline.py checks.
FUNCTION_TIMEOUT = 30
VISIBILITY_TIMEOUT = 6 * FUNCTION_TIMEOUT
MAX_RECEIVE_COUNT = 1000
BATCH_SIZE = 100
BATCHING_WINDOW = 5.0
TENANTS_PREFIX = "tenants/"
QUEUE_NAME = "snsd-local-bucket-changes"
# ElasticMQ's port, where local SQS usually listens.
DEFAULT_QUEUE_PORT = 9324
REGION = "us-east-1"
# The only ReceiveMessage and DeleteMessageBatch allow.
SQS_MAX_MESSAGES = 10
# The watcher looks whether the stack stops after sending this many records.
STOP_CHECK_RECORDS = 100

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class Sequencers:
    """S3's sequencers for one key grow in the order of its events: here, with the clock
    (nanoseconds, 16 hex digits), so they keep growing across restarts."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            self._last = max(time.time_ns(), self._last + 1)
            return f"{self._last:016X}"


def notification(
    event_name: str, bucket: str, entry: VersionEntry, sequencer: str
) -> dict[str, Any]:
    """One record as S3 sends it (event message structure 2.1), its key URL-encoded."""
    obj: dict[str, Any] = {
        "key": quote_plus(entry.key, safe="/"),
        "versionId": entry.version_id,
        "sequencer": sequencer,
    }
    if event_name.startswith("ObjectCreated:"):
        obj |= {"size": entry.size, "eTag": entry.etag.strip('"')}
    now = datetime.now(UTC)
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "eventName": event_name,
        "userIdentity": {"principalId": "local"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper()},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "tenant-object-changes",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": obj,
        },
    }


def created_event(entry: VersionEntry) -> str:
    if entry.is_delete_marker:
        return "ObjectRemoved:DeleteMarkerCreated"
    # A multipart upload's ETag ends in -<parts>; a put, a POST and a copy look alike.
    return "ObjectCreated:CompleteMultipartUpload" if "-" in entry.etag else "ObjectCreated:Put"


# SeaweedFS's version ids: 16 hex digits of the time they were made (nanoseconds,
# counted down from 2**63 - 1; counted up in its older format, below this), then 16
# random ones (weed/s3api/s3api_version_id.go).
SEAWEED_VERSION_ID = re.compile(r"[0-9a-f]{32}")
_INVERTED_FROM = 0x4000000000000000
_NEWEST = 2**63 - 1


def made_at(entry: VersionEntry) -> int:
    """When SeaweedFS made the entry, in nanoseconds since the epoch: from its version id,
    or, for an id that is not SeaweedFS's (the "null" version of an object written before
    versioning), from the listing's time, which gives seconds only."""
    if not SEAWEED_VERSION_ID.fullmatch(entry.version_id):
        return int(entry.last_modified.timestamp()) * 1_000_000_000
    stamp = int(entry.version_id[:16], 16)
    return _NEWEST - stamp if stamp > _INVERTED_FROM else stamp


def oldest_first(entries: list[VersionEntry]) -> list[VersionEntry]:
    """Each key's entries in the order they were made, by the time in their version ids.

    Not by the listing's IsLatest: SeaweedFS writes a new version or delete marker first
    and moves the key's latest pointer to it after, so a listing in between flags the
    previous entry as the latest. Ordered latest last, a put and the delete just after it,
    listed together, got their sequencers swapped, and the ledger counted the deleted file
    as current. Nor by the listing's time alone: it gives seconds only.
    """
    return sorted(entries, key=lambda e: (e.key, made_at(e)))


Id = tuple[str, str]  # (key, version id)


@dataclass
class BucketSource:
    """Turns what happens in the bucket under `prefix` into S3's notification records."""

    storage: S3Storage
    bucket: str
    prefix: str = TENANTS_PREFIX
    sequencers: Sequencers = field(default_factory=Sequencers)
    # Told of each new version once its records are sent (the malware scanner).
    on_created: Callable[[list[VersionEntry]], None] | None = None
    known: dict[Id, VersionEntry] = field(default_factory=dict)
    # Versions missing from the last listing: reported gone when missing again.
    missing: set[Id] = field(default_factory=set)

    def listing(self) -> list[VersionEntry]:
        return list(walk(self.storage, self.prefix))

    def catch_up(self, db: ledger.Database) -> list[str]:
        """Reconcile every tenant whose ledger disagrees with the bucket (the queue must be
        empty); start watching from this listing. Returns the tenants reconciled."""
        entries = self.listing()
        self.known = {(e.key, e.version_id): e for e in entries}
        by_tenant: dict[str, list[VersionEntry]] = {}
        for entry in entries:
            located = tenant_path(entry.key)
            if located is not None:
                by_tenant.setdefault(located[0], []).append(entry)
        recorded: dict[str, set[tuple[str, str, bool]]] = {}
        for tenant, path, version, marker in db.execute(
            "select tenant_id::text, path, version_id, delete_marker from public.file_versions"
            " where not removed and sequencer is not null"
        ):
            if f"{TENANTS_PREFIX}{tenant}/{path}".startswith(self.prefix):
                recorded.setdefault(tenant, set()).add((path, version, marker))
        reconciled = []
        for tenant in sorted(by_tenant.keys() | recorded.keys()):
            root = f"{TENANTS_PREFIX}{tenant}/"
            listed = by_tenant.get(tenant, [])
            held = {(e.key.removeprefix(root), e.version_id, e.is_delete_marker) for e in listed}
            counted = ledger.recount(listed, root).without_empty_folders()
            if held != recorded.get(tenant, set()) or counted != ledger.usage(db, tenant):
                ledger.reconcile(db, tenant, listed)
                reconciled.append(tenant)
        return reconciled

    def poll(self, send: Callable[[list[dict[str, Any]]], None]) -> int:
        """Send the records of what changed since the last listing, then adopt this
        listing (not before: a send that fails is tried again from the same state)."""
        entries = self.listing()
        listed = {(e.key, e.version_id): e for e in entries}
        records = []
        new = oldest_first([e for e in entries if (e.key, e.version_id) not in self.known])
        for entry in new:
            event = created_event(entry)
            records.append(notification(event, self.bucket, entry, self.sequencers.next()))
        absent = self.known.keys() - listed.keys()
        gone = absent & self.missing
        for id_ in sorted(gone):
            entry = self.known[id_]
            records.append(
                notification("ObjectRemoved:Delete", self.bucket, entry, self.sequencers.next())
            )
        if records:
            send(records)
            log.info("bucket source: %d changes sent to the queue", len(records))
        created = [entry for entry in new if not entry.is_delete_marker]
        if created and self.on_created is not None:
            self.on_created(created)
        self.missing = absent - gone
        self.known = {id_: e for id_, e in self.known.items() if id_ not in gone} | listed
        return len(records)


def _moto_on_socket(sock: socket.socket) -> Any:
    """moto's ThreadedMotoServer serving on an already bound socket (werkzeug's `fd`)."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class OnSocket(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = DomainDispatcherApplication(create_backend_app)
            # werkzeug serves on a duplicate of the descriptor; ours is closed with it.
            self._server = make_server(
                "127.0.0.1",
                sock.getsockname()[1],
                app,
                True,
                request_handler=MotoRequestHandler,
                fd=sock.fileno(),
            )
            sock.close()
            self._server_ready_event.set()
            self._server.serve_forever()

    return OnSocket(ip_address="127.0.0.1", port=sock.getsockname()[1], verbose=False)


@dataclass
class LocalQueue:
    """moto's SQS on 127.0.0.1: the queue and its dead-letter queue, as Terraform makes them."""

    port: int
    name: str = QUEUE_NAME
    visibility_timeout: int = VISIBILITY_TIMEOUT
    max_receive_count: int = MAX_RECEIVE_COUNT
    url: str = ""
    arn: str = ""
    dead_letter_url: str = ""
    # Bound and listening already (dev/ports.py `bind_first`): moto serves on this very
    # socket, so no other process can take `port` between its choice and the server.
    sock: socket.socket | None = None
    _server: Any = None
    _clients: threading.local = field(default_factory=threading.local)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        """This thread's SQS client (boto3's default session is no thread's to share)."""
        sqs = getattr(self._clients, "sqs", None)
        if sqs is None:
            sqs = self._clients.sqs = self._new_client()
        return sqs

    def _new_client(self) -> Any:
        # Any keys do for moto; never the developer's (nothing here reaches AWS).
        return boto3.session.Session().client(
            "sqs",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def start(self) -> None:
        from moto.server import ThreadedMotoServer

        # One line per request otherwise.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        if self.sock is None:
            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        else:
            self._server = _moto_on_socket(self.sock)
        self._server.start()
        sqs = self.client()
        self.dead_letter_url = sqs.create_queue(
            QueueName=f"{self.name}-dlq", Attributes={"MessageRetentionPeriod": "1209600"}
        )["QueueUrl"]
        dead_letter_arn = self.attributes(self.dead_letter_url, "QueueArn")["QueueArn"]
        redrive = {
            "deadLetterTargetArn": dead_letter_arn,
            "maxReceiveCount": self.max_receive_count,
        }
        self.url = sqs.create_queue(
            QueueName=self.name,
            Attributes={
                "VisibilityTimeout": str(self.visibility_timeout),
                "MessageRetentionPeriod": "1209600",
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        self.arn = self.attributes(self.url, "QueueArn")["QueueArn"]

    def attributes(self, url: str, *names: str) -> dict[str, str]:
        answer = self.client().get_queue_attributes(QueueUrl=url, AttributeNames=list(names))
        return dict(answer["Attributes"])

    def send(self, records: Iterable[dict[str, Any]]) -> None:
        """One message per record, as S3 sends them."""
        self.send_events({"Records": [item]} for item in records)

    def send_events(self, events: Iterable[dict[str, Any]]) -> None:
        """One message per event, its body the event itself (as S3 sends its notifications,
        and as an EventBridge rule's SQS target receives events)."""
        sqs = self.client()
        bodies = [json.dumps(event) for event in events]
        for start in range(0, len(bodies), SQS_MAX_MESSAGES):
            chunk = bodies[start : start + SQS_MAX_MESSAGES]
            answer = sqs.send_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)],
            )
            if answer.get("Failed"):
                raise RuntimeError(f"the queue refused {len(answer['Failed'])} messages")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def _lambda_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One message as Lambda's SQS event carries it."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            name: attributes[name]
            for name in (
                "ApproximateReceiveCount",
                "SentTimestamp",
                "SenderId",
                "ApproximateFirstReceiveTimestamp",
            )
            if name in attributes
        },
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def failed_ids(response: Any, ids: set[str]) -> set[str]:
    """The messages to leave in the queue: those named in `batchItemFailures`, or all of
    them when the answer is not a valid partial-failure report (as Lambda reads it)."""
    if not isinstance(response, dict):
        return ids
    failures = response.get("batchItemFailures") or []
    named = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in ids:
            return ids
        named.add(identifier)
    return named


@dataclass
class EventSourceMapping:
    """Lambda's SQS poller for one function: batches in, successes deleted."""

    queue: LocalQueue
    handler: Handler
    batch_size: int = BATCH_SIZE
    window: float = BATCHING_WINDOW
    batches: int = 0
    delivered: int = 0
    failed: int = 0

    def batch(self, stop: threading.Event) -> list[dict[str, Any]]:
        """Up to `batch_size` messages, or what arrived within `window` of the first."""
        sqs = self.queue.client()
        messages: list[dict[str, Any]] = []
        deadline: float | None = None
        while len(messages) < self.batch_size and not stop.is_set():
            left = 1.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                break
            answer = sqs.receive_message(
                QueueUrl=self.queue.url,
                MaxNumberOfMessages=min(SQS_MAX_MESSAGES, self.batch_size - len(messages)),
                WaitTimeSeconds=max(0, min(1, int(left))),
                AttributeNames=["All"],
            )
            received = answer.get("Messages", [])
            if received and deadline is None:
                deadline = time.monotonic() + self.window
            messages += received
            if not received and deadline is None:
                return []
        return messages

    def deliver(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [_lambda_record(m, self.queue.arn) for m in messages]}
        ids = {m["MessageId"] for m in messages}
        try:
            response = self.handler(event, LambdaContext())
        except Exception:
            # A function error: the whole batch comes back.
            log.exception("the consumer failed a batch of %d", len(messages))
            response = None
        failed = failed_ids(response, ids)
        done = [m for m in messages if m["MessageId"] not in failed]
        sqs = self.queue.client()
        for start in range(0, len(done), SQS_MAX_MESSAGES):
            chunk = done[start : start + SQS_MAX_MESSAGES]
            sqs.delete_message_batch(
                QueueUrl=self.queue.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )
        self.batches += 1
        self.delivered += len(done)
        self.failed += len(failed)
        log.info(
            "event source mapping: batch of %d, %d deleted, %d left in the queue",
            len(messages),
            len(done),
            len(failed),
        )

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                messages = self.batch(stop)
                if messages:
                    self.deliver(messages)
            except Exception:
                log.exception("the event source mapping could not poll the queue")
                stop.wait(1)


class _Stopping(Exception):
    """The stack stops while the watcher sends a listing's changes."""


@dataclass
class BucketChanges:
    """The pipeline: the source, the queue and the event source mapping, each on a thread;
    with a `scanner`, each new version is scanned too (dev/scanner.py), on its own threads."""

    source: BucketSource
    queue: LocalQueue
    mapping: EventSourceMapping
    interval: float = 1.0
    scanner: Scanner | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, db: ledger.Database) -> list[str]:
        """Start the queue, catch up with the bucket, then watch and deliver; returns the
        tenants reconciled at start."""
        self.queue.start()
        try:
            reconciled = self.source.catch_up(db)
            if self.scanner is not None:
                self._start_scanner(self.scanner, db)
            for name, target in (
                ("bucket-source", self._watch),
                ("event-source", self.mapping.run),
            ):
                thread = threading.Thread(target=target, args=(self._stop,), name=name, daemon=True)
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.stop()
            raise
        return reconciled

    def _start_scanner(self, scanner: Scanner, db: ledger.Database) -> None:
        """Scan what the watcher reports from now on, and what the bucket held at start
        without a verdict (made while `make dev` was stopped, or before it had a scanner)."""
        scanner.start()
        self.source.on_created = scanner.submit
        verdicts = {
            (f"{TENANTS_PREFIX}{tenant}/{path}", version)
            for tenant, path, version in db.execute(
                "select tenant_id::text, path, version_id from public.file_scans"
            )
        }
        waiting = scanner.catch_up(self.source.known.values(), verdicts)
        if waiting:
            log.info("scanner: %d versions without a verdict at start", waiting)

    def _watch(self, stop: threading.Event) -> None:
        bucket_away = False
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.source.poll(lambda records: self._send_unless_stopping(records, stop))
            except _Stopping:
                return  # this listing is not adopted: the next start catches up from the bucket
            except StorageUnavailable:
                # The bucket is away (S3 stopped): the next listing diffs from the last
                # good one. Said once an outage, without a traceback: nothing is wrong here.
                if not bucket_away:
                    log.warning("bucket source: S3 does not answer; retrying every second")
                bucket_away = True
            except Exception:
                log.exception("could not list the bucket's changes")
            else:
                if bucket_away:
                    log.info("bucket source: S3 answers again")
                bucket_away = False
            stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def _send_unless_stopping(self, records: list[dict[str, Any]], stop: threading.Event) -> None:
        """Send in chunks, and give up between two when the stack stops: a burst of thousands
        of changes takes the local queue seconds, which a Ctrl-C must not wait for (the
        hardening suite's stack once took over a minute to stop after its load test)."""
        for start in range(0, len(records), STOP_CHECK_RECORDS):
            if stop.is_set():
                raise _Stopping
            self.queue.send(records[start : start + STOP_CHECK_RECORDS])

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        if self.scanner is not None:
            self.scanner.stop()
        self.queue.stop()
