"""One delivery attempt: a signed webhook POSTed to a tenant's endpoint, and its outcome.

The request can never be turned against our own network:

- the host is resolved once, with the rest of the attempt, inside its time
  limit, and every address it has is checked again now (`webhooks.addresses`):
  the check when the endpoint was saved says nothing of where the name points
  today (DNS rebinding);
- the connection goes to the checked address itself, never to the name again,
  while the request carries the name: the `Host` header and, over https, TLS's
  SNI and the certificate's verification against that name;
- one time limit bounds the whole attempt, resolution included, and not each
  read: a receiver that answers a byte at a time cannot hold us past it;
- redirects are never followed (a 3xx is a failed attempt, as the Standard
  Webhooks specification recommends, "Delivery success and failure",
  spec/standard-webhooks.md of github.com/standard-webhooks/standard-webhooks),
  and at most `KEPT_RESPONSE_BYTES` of an answer's body are read.

Success is a 2xx answer within the limit; anything else fails (same section).
The limit is 10 s, as issue 29 asks, below the 15 to 30 s the specification
recommends ("Request timeouts"): a delivery function waits on each attempt.

Standard library only (`http.client`, `ssl`, `socket`): nothing is added to
the Lambda or the core image.
"""

from __future__ import annotations

import http.client
import io
import socket
import ssl
import threading
import time
from collections.abc import Buffer, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum

from webhooks.addresses import (
    AddressRefused,
    Endpoint,
    IPAddress,
    Resolver,
    addresses_of,
    check_addresses,
    parse_endpoint,
    resolve,
)

TIMEOUT_SECONDS = 10.0
#: What is kept of a receiver's answer for the delivery log, and all that is read of it.
KEPT_RESPONSE_BYTES = 4096
# Set by the client from the URL and the body; a caller's own would contradict them.
_CLIENT_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class Failure(StrEnum):
    """Why an attempt failed, for the delivery log and the retry decision."""

    REFUSED_ADDRESS = "refused_address"  # the URL's form, or an address of our own network
    DNS = "dns"
    CONNECT = "connect"
    TLS = "tls"
    TIMEOUT = "timeout"
    BAD_RESPONSE = "bad_response"  # no valid HTTP answer
    REDIRECT = "redirect"
    STATUS = "status"  # an answer other than 2xx and 3xx


@dataclass(frozen=True)
class Outcome:
    """One attempt, as the delivery log keeps it. `error` is for the tenant: no internal detail."""

    status: int | None
    failure: Failure | None
    duration_ms: int
    error: str = ""
    response_body: bytes = b""
    retry_after: str | None = None  # the answer's Retry-After, for the retry schedule

    @property
    def ok(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class Sender:
    """Sends deliveries; built once and reused (tests pass their resolver and TLS trust)."""

    local: bool = False  # make dev: http and loopback receivers allowed
    timeout: float = TIMEOUT_SECONDS
    resolver: Resolver = resolve
    tls: ssl.SSLContext = field(default_factory=ssl.create_default_context)
    kept_response_bytes: int = KEPT_RESPONSE_BYTES

    def send(self, url: str, headers: Mapping[str, str], body: bytes) -> Outcome:
        """POST `body` with `headers` to `url` once; never raises for what the receiver does."""
        if own := _CLIENT_HEADERS.intersection(name.lower() for name in headers):
            raise ValueError(f"the client sets these headers itself: {sorted(own)}")
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            status, kept, retry_after = self._post(url, headers, body, deadline)
        except _Failed as failed:
            return Outcome(None, failed.failure, _ms_since(started), failed.error)
        failure, error = None, ""
        if 300 <= status < 400:
            failure = Failure.REDIRECT
            error = f"answered {status}: redirects are not followed, save the final URL instead"
        elif not 200 <= status < 300:
            failure, error = Failure.STATUS, f"answered {status}"
        return Outcome(status, failure, _ms_since(started), error, kept, retry_after)

    def _post(
        self, url: str, headers: Mapping[str, str], body: bytes, deadline: float
    ) -> tuple[int, bytes, str | None]:
        try:
            endpoint = parse_endpoint(url, local=self.local)
            addresses = self._resolve(endpoint, deadline)
            check_addresses(addresses, local=self.local)
        except AddressRefused as refused:
            raise _Failed(Failure.REFUSED_ADDRESS, str(refused)) from None
        sock = self._connect(endpoint, addresses, deadline)
        try:
            connection = _ConnectionOn(_DeadlineSocket(sock, deadline))
            connection.request(
                "POST", endpoint.target, body, {"Host": endpoint.host_header, **headers}
            )
            response = connection.getresponse()
            return response.status, self._keep(response), response.getheader("Retry-After")
        except TimeoutError:
            raise _Failed(Failure.TIMEOUT, self._too_slow) from None
        except (OSError, http.client.HTTPException):
            raise _Failed(Failure.BAD_RESPONSE, "the receiver sent no valid HTTP answer") from None
        finally:
            sock.close()

    def _resolve(self, endpoint: Endpoint, deadline: float) -> Sequence[IPAddress]:
        # getaddrinfo takes no timeout: it runs beside us, and is abandoned at the deadline.
        answer: Future[Sequence[IPAddress]] = Future()

        def run() -> None:
            try:
                answer.set_result(addresses_of(endpoint, self.resolver))
            except Exception as error:
                answer.set_exception(error)

        threading.Thread(target=run, name="webhook-resolve", daemon=True).start()
        try:
            return answer.result(timeout=max(deadline - time.monotonic(), 0))
        except TimeoutError:
            raise _Failed(Failure.TIMEOUT, self._too_slow) from None
        except (OSError, ValueError):  # ValueError: an answer that is not an address
            raise _Failed(Failure.DNS, "the host name does not resolve") from None

    def _connect(
        self, endpoint: Endpoint, addresses: Sequence[IPAddress], deadline: float
    ) -> socket.socket:
        last_error: OSError = ConnectionError()
        for tried, address in enumerate(addresses):
            # Each address gets its share of the time left, so one that drops
            # packets leaves time for the next.
            share = (deadline - time.monotonic()) / (len(addresses) - tried)
            if share <= 0:
                break
            try:
                sock = socket.create_connection((str(address), endpoint.port), timeout=share)
            except OSError as error:
                last_error = error
                continue
            if endpoint.scheme == "http":
                return sock
            return self._secure(sock, endpoint, deadline)
        if isinstance(last_error, TimeoutError) or time.monotonic() >= deadline:
            raise _Failed(Failure.TIMEOUT, self._too_slow)
        raise _Failed(Failure.CONNECT, "could not connect to the receiver")

    def _secure(self, sock: socket.socket, endpoint: Endpoint, deadline: float) -> socket.socket:
        # server_hostname is the URL's name: SNI, and the certificate is
        # verified against it, not against the address we connected to.
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            return self.tls.wrap_socket(sock, server_hostname=endpoint.host)
        except TimeoutError:
            sock.close()
            raise _Failed(Failure.TIMEOUT, self._too_slow) from None
        except ssl.SSLCertVerificationError as error:
            sock.close()
            raise _Failed(Failure.TLS, f"TLS certificate refused: {error.verify_message}") from None
        except OSError:
            sock.close()
            raise _Failed(Failure.TLS, "TLS handshake failed") from None

    def _keep(self, response: http.client.HTTPResponse) -> bytes:
        kept = bytearray()
        try:
            while len(kept) < self.kept_response_bytes:
                chunk = response.read1(self.kept_response_bytes - len(kept))
                if not chunk:
                    break
                kept += chunk
        except (OSError, http.client.HTTPException):
            pass  # the status decides the attempt; the body is only kept for the log
        return bytes(kept)

    @property
    def _too_slow(self) -> str:
        return f"no answer within {self.timeout:g} s"


class _Failed(Exception):
    def __init__(self, failure: Failure, error: str) -> None:
        super().__init__(error)
        self.failure = failure
        self.error = error


class _DeadlineSocket:
    """A connected socket whose every send and read ends by one deadline.

    A socket's own timeout restarts with each read; this one shrinks to the
    time left, so the whole answer must come within the attempt's limit.
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def _armed(self) -> socket.socket:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the attempt's time is up")
        self._sock.settimeout(left)
        return self._sock

    def sendall(self, data: Buffer) -> None:
        self._armed().sendall(data)

    def recv_into(self, buffer: Buffer) -> int:
        return self._armed().recv_into(buffer)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self))

    def close(self) -> None:
        """Left to the sender: http.client closes as soon as an answer says
        `Connection: close`, before its body is read."""


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock: _DeadlineSocket) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Buffer) -> int:
        return self._sock.recv_into(buffer)


class _ConnectionOn(http.client.HTTPConnection):
    """http.client's request and response over a socket connected and checked already."""

    def __init__(self, sock: _DeadlineSocket) -> None:
        super().__init__("pinned.invalid")  # unused: the Host header is set by the caller
        self.sock = sock  # socket-like: all http.client uses is sendall, makefile, close

    def connect(self) -> None:
        # http.client reconnects to its host on a closed socket: never here, the
        # name would be resolved again.
        raise http.client.NotConnected("a pinned connection is used once")


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
