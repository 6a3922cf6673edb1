"""`webhook_latency_*` and `webhook_throughput`: from an API write to the receiver's verified
delivery, through `make dev` itself (tests/support/stack.py starts it on free ports).

A receiver on loopback verifies every delivery with the official `standardwebhooks`
library and notes when each `webhook-id` arrived. Measured:

- a member's invitation (`member.invited`): the core writes the event in the
  invitation's transaction and wakes the relay after its answer; the delivery
  queue's mapping (its 0.5 s batching window) hands it to the delivery function;
- a file's upload (`file.created`): the bucket's change reaches Postgres through the
  bucket watcher (a listing each second) and the bucket-changes queue (its 5 s
  batching window), whose consumer writes the event and relays the batch;
- a burst of invitations, sent by eight clients at once:
  deliveries per second at the receiver, from the first arrival to the last.

No floor: the times are the pipeline's windows and round trips, listed per row. In
AWS the bucket's changes arrive by S3's notification (no listing) and the windows are
Terraform's (docs/decisions/webhooks.md).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks import Webhook

from bench.stats import Row, Spread
from tests.support.domain import Domain
from tests.support.stack import start_stack

TIMEOUT = 60.0
SENDERS = 8


class Receiver:
    """Verifies each delivery and notes when each event first arrived."""

    def __init__(self) -> None:
        self.secret = ""
        self.arrived: dict[str, float] = {}  # the event's `data` key -> time.monotonic()
        self.condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                payload = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                data = payload["data"]
                key = str(data.get("email") or data.get("path") or data.get("endpoint_id"))
                with receiver.condition:
                    receiver.arrived.setdefault(key, time.monotonic())
                    receiver.condition.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def wait(self, key: str) -> float:
        with self.condition:
            if not self.condition.wait_for(lambda: key in self.arrived, TIMEOUT):
                raise RuntimeError(f"no delivery for {key} in {TIMEOUT:g} s")
            return self.arrived[key]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def measure(lone: int, burst: int) -> list[Row]:
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-bench-webhooks-"))
    stack = start_stack(state_dir)
    receiver = Receiver()
    try:
        domain = Domain(stack)
        owner, tenant = domain.owner_of_new_tenant("Bench")
        with domain.client(owner.token, tenant) as api:
            created = api.post(
                f"/tenants/{tenant}/webhooks",
                json={"url": receiver.url, "event_types": ["member.invited", "file.created"]},
            )
            created.raise_for_status()
            receiver.secret = created.json()["secret"]

            def invite() -> tuple[str, float]:
                email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
                answer = api.post(f"/tenants/{tenant}/invitations", json={"email": email})
                answer.raise_for_status()
                return email, time.monotonic()

            def upload() -> tuple[str, float]:
                path = f"bench/{uuid.uuid4().hex[:12]}.txt"
                answer = api.post(
                    "/files/upload",
                    params={"folder": "bench"},
                    files={"file": (path.rsplit("/", 1)[1], b"bench")},
                )
                answer.raise_for_status()
                return path, time.monotonic()

            invited = []
            for _ in range(lone):
                email, answered = invite()
                invited.append(receiver.wait(email) - answered)
            uploaded = []
            for _ in range(lone):
                path, answered = upload()
                uploaded.append(receiver.wait(path) - answered)
            # Sent by eight clients at once, faster than one at a time: the delivery side,
            # not the sending, should set the pace (the detail gives both rates).
            sending = time.monotonic()
            with ThreadPoolExecutor(SENDERS) as pool:
                sent = [email for email, _ in pool.map(lambda _: invite(), range(burst))]
            sending = time.monotonic() - sending
            last = max(receiver.wait(email) for email in sent)
            first = min(receiver.arrived[email] for email in sent)
    finally:
        receiver.stop()
        try:
            stack.stop_cleanly()
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
    rate = burst / max(last - first, 1e-9)
    return [
        _latency(
            "webhook_latency_core",
            "member.invited",
            invited,
            "core's relay after its answer, the delivery queue's 0.5 s window",
        ),
        _latency(
            "webhook_latency_bucket",
            "file.created",
            uploaded,
            "watcher's 1 s listing, the"
            " bucket-changes queue's 5 s window, the consumer's relay, the delivery queue",
        ),
        Row(
            "webhook_throughput",
            f"Webhooks: a burst of {burst} invitations, deliveries per second at the receiver",
            Spread.of([rate]),
            None,
            f"first to last arrival {last - first:.2f} s; the invitations took"
            f" {sending:.2f} s to send ({burst / sending:.0f}/s, {SENDERS} clients)",
            {"deliveries": burst, "seconds": last - first},
            "calls",
        ),
    ]


def _latency(key: str, event: str, seconds: list[float], phases: str) -> Row:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return Row(
        key,
        f"Webhooks: API answer to the receiver's verified `{event}` (make dev)",
        Spread.of(seconds),
        None,
        f"{len(seconds)} lone writes; p50 {statistics.median(seconds):.2f} s, p99 {p99:.2f} s;"
        f" {phases}",
        {"seconds": seconds},
        "s",
    )
