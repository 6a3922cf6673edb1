"""One delivery attempt (webhooks/delivery.py) against real receivers on loopback:
`http.server` in a thread, over TLS with a certificate made here. Names resolve
through a stub resolver, so nothing asks a DNS server; "receiver.test" exists for
no one else, so a delivery that arrives went to the address the stub gave.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from webhooks.addresses import IPAddress, check_endpoint_url
from webhooks.delivery import KEPT_RESPONSE_BYTES, TIMEOUT_SECONDS, Failure, Sender

HEADERS = {
    "content-type": "application/json",
    "webhook-id": "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
    "webhook-timestamp": "1674087231",
    "webhook-signature": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,Zm9vYmFy",
}
BODY = '{"type":"file.created","data":{"path":"Clients/Ünïcode.pdf"}}'.encode()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append(Received(self.path, dict(self.headers.items()), body))
        self.server.answer(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, answer: Answer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.received: list[Received] = []


@dataclass
class Receiver:
    server: _Server
    scheme: str
    server_names: list[str] = field(default_factory=list)  # TLS SNI, one per handshake

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, host: str = "receiver.test", path: str = "/hooks/in") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    @property
    def received(self) -> list[Received]:
        return self.server.received


@dataclass(frozen=True)
class Certificate:
    pem: bytes
    chain: Path  # certificate and key, for the server


# Receivers that hold a request wait on this; the tests' end releases them.
released = threading.Event()


@pytest.fixture
def serve() -> Iterator[Callable[..., Receiver]]:
    servers: list[_Server] = []
    released.clear()

    def start(answer: Answer, tls: ssl.SSLContext | None = None) -> Receiver:
        server = _Server(answer)
        receiver = Receiver(server, "https" if tls else "http")
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: receiver.server_names.append(str(name))
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return receiver

    yield start
    released.set()
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """Self-signed for receiver.test and 127.0.0.1: valid for the address too, so a
    check against the address instead of the name would pass where it must not."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "receiver.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("receiver.test"),
                    x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    chain = tmp_path_factory.mktemp("tls") / "receiver.pem"
    chain.write_bytes(
        pem
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(pem, chain)


def server_tls(certificate: Certificate) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.chain)
    return context


def trusting(certificate: Certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=certificate.pem.decode())


class StubResolver:
    """Answers each lookup with the next list of addresses (the last one repeats)."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self.answers = [[ipaddress.ip_address(a) for a in answer] for answer in answers]
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> Sequence[IPAddress]:
        self.lookups.append(host)
        return self.answers[min(len(self.lookups), len(self.answers)) - 1]


def no_content(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(204)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def answering(status: int, body: bytes = b"", **headers: str) -> Answer:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def test_a_delivery_arrives_with_exactly_its_headers_and_body(
    serve: Callable[..., Receiver],
) -> None:
    receiver = serve(no_content)
    resolver = StubResolver(["127.0.0.1"], ["10.0.0.1"])

    outcome = Sender(local=True, resolver=resolver).send(receiver.url(), HEADERS, BODY)

    assert (outcome.ok, outcome.status, outcome.failure, outcome.error) == (True, 204, None, "")
    assert resolver.lookups == ["receiver.test"]  # once: the connection reused its answer
    [received] = receiver.received
    assert received.body == BODY
    assert received.path == "/hooks/in"
    assert {name: received.headers[name] for name in HEADERS} == HEADERS
    assert received.headers["Host"] == f"receiver.test:{receiver.port}"  # the name, not the IP
    assert received.headers["Content-Length"] == str(len(BODY))


def test_over_https_the_name_is_sent_as_sni_and_the_certificate_verified_against_it(
    serve: Callable[..., Receiver], certificate: Certificate
) -> None:
    receiver = serve(no_content, server_tls(certificate))
    sender = Sender(local=True, resolver=StubResolver(["127.0.0.1"]), tls=trusting(certificate))

    outcome = sender.send(receiver.url(), HEADERS, BODY)

    assert outcome.ok, outcome
    assert receiver.server_names == ["receiver.test"]
    assert [r.body for r in receiver.received] == [BODY]
    assert receiver.received[0].headers["Host"] == f"receiver.test:{receiver.port}"


def test_a_certificate_not_for_the_name_is_refused_though_it_is_for_the_address(
    serve: Callable[..., Receiver], certificate: Certificate
) -> None:
    receiver = serve(no_content, server_tls(certificate))
    sender = Sender(local=True, resolver=StubResolver(["127.0.0.1"]), tls=trusting(certificate))

    outcome = sender.send(receiver.url(host="impostor.test"), HEADERS, BODY)

    assert outcome.failure is Failure.TLS
    assert "impostor.test" in outcome.error  # the certificate's own complaint, no more
    assert receiver.received == []


def test_a_certificate_no_authority_vouches_for_is_refused(
    serve: Callable[..., Receiver], certificate: Certificate
) -> None:
    receiver = serve(no_content, server_tls(certificate))

    outcome = Sender(local=True, resolver=StubResolver(["127.0.0.1"])).send(
        receiver.url(), HEADERS, BODY
    )

    assert outcome.failure is Failure.TLS
    assert receiver.received == []


def test_a_redirect_is_a_failed_attempt_and_not_followed(serve: Callable[..., Receiver]) -> None:
    elsewhere = serve(no_content)
    receiver = serve(answering(307, Location=elsewhere.url(host="127.0.0.1")))

    outcome = Sender(local=True, resolver=StubResolver(["127.0.0.1"])).send(
        receiver.url(), HEADERS, BODY
    )

    assert (outcome.ok, outcome.status, outcome.failure) == (False, 307, Failure.REDIRECT)
    assert len(receiver.received) == 1
    assert elsewhere.received == []


def test_an_answer_other_than_2xx_fails_and_is_kept_for_the_log(
    serve: Callable[..., Receiver],
) -> None:
    receiver = serve(answering(503, b"busy, come back later", Retry_After="120"))

    outcome = Sender(local=True, resolver=StubResolver(["127.0.0.1"])).send(
        receiver.url(), HEADERS, BODY
    )

    assert (outcome.status, outcome.failure, outcome.error) == (503, Failure.STATUS, "answered 503")
    assert outcome.response_body == b"busy, come back later"
    assert outcome.retry_after == "120"


@pytest.mark.slow
def test_a_silent_receiver_times_out_at_the_ten_second_limit(
    serve: Callable[..., Receiver],
) -> None:
    receiver = serve(lambda handler: released.wait(60))

    outcome = Sender(local=True, resolver=StubResolver(["127.0.0.1"])).send(
        receiver.url(), HEADERS, BODY
    )

    assert outcome.failure is Failure.TIMEOUT
    assert outcome.error == "no answer within 10 s"
    assert TIMEOUT_SECONDS * 1000 <= outcome.duration_ms < TIMEOUT_SECONDS * 1000 + 500
    print(f"timed out after {outcome.duration_ms} ms")


def test_a_receiver_answering_a_byte_at_a_time_is_cut_off_at_the_limit(
    serve: Callable[..., Receiver],
) -> None:
    """The limit is for the whole attempt: each byte comes well within any per-read timeout."""

    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
        while not released.wait(0.05):
            handler.wfile.write(b"X")
            handler.wfile.flush()

    receiver = serve(drip)

    outcome = Sender(local=True, timeout=1.0, resolver=StubResolver(["127.0.0.1"])).send(
        receiver.url(), HEADERS, BODY
    )

    assert outcome.failure is Failure.TIMEOUT
    assert 1000 <= outcome.duration_ms < 1500
    print(f"cut off after {outcome.duration_ms} ms")


def test_a_huge_answer_is_read_no_further_than_the_bound(serve: Callable[..., Receiver]) -> None:
    size = 64 * 1024 * 1024
    written: list[int] = []

    def huge(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        chunk, sent = b"x" * 65536, 0
        try:
            while sent < size:
                handler.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass
        finally:
            written.append(sent)

    receiver = serve(huge)

    outcome = Sender(local=True, resolver=StubResolver(["127.0.0.1"])).send(
        receiver.url(), HEADERS, BODY
    )

    assert (outcome.ok, outcome.status) == (True, 200)
    assert outcome.response_body == b"x" * KEPT_RESPONSE_BYTES
    deadline = time.monotonic() + 5
    while not written and time.monotonic() < deadline:
        time.sleep(0.01)
    assert written, "the receiver's write never ended"
    assert written[0] < size  # the receiver could not push it all: we stopped reading
    print(f"{outcome.duration_ms} ms; the receiver wrote {written[0]:,} of {size:,} bytes")


def test_a_name_rebound_to_loopback_after_it_was_saved_is_refused_at_delivery(
    serve: Callable[..., Receiver], certificate: Certificate
) -> None:
    """DNS rebinding: public when the endpoint is saved, loopback when delivered to."""
    receiver = serve(no_content, server_tls(certificate))
    resolver = StubResolver(["93.184.215.14"], ["127.0.0.1"])
    url = receiver.url()
    check_endpoint_url(url, resolver=resolver)  # saved: the name was public then

    outcome = Sender(resolver=resolver, tls=trusting(certificate)).send(url, HEADERS, BODY)

    assert outcome.failure is Failure.REFUSED_ADDRESS
    assert "loopback" in outcome.error
    assert receiver.server_names == []  # not even a TLS handshake
    assert receiver.received == []


def test_local_mode_delivers_to_loopback_and_production_mode_does_not(
    serve: Callable[..., Receiver], certificate: Certificate
) -> None:
    receiver = serve(no_content, server_tls(certificate))
    resolver = StubResolver(["127.0.0.1"])

    production = Sender(resolver=resolver, tls=trusting(certificate)).send(
        receiver.url(), HEADERS, BODY
    )
    local = Sender(local=True, resolver=resolver, tls=trusting(certificate)).send(
        receiver.url(), HEADERS, BODY
    )

    assert production.failure is Failure.REFUSED_ADDRESS
    assert local.ok
    assert len(receiver.received) == 1


def test_production_mode_refuses_http(serve: Callable[..., Receiver]) -> None:
    receiver = serve(no_content)

    outcome = Sender(resolver=StubResolver(["8.8.8.8"])).send(receiver.url(), HEADERS, BODY)

    assert (outcome.failure, outcome.error) == (
        Failure.REFUSED_ADDRESS,
        "the URL must start with https://",
    )


def test_an_address_that_refuses_the_connection_leaves_the_next_its_turn(
    serve: Callable[..., Receiver],
) -> None:
    receiver = serve(no_content)  # listens on 127.0.0.1 only: 127.0.0.2 refuses

    outcome = Sender(local=True, resolver=StubResolver(["127.0.0.2", "127.0.0.1"])).send(
        receiver.url(), HEADERS, BODY
    )

    assert outcome.ok, outcome
    assert len(receiver.received) == 1


def test_a_closed_port_is_a_failed_connection() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    outcome = Sender(local=True, resolver=StubResolver(["127.0.0.1"])).send(
        f"http://receiver.test:{port}/", HEADERS, BODY
    )

    assert (outcome.failure, outcome.error) == (
        Failure.CONNECT,
        "could not connect to the receiver",
    )


def test_a_name_that_does_not_resolve_is_a_failed_attempt() -> None:
    def nothing(host: str, port: int) -> Sequence[IPAddress]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    outcome = Sender(resolver=nothing).send("https://hooks.example.com/", HEADERS, BODY)

    assert (outcome.failure, outcome.error) == (Failure.DNS, "the host name does not resolve")


def test_a_resolver_that_hangs_is_abandoned_at_the_limit() -> None:
    answered = threading.Event()

    def hanging(host: str, port: int) -> Sequence[IPAddress]:
        answered.wait(30)
        return [ipaddress.ip_address("127.0.0.1")]  # refused, if it ever came

    try:
        outcome = Sender(timeout=0.5, resolver=hanging).send(
            "https://hooks.example.com/", HEADERS, BODY
        )
    finally:
        answered.set()

    assert outcome.failure is Failure.TIMEOUT
    assert 500 <= outcome.duration_ms < 1000


def test_headers_the_client_sets_itself_are_not_taken_from_the_caller() -> None:
    with pytest.raises(ValueError, match="host"):
        Sender().send("https://hooks.example.com/", {"Host": "elsewhere"}, BODY)


def test_an_answer_that_is_not_http_fails_with_no_detail_of_ours(
    serve: Callable[..., Receiver],
) -> None:
    def garbage(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"SSH-2.0-OpenSSH_9.2\r\n")

    receiver = serve(garbage)

    outcome = Sender(local=True, resolver=StubResolver(["127.0.0.1"])).send(
        receiver.url(), HEADERS, BODY
    )

    assert (outcome.status, outcome.failure) == (None, Failure.BAD_RESPONSE)
    assert outcome.error == "the receiver sent no valid HTTP answer"


def test_https_to_a_receiver_without_tls_fails_the_handshake(
    serve: Callable[..., Receiver],
) -> None:
    receiver = serve(no_content)

    outcome = Sender(local=True, resolver=StubResolver(["127.0.0.1"])).send(
        receiver.url().replace("http://", "https://"), HEADERS, BODY
    )

    assert (outcome.failure, outcome.error) == (Failure.TLS, "TLS handshake failed")
