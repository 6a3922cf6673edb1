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
- a burst of invitations sent by eight clients at once, spread over four tenants
  (each within its own budget): deliveries per second at the receiver, from the first
  arrival to the last; and the same burst from one tenant, which its budget holds to
  its rate (`webhooks.deliveries.TENANT_RATE`) once its burst allowance is spent.

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
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks import Webhook, WebhookVerificationError

from bench.stats import Row, Spread
from tests.support.domain import Domain
from tests.support.stack import start_stack
from webhooks.deliveries import TENANT_BURST, TENANT_RATE

TIMEOUT = 60.0
SENDERS = 8
# The bursts spread over this many tenants, each within its own budget.
SPREAD = 4


class Receiver:
    """Verifies each delivery and notes when each event first arrived."""

    def __init__(self) -> None:
        self.secrets: list[str] = []  # one endpoint's per tenant
        self.arrived: dict[str, float] = {}  # the event's `data` key -> time.monotonic()
        self.condition = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                payload = receiver.verify(body, dict(self.headers.items()))
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

    def verify(self, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        """Verified by the secret of the endpoint it was sent to (one of the tenants')."""
        for secret in self.secrets:
            try:
                verified: dict[str, Any] = Webhook(secret).verify(body, headers)
                return verified
            except WebhookVerificationError:
                continue
        raise WebhookVerificationError("no endpoint's secret verifies it")

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


@dataclass
class Tenant:
    """A tenant of the stack whose endpoint is the receiver, and a client of its owner's."""

    api: httpx.Client
    id: str

    def invite(self) -> tuple[str, float]:
        email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
        answer = self.api.post(f"/tenants/{self.id}/invitations", json={"email": email})
        answer.raise_for_status()
        return email, time.monotonic()

    def upload(self) -> tuple[str, float]:
        path = f"bench/{uuid.uuid4().hex[:12]}.txt"
        answer = self.api.post(
            "/files/upload",
            params={"folder": "bench"},
            files={"file": (path.rsplit("/", 1)[1], b"bench")},
        )
        answer.raise_for_status()
        return path, time.monotonic()


def _tenant(domain: Domain, receiver: Receiver) -> Tenant:
    owner, tenant = domain.owner_of_new_tenant("Bench")
    api = domain.client(owner.token, tenant)
    created = api.post(
        f"/tenants/{tenant}/webhooks",
        json={"url": receiver.url, "event_types": ["member.invited", "file.created"]},
    )
    created.raise_for_status()
    receiver.secrets.append(created.json()["secret"])
    return Tenant(api, tenant)


def _burst(receiver: Receiver, tenants: list[Tenant], burst: int) -> tuple[float, float]:
    """Invitations sent by eight clients at once, spread over `tenants`: (deliveries a
    second from the first arrival to the last, invitations sent a second)."""
    sending = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        sent = list(pool.map(lambda i: tenants[i % len(tenants)].invite()[0], range(burst)))
    sending = time.monotonic() - sending
    last = max(receiver.wait(email) for email in sent)
    first = min(receiver.arrived[email] for email in sent)
    return burst / max(last - first, 1e-9), burst / sending


def measure(lone: int, burst: int) -> list[Row]:
    state_dir = Path(tempfile.mkdtemp(prefix="snsd-bench-webhooks-"))
    stack = start_stack(state_dir)
    receiver = Receiver()
    tenants: list[Tenant] = []
    try:
        domain = Domain(stack)
        tenants = [_tenant(domain, receiver) for _ in range(SPREAD + 1)]
        alone, spread = tenants[0], tenants[1:]
        invited = []
        for _ in range(lone):
            email, answered = alone.invite()
            invited.append(receiver.wait(email) - answered)
        uploaded = []
        for _ in range(lone):
            path, answered = alone.upload()
            uploaded.append(receiver.wait(path) - answered)
        one_rate, one_sent = _burst(receiver, [alone], burst)
        many_rate, many_sent = _burst(receiver, spread, burst)
    finally:
        for tenant in tenants:
            tenant.api.close()
        receiver.stop()
        try:
            stack.stop_cleanly()
        finally:
            shutil.rmtree(state_dir, ignore_errors=True)
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
            "watcher's 1 s listing, the bucket-changes queue's 5 s window, the consumer's"
            " relay, the delivery queue",
        ),
        Row(
            "webhook_throughput",
            f"Webhooks: {burst} invitations over {SPREAD} tenants, deliveries a second",
            Spread.of([many_rate]),
            None,
            f"at the receiver, first arrival to last; sent at {many_sent:.0f}/s by"
            f" {SENDERS} clients; each tenant within its burst of {TENANT_BURST:g}",
            {"deliveries": burst, "tenants": SPREAD, "sent_per_second": many_sent},
            "calls",
        ),
        Row(
            "webhook_throughput_one_tenant",
            f"Webhooks: {burst} invitations of one tenant, deliveries a second",
            Spread.of([one_rate]),
            None,
            f"sent at {one_sent:.0f}/s; past its burst of {TENANT_BURST:g} a tenant is held to"
            f" {TENANT_RATE:g} a second (private.webhook_tenant_budget), so that its burst"
            " does not hold back another tenant's deliveries",
            {"deliveries": burst, "sent_per_second": one_sent},
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
