"""A mail catcher: every mail `make dev` sends ends here, none leaves the machine.

Two doors in, one out:

- **Amazon SES v2's `SendEmail`** (`POST /v2/email/outbound-emails`, REST
  JSON), which the core's boto3 `sesv2` client reaches through
  `AWS_ENDPOINT_URL_SESV2`: a simple message (`Content.Simple`) is caught and
  answered `{"MessageId"}` as SES answers it. The request must carry a SigV4
  `Authorization` header (any keys: the signature is not checked); a
  message SES would refuse (no sender or recipient, no subject or body) is
  answered `400 BadRequestException`, and so is a subject or an address with
  a line break, which no mail header can hold: the catcher is stricter than
  it needs to be, so a test proves nothing of the kind is sent.
  `failing = True` makes it answer every send `400 MessageRejected`, as SES
  does to an unverified address in its sandbox; `delay` (seconds) makes it
  answer that late, as a slow mail service would.
- **`deliver()`**, in process: the Supabase Auth stand-in (`auth.py`)
  "sends" its invite, sign-up, magic link and recovery mails here, as
  Supabase Auth sends them through its SMTP settings (SES's SMTP in AWS,
  docs/operations.md).

Out: Mailpit's API, which tests and developers already know:
`GET /api/v1/messages` (newest first: `{total, messages: [{ID, From, To,
Subject, Created, Snippet}]}`), `GET /api/v1/message/{ID}` (with `Text` and
`HTML`) and `DELETE /api/v1/messages`. Messages are JSON files in the state
directory (`$SNSD_LOCAL_DIR/mail/`), so they outlive a restart.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dev.loopback import LoopbackHTTP

SEND_EMAIL_PATH = "/v2/email/outbound-emails"
# Mailpit's port for its web interface and API: tools pointed at one find the other.
DEFAULT_MAIL_PORT = 8025
_LINE_BREAK = re.compile(r"[\r\n]")


class Refused(Exception):
    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def _address(text: str) -> dict[str, str]:
    """`Name <address>` or `address`, as Mailpit lists them."""
    match = re.fullmatch(r"\s*(.*?)\s*<([^<>]+)>\s*", text)
    if match:
        return {"Name": match.group(1).strip('"'), "Address": match.group(2)}
    return {"Name": "", "Address": text.strip()}


class MailCatcher(LoopbackHTTP):
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = ""
        self.failing = False
        self.delay = 0.0
        self._lock = threading.Lock()

    # -- in ----------------------------------------------------------------------------

    def deliver(
        self, sender: str, to: list[str], subject: str, text: str, html: str = "", source: str = ""
    ) -> str:
        """Catch one mail; its id."""
        for header in (sender, subject, *to):
            if _LINE_BREAK.search(header):
                raise Refused(400, "BadRequestException", "A header holds a line break")
        message_id = uuid.uuid4().hex
        message = {
            "ID": message_id,
            "MessageID": f"{message_id}@snsd.local",
            "From": _address(sender),
            "To": [_address(address) for address in to],
            "Subject": subject,
            "Created": datetime.now(UTC).isoformat(),
            "Text": text,
            "HTML": html,
            "Source": source,
        }
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{time.time_ns():020d}-{message_id}.json"
            (self.directory / name).write_text(json.dumps(message))
        return message_id

    def send_email(self, request: dict[str, Any]) -> dict[str, str]:
        """SES v2 `SendEmail` of a simple message."""
        time.sleep(self.delay)
        if self.failing:
            raise Refused(400, "MessageRejected", "Email address is not verified.")
        sender = request.get("FromEmailAddress")
        to = (request.get("Destination") or {}).get("ToAddresses") or []
        simple = (request.get("Content") or {}).get("Simple") or {}
        subject = (simple.get("Subject") or {}).get("Data")
        body = simple.get("Body") or {}
        text = (body.get("Text") or {}).get("Data") or ""
        html = (body.get("Html") or {}).get("Data") or ""
        if not isinstance(sender, str) or not sender or not to or not subject or not (text or html):
            raise Refused(400, "BadRequestException", "A sender, a recipient, a subject and a body")
        return {"MessageId": self.deliver(sender, list(to), subject, text, html, source="ses")}

    # -- out ---------------------------------------------------------------------------

    def messages(self) -> list[dict[str, Any]]:
        """Every caught message, newest first, in full."""
        with self._lock:
            paths = sorted(self.directory.glob("*.json"), reverse=True)
            return [json.loads(path.read_text()) for path in paths]

    def clear(self) -> None:
        with self._lock:
            for path in self.directory.glob("*.json"):
                path.unlink()

    def listing(self) -> dict[str, Any]:
        summaries = [
            {key: message[key] for key in ("ID", "MessageID", "From", "To", "Subject", "Created")}
            | {"Snippet": " ".join(message["Text"].split())[:250]}
            for message in self.messages()
        ]
        return {"total": len(summaries), "messages": summaries}

    def message(self, message_id: str) -> dict[str, Any] | None:
        return next((m for m in self.messages() if m["ID"] == message_id), None)

    # -- HTTP --------------------------------------------------------------------------

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)


def _handler(catcher: MailCatcher) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _refuse(self, exc: Refused) -> None:
            # SES's REST-JSON error shape: the type in a header and the body.
            self._send(
                exc.status,
                {"__type": exc.error_type, "message": exc.message},
                {"x-amzn-ErrorType": exc.error_type},
            )

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if urlsplit(self.path).path != SEND_EMAIL_PATH:
                self._send(404, {"message": "Not found"})
                return
            if not self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
                self._refuse(Refused(403, "MissingAuthenticationTokenException", "Unsigned"))
                return
            try:
                request = json.loads(raw or b"{}")
                if not isinstance(request, dict):
                    raise Refused(400, "BadRequestException", "A JSON object")
                self._send(200, catcher.send_email(request))
            except ValueError:
                self._refuse(Refused(400, "BadRequestException", "Not JSON"))
            except Refused as exc:
                self._refuse(exc)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/api/v1/messages":
                self._send(200, catcher.listing())
                return
            if path.startswith("/api/v1/message/"):
                message = catcher.message(path.rsplit("/", 1)[1])
                if message is not None:
                    self._send(200, message)
                    return
            self._send(404, {"message": "Not found"})

        def do_DELETE(self) -> None:
            if urlsplit(self.path).path == "/api/v1/messages":
                catcher.clear()
                self._send(200, None)
                return
            self._send(404, {"message": "Not found"})

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
