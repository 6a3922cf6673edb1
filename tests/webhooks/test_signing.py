"""webhooks/signing.py against the official `standardwebhooks` library, as a receiver uses it.

The library is the judge: every delivery we sign must pass `Webhook(secret).verify`, and
what an attacker or a broken network could change must fail it. Its tolerance is 5
minutes either side of the receiver's clock (`Webhook.__verify_timestamp`, 1.3.0).
"""

from __future__ import annotations

import base64
import json
import string
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks import Webhook, WebhookVerificationError

from webhooks.delivery import Sender
from webhooks.signing import (
    ROTATION_OVERLAP,
    EndpointSecrets,
    Message,
    SignedDelivery,
    new_message,
    new_secret,
    secret_key,
    sign,
    webhook_id,
)

EVENT_ID = uuid.UUID("0b7f3c5e-6f7a-4d4e-9b8a-2f0c1d2e3f40")
OCCURRED_AT = datetime(2026, 12, 7, 15, 4, 5, 123456, tzinfo=UTC)
DATA = {"tenant_id": "7d5e8f3a-1111-4222-8333-944455566677", "path": "clients/Ünïcode ファイル.pdf"}


def a_message() -> Message:
    return new_message(
        event_id=EVENT_ID, event_type="file.created", occurred_at=OCCURRED_AT, data=DATA
    )


def now() -> datetime:
    return datetime.now(UTC)


def verify(secret: str, delivery: SignedDelivery) -> object:
    return Webhook(secret).verify(delivery.body, dict(delivery.headers))


def test_the_official_librarys_own_test_vector_is_reproduced() -> None:
    """`test_sign_function` in libraries/python/tests/test_webhooks.py of
    github.com/standard-webhooks/standard-webhooks (commit b2fa7b8), the vector every
    official library tests (Go, JavaScript, PHP, C# and Java alike); the specification
    publishes none of its own (its example signature comes without its secret)."""
    message = Message(webhook_id="msg_p5jXN8AQM9LWM0D4loKWxJek", body=b'{"test": 2432232314}')
    delivery = sign(
        message,
        ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        attempted_at=datetime.fromtimestamp(1614265330, UTC),
    )

    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert delivery.headers["webhook-signature"] == expected
    assert delivery.headers["webhook-timestamp"] == "1614265330"
    assert delivery.headers["webhook-id"] == "msg_p5jXN8AQM9LWM0D4loKWxJek"


def test_the_official_library_verifies_a_delivery_and_reads_the_payload() -> None:
    secret = new_secret()

    payload = verify(secret, sign(a_message(), [secret], attempted_at=now()))

    assert payload == {
        "type": "file.created",
        "timestamp": "2026-12-07T15:04:05.123456Z",
        "data": DATA,
    }


def test_the_body_is_compact_utf8_json_and_the_signed_bytes_are_the_sent_bytes() -> None:
    message = a_message()
    secret = new_secret()

    delivery = sign(message, [secret], attempted_at=now())

    assert delivery.body is message.body
    assert (
        delivery.body
        == (
            '{"type":"file.created","timestamp":"2026-12-07T15:04:05.123456Z","data":'
            '{"tenant_id":"7d5e8f3a-1111-4222-8333-944455566677",'
            '"path":"clients/Ünïcode ファイル.pdf"}}'
        ).encode()
    )
    assert dict(delivery.headers) == {
        "content-type": "application/json",
        "webhook-id": "msg_0b7f3c5e6f7a4d4e9b8a2f0c1d2e3f40",
        "webhook-timestamp": delivery.headers["webhook-timestamp"],
        "webhook-signature": delivery.headers["webhook-signature"],
    }


def test_a_delivery_sent_over_http_verifies_at_a_receiver() -> None:
    """A real socket: what the receiver reads off the wire is what was signed."""
    secret = new_secret()
    received: list[object] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            try:
                received.append(Webhook(secret).verify(body, dict(self.headers.items())))
                self.send_response(204)
            except WebhookVerificationError:
                self.send_response(400)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    with serving(Receiver) as port:
        delivery = sign(a_message(), [secret], attempted_at=now())
        # Sent as deliveries will be: the client that refuses private addresses, in the
        # local mode `make dev` uses (loopback allowed).
        outcome = Sender(local=True).send(
            f"http://127.0.0.1:{port}/hooks", delivery.headers, delivery.body
        )

    assert (outcome.ok, outcome.status) == (True, 204)
    assert received == [json.loads(delivery.body)]


def test_the_webhook_id_stays_and_the_timestamp_moves_across_retries() -> None:
    secret = new_secret()
    message = a_message()
    first = sign(message, [secret], attempted_at=now() - timedelta(seconds=65))
    retry = sign(message, [secret], attempted_at=now())

    assert first.headers["webhook-id"] == retry.headers["webhook-id"] == webhook_id(EVENT_ID)
    assert first.body == retry.body
    assert int(retry.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) in (
        65,
        66,
    )
    assert first.headers["webhook-signature"] != retry.headers["webhook-signature"]
    verify(secret, first)
    verify(secret, retry)


def tampered_body(delivery: SignedDelivery) -> tuple[bytes, dict[str, str]]:
    return delivery.body.replace(b"file.created", b"file.deleted"), dict(delivery.headers)


def changed_id(delivery: SignedDelivery) -> tuple[bytes, dict[str, str]]:
    headers = dict(delivery.headers)
    headers["webhook-id"] = webhook_id(uuid.uuid4())
    return delivery.body, headers


def changed_timestamp(delivery: SignedDelivery) -> tuple[bytes, dict[str, str]]:
    headers = dict(delivery.headers)
    headers["webhook-timestamp"] = str(int(headers["webhook-timestamp"]) + 1)
    return delivery.body, headers


@pytest.mark.parametrize("change", [tampered_body, changed_id, changed_timestamp])
def test_the_library_refuses_a_changed_delivery(
    change: Callable[[SignedDelivery], tuple[bytes, dict[str, str]]],
) -> None:
    secret = new_secret()
    delivery = sign(a_message(), [secret], attempted_at=now())
    body, headers = change(delivery)

    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        Webhook(secret).verify(body, headers)


def test_the_library_refuses_another_endpoints_secret() -> None:
    delivery = sign(a_message(), [new_secret()], attempted_at=now())

    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verify(new_secret(), delivery)


@pytest.mark.parametrize(
    ("age", "refusal"),
    [
        (timedelta(minutes=5, seconds=10), "too old"),
        (-timedelta(minutes=5, seconds=10), "too new"),
    ],
)
def test_the_library_refuses_an_attempt_outside_its_tolerance(age: timedelta, refusal: str) -> None:
    secret = new_secret()
    replayed = sign(a_message(), [secret], attempted_at=now() - age)
    within = sign(a_message(), [secret], attempted_at=now() - age * 0.9)

    with pytest.raises(WebhookVerificationError, match=refusal):
        verify(secret, replayed)
    verify(secret, within)


def test_during_a_rotations_overlap_both_secrets_verify_and_after_it_only_the_new() -> None:
    old, new = new_secret(), new_secret()
    rotated_at = now() - timedelta(hours=1)
    endpoint = EndpointSecrets(old).rotated(new, at=rotated_at)

    during = sign(a_message(), endpoint.signing_at(now()), attempted_at=now())
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    verify(old, during)
    verify(new, during)

    after_the_overlap = rotated_at + ROTATION_OVERLAP
    after = sign(a_message(), endpoint.signing_at(after_the_overlap), attempted_at=now())
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    verify(new, after)
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verify(old, after)


def test_a_rotation_inside_an_overlap_keeps_two_secrets_the_newest() -> None:
    first, second, third = new_secret(), new_secret(), new_secret()
    rotated_at = now()
    endpoint = EndpointSecrets(first).rotated(second, at=rotated_at).rotated(third, at=rotated_at)

    assert endpoint.signing_at(rotated_at) == (third, second)


def test_endpoint_secrets_refuse_a_malformed_secret_when_kept() -> None:
    with pytest.raises(ValueError, match="signing secret"):
        EndpointSecrets(new_secret()).rotated("whsec_short", at=now())
    with pytest.raises(ValueError, match="end of its overlap"):
        EndpointSecrets(new_secret(), previous=new_secret())


def test_a_new_secret_is_32_random_bytes_the_library_reads() -> None:
    secrets = {new_secret() for _ in range(100)}

    assert len(secrets) == 100
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(secret_key(secret)) == 32
        Webhook(secret)


@pytest.mark.parametrize(
    "secret",
    [
        base64.b64encode(bytes(32)).decode(),  # no prefix
        "whsec_not base64!",
        "whsec_" + base64.b64encode(bytes(23)).decode(),
        "whsec_" + base64.b64encode(bytes(65)).decode(),
    ],
)
def test_a_malformed_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="signing secret"):
        secret_key(secret)


@pytest.mark.parametrize("size", [24, 64])
def test_secrets_of_the_specifications_bounds_are_read(size: int) -> None:
    assert secret_key("whsec_" + base64.b64encode(bytes(size)).decode()) == bytes(size)


@pytest.mark.parametrize("bad_id", ["", "msg_a.b", "msg a", "msg_\r\nx", "msg_é", "m" * 256])
def test_an_id_a_receiver_could_misread_is_refused(bad_id: str) -> None:
    with pytest.raises(ValueError, match="webhook id"):
        Message(webhook_id=bad_id, body=b"{}")


def test_a_message_refuses_what_the_specification_does_not_allow() -> None:
    def message(event_type: str, occurred_at: datetime, data: dict[str, object]) -> Message:
        return new_message(
            event_id=EVENT_ID,
            event_type=event_type,
            occurred_at=occurred_at,
            data=data,
        )

    with pytest.raises(ValueError, match="event type"):
        message("file created", OCCURRED_AT, {})
    with pytest.raises(ValueError, match="timezone-aware"):
        message("file.created", OCCURRED_AT.replace(tzinfo=None), {})
    with pytest.raises(ValueError, match="JSON"):
        message("file.created", OCCURRED_AT, {"size": float("nan")})


def test_a_delivery_needs_a_secret_and_an_aware_time() -> None:
    with pytest.raises(ValueError, match="at least one secret"):
        sign(a_message(), [], attempted_at=now())
    with pytest.raises(ValueError, match="timezone-aware"):
        sign(a_message(), [new_secret()], attempted_at=now().replace(tzinfo=None))


def test_an_event_time_in_another_zone_is_sent_in_utc() -> None:
    paris = OCCURRED_AT.astimezone(ZoneInfo("Europe/Paris"))
    message = new_message(event_id=EVENT_ID, event_type="file.created", occurred_at=paris, data={})

    assert json.loads(message.body)["timestamp"] == "2026-12-07T15:04:05.123456Z"


ids = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=1, max_size=255)
keys = st.integers(min_value=24, max_value=64).flatmap(lambda n: st.binary(min_size=n, max_size=n))


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=4096), message_id=ids, keys=st.lists(keys, min_size=1, max_size=3))
def test_any_body_id_and_secrets_verify_with_each_secret(
    body: bytes, message_id: str, keys: list[bytes]
) -> None:
    secrets = ["whsec_" + base64.b64encode(key).decode() for key in keys]

    delivery = sign(Message(webhook_id=message_id, body=body), secrets, attempted_at=now())

    for secret in secrets:
        Webhook(secret).verify(delivery.body, dict(delivery.headers), json_parse=False)


@settings(max_examples=200, deadline=None)
@given(
    data=st.dictionaries(
        st.text(max_size=20),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(),
            lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner),
            max_leaves=10,
        ),
        max_size=5,
    )
)
def test_any_payload_verifies_and_reads_back_as_sent(data: dict[str, object]) -> None:
    secret = new_secret()
    message = new_message(
        event_id=uuid.uuid4(),
        event_type="file.created",
        occurred_at=OCCURRED_AT,
        data=data,
    )

    payload = verify(secret, sign(message, [secret], attempted_at=now()))

    assert isinstance(payload, dict)
    assert payload["data"] == data


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """A receiver on a free loopback port, in a thread, for the `with` block: its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
