"""The file API's measurements, in a process of their own: `python -m bench.lambda_worker`.

The handler is imported as a Lambda container imports it, with the bench's
environment; its log lines go to the parent's /dev/null. Every S3 request
the handler's client sends is counted with a botocore event hook registered
on the default session before the handler creates its client.

- warm: ALB event -> `GET /files/metadata/{path}` vs raw `head_object` on the
  same object (the membership check included, from the kept copy); ALB event
  -> `GET /files/health` vs Mangum + bare Starlette.
- writes: what a write's quota claim and audit row add to a small upload.
- links: a share link's download (`POST /files/public/shares/{token}/downloads`,
  presigned GET, counted) vs the member's `GET /files/presigned-url` of the same
  file; a one-part upload into a file request (create, sign, complete; the
  part's PUT untimed) vs the same three calls of an upload session.
- scanning: a warm download of a clean, scanned file with malware scanning
  enforced vs the same with it off.
- memberships: the check from the kept copy, as a share of a warm metadata
  call; a re-read (the copy older than its ttl) vs the same query on a raw
  psycopg connection.
- S3 calls: `DELETE /files/folder/delete` of N objects (DeleteObjects and
  list pages counted), its time vs deleting the same number one by one, and
  the calls of one listing page.
- versions and trash: the S3 calls of a page of each, and its time against a
  raw `list_object_versions` of the same page.
- bytes: upload and download through the API of objects just under the
  inline limits vs raw `put_object` / `get_object` of the same size.
- multipart: a file uploaded through the API's presigned part URLs (create,
  sign, 8 PUTs in flight, complete) vs raw boto3 multipart of the same file in
  the same parts, 8 in flight, on the same S3; and the API calls it took.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import time
import uuid
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import boto3
import httpx
import psycopg
import pybase64
from botocore.config import Config
from mangum import Mangum
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bench.env import BUCKET, JWT_SECRET
from bench.stats import Bar, Row, Spread, interleaved, ms, per_call, ratios
from dev import memberships
from dev.alb import LambdaContext, build_event, parse_response
from dev.claims import claims, hs256
from file_lambda.alb import AlbHandler
from file_lambda.memberships import Memberships, PostgresMemberships
from tenancy.principal import Principal

CONTEXT = LambdaContext()


class S3Requests:
    """Counts the S3 requests sent by clients of boto3's default session, by operation."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-send.s3", self._count)

    def _count(self, event_name: str, **_: Any) -> None:
        self.sent[event_name.rsplit(".", 1)[-1]] += 1

    def during(self, action: Any) -> tuple[Any, Counter[str]]:
        self.sent.clear()
        result = action()
        return result, Counter(self.sent)


def _bare_app(tuned: bool = False) -> Mangum:
    """Mangum as shipped + a bare Starlette route; `tuned`: with the handler's ALB class."""

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = Starlette(routes=[Route("/files/health", health)])
    return Mangum(app, lifespan="off", custom_handlers=[AlbHandler] if tuned else None)


def _invoker(handler: Any, event: dict[str, Any], expect: int) -> Any:
    def invoke() -> None:
        if handler(event, CONTEXT)["statusCode"] != expect:
            raise RuntimeError(f"{event['path']} did not answer {expect}")

    return invoke


class _Answered:
    """An S3 client whose `head_object` answers from memory (the handler's own part)."""

    def __init__(self, client: Any, head: dict[str, Any]) -> None:
        self.meta = client.meta
        self._head = head

    def head_object(self, **_: Any) -> dict[str, Any]:
        return self._head


class _VerdictQueries:
    """The container's connection, counting the statements that read verdicts."""

    def __init__(self, database: Any) -> None:
        self._database = database
        self.count = 0

    def execute(self, query: str, params: Any = ()) -> list[tuple[Any, ...]]:
        if "public.file_scans" in query:
            self.count += 1
        result: list[tuple[Any, ...]] = self._database.execute(query, params)
        return result


class Bench:
    def __init__(self, endpoint: str) -> None:
        self.requests = S3Requests()
        # Imported only now: the hook above must see the handler's client created.
        from file_lambda import handler

        self.handler = handler
        self.settings = handler.settings
        self.tenant = str(uuid.uuid4())
        self.root = f"tenants/{self.tenant}/"
        self.database_url = os.environ["SUPABASE_DB_URL"]
        self.claims = claims(tenants={self.tenant: "admin"})
        memberships.register(self.database_url, self.claims)
        token = hs256(self.claims, JWT_SECRET)
        self.auth = {"authorization": f"Bearer {token}"}
        # The floor's client: plain boto3, its own session (not counted), same server.
        self.raw = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> dict[str, Any]:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        event = build_event(method, path, headers=headers, **kwargs)
        response: dict[str, Any] = self.handler.handler(event, CONTEXT)
        if response["statusCode"] != expect:
            raise RuntimeError(f"{method} {path}: {response['statusCode']} {response.get('body')}")
        return response

    def invoker(self, event: dict[str, Any], expect: int) -> Any:
        return _invoker(self.handler.handler, event, expect)

    # -- warm invocations -------------------------------------------------------------

    def warm(self, rounds: int, calls: int) -> list[Row]:
        key = self.root + "warm/object.txt"
        self.raw.put_object(Bucket=BUCKET, Key=key, Body=b"x" * 1024)
        metadata = self.invoker(
            build_event("GET", "/files/metadata/warm/object.txt", headers=self.auth), 200
        )
        health_event = build_event("GET", "/files/health")
        health = self.invoker(health_event, 200)
        bare_health = _invoker(_bare_app(), health_event, 200)
        tuned_bare_health = _invoker(_bare_app(tuned=True), health_event, 200)

        def head() -> None:
            self.raw.head_object(Bucket=BUCKET, Key=self.root + "warm/object.txt")

        for warm_up in (metadata, head, health, bare_health, tuned_bare_health):
            per_call(warm_up, max(3, calls // 5))
        # The handler's own part: the same call with S3 answered from memory.
        storage = self.handler.storage
        answered = _Answered(storage._s3, self.raw.head_object(Bucket=BUCKET, Key=key))

        def own() -> float:
            real, storage._s3 = storage._s3, answered
            try:
                return per_call(metadata, calls)
            finally:
                storage._s3 = real

        samples = interleaved(
            {
                "metadata": lambda: per_call(metadata, calls),
                "head_object": lambda: per_call(head, calls),
                "own": own,
                "health": lambda: per_call(health, calls),
                "bare": lambda: per_call(bare_health, calls),
                "tuned_bare": lambda: per_call(tuned_bare_health, calls),
            },
            rounds,
        )
        medians = {name: Spread.of(values).median for name, values in samples.items()}
        return [
            Row(
                "warm_metadata",
                "Warm: ALB event -> GET /files/metadata / raw head_object",
                ratios(samples["metadata"], samples["head_object"]),
                Bar("<=", 1.25),
                f"{ms(medians['metadata'])} vs {ms(medians['head_object'])} a call",
                medians,
            ),
            Row(
                "warm_metadata_own",
                "  the same call with S3 answered from memory / raw head_object",
                ratios(samples["own"], samples["head_object"]),
                None,
                f"the handler's own part {ms(medians['own'])} a call; the rest of the gap "
                f"({ms(medians['metadata'] - medians['head_object'] - medians['own'])}) is the "
                "S3 call taking longer inside the handler than in a loop of its own",
            ),
            Row(
                "warm_no_s3",
                "Warm: ALB event -> GET /files/health / Mangum + bare Starlette",
                ratios(samples["health"], samples["bare"]),
                Bar("<=", 2.5),
                f"{ms(medians['health'])} vs {ms(medians['bare'])} a call (Mangum as shipped)",
            ),
            Row(
                "warm_no_s3_tuned_floor",
                "  same, the floor given the handler's ALB class (file_lambda/alb.py)",
                ratios(samples["health"], samples["tuned_bare"]),
                None,
                f"floor {ms(medians['tuned_bare'])} a call",
            ),
        ]

    # -- memberships ----------------------------------------------------------------------

    def memberships(self, rounds: int, calls: int, warm_metadata: float) -> list[Row]:
        principal = Principal.from_claims(self.claims)
        kept = self.handler.app.state.memberships
        source = PostgresMemberships(lambda: self.database_url)
        reread = Memberships(source, ttl=1e-9)  # every call finds its copy too old
        raw = psycopg.connect(self.database_url, autocommit=True, prepare_threshold=None)

        def kept_copy() -> None:
            kept.current(principal, self.tenant)

        def re_read() -> None:
            reread.current(principal, self.tenant)

        def raw_select() -> None:
            params = PostgresMemberships.params(principal.user_id, principal.session_id)
            raw.execute(PostgresMemberships.QUERY, params).fetchall()

        try:
            for warm_up in (kept_copy, re_read, raw_select):
                per_call(warm_up, max(3, calls // 5))
            samples = interleaved(
                {
                    "kept": lambda: per_call(kept_copy, calls),
                    "reread": lambda: per_call(re_read, calls),
                    "raw": lambda: per_call(raw_select, calls),
                },
                rounds,
            )
        finally:
            raw.close()
            source.close()
        medians = {name: Spread.of(values).median for name, values in samples.items()}
        return [
            Row(
                "membership_kept",
                "Memberships: the check from the kept copy, on every authenticated call",
                None,
                None,
                f"{medians['kept'] * 1e6:.1f} us a call = "
                f"{medians['kept'] / warm_metadata:.1%} of a warm metadata call",
                medians,
            ),
            Row(
                "membership_reread",
                "Memberships: re-read (copy older than its ttl) / raw psycopg select",
                ratios(samples["reread"], samples["raw"]),
                None,
                f"{ms(medians['reread'])} vs {ms(medians['raw'])}; once per user, "
                f"container and {self.settings.membership_ttl} s",
            ),
        ]

    # -- bucket changes (file_lambda/events) ----------------------------------------------

    def bucket_changes(self, rounds: int, batch: int) -> list[Row]:
        """A queue batch of new versions through the handler / one Postgres round trip each."""
        raw = psycopg.connect(self.database_url, autocommit=True, prepare_threshold=None)
        clock = iter(range(1, 1 << 62))

        def new_batch() -> dict[str, Any]:
            messages = []
            for index in range(batch):
                body = {
                    "Records": [
                        {
                            "eventName": "ObjectCreated:Put",
                            "eventTime": "2026-11-30T12:00:00.000Z",
                            "s3": {
                                "object": {
                                    "key": f"{self.root}changes/{index % 10}/{uuid.uuid4().hex}",
                                    "versionId": uuid.uuid4().hex,
                                    "size": 1024,
                                    "sequencer": f"{next(clock):016X}",
                                }
                            },
                        }
                    ]
                }
                messages.append(
                    {"messageId": str(index), "body": json.dumps(body), "eventSource": "aws:sqs"}
                )
            return {"Records": messages}

        def timed(event: dict[str, Any]) -> float:
            start = time.perf_counter()
            answer = self.handler.handler(event, LambdaContext())
            elapsed = time.perf_counter() - start
            if answer != {"batchItemFailures": []}:
                raise RuntimeError(f"bucket changes: {answer}")
            return elapsed / batch

        def round_trips() -> float:
            start = time.perf_counter()
            for _ in range(batch):
                raw.execute("select 1").fetchall()
            return (time.perf_counter() - start) / batch

        try:
            duplicates = new_batch()
            timed(duplicates)  # warm up, and recorded once: replays below are duplicates
            samples = interleaved(
                {
                    "record": lambda: timed(new_batch()),
                    "duplicate": lambda: timed(duplicates),
                    "round_trip": round_trips,
                },
                rounds,
            )
        finally:
            raw.close()
        medians = {name: Spread.of(values).median for name, values in samples.items()}
        return [
            Row(
                "bucket_change_record",
                "Bucket changes: a new version recorded (queue batch) / one Postgres round trip",
                ratios(samples["record"], samples["round_trip"]),
                None,
                f"{ms(medians['record'])} vs {ms(medians['round_trip'])} a change; "
                f"a duplicate {ms(medians['duplicate'])}",
                medians,
            ),
        ]

    # -- what a write adds: its quota claim and its audit row -------------------------------

    def write_bookkeeping(self, rounds: int, calls: int) -> list[Row]:
        """A small upload with the quota claim and audit row / the same upload without them.

        Three uploads of 1 KiB through the handler, interleaved: to a tenant with a
        quota (the claim takes its lock and writes a reservation), to one without
        (one indexed read), and the same without either (quotas off, the audit
        row not written), which is the floor: every other step is the same.
        """
        from file_lambda import audit
        from file_lambda.quotas import NoQuotas

        quota_claims = claims(tenants={str(uuid.uuid4()): "admin"})
        memberships.register(self.database_url, quota_claims)
        (quota_tenant,) = quota_claims["app_metadata"]["tenants"]
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(
                "insert into public.tenant_quotas (tenant_id, max_bytes) values (%s, %s)",
                (quota_tenant, 1 << 50),
            )
        form = httpx.Request("POST", "http://x", files={"file": ("w.bin", b"w" * 1024)})
        body = form.read()

        def upload(auth: dict[str, str]) -> Any:
            return self.invoker(
                build_event(
                    "POST",
                    "/files/upload",
                    params={"folder": "writes", "overwrite": "true"},
                    headers={**auth, "content-type": form.headers["content-type"]},
                    body=body,
                ),
                201,
            )

        with_quota = upload({"authorization": f"Bearer {hs256(quota_claims, JWT_SECRET)}"})
        without_quota = upload(self.auth)
        state = self.handler.app.state
        kept_quotas, kept_record = state.quotas, audit.record

        def bare() -> float:
            state.quotas, audit.record = NoQuotas(), lambda scope, attempt: None
            try:
                return per_call(without_quota, calls)
            finally:
                state.quotas, audit.record = kept_quotas, kept_record

        for warm_up in (with_quota, without_quota):
            per_call(warm_up, max(3, calls // 5))
        bare()
        samples = interleaved(
            {
                "quota": lambda: per_call(with_quota, calls),
                "no_quota": lambda: per_call(without_quota, calls),
                "bare": bare,
            },
            rounds,
        )
        medians = {name: Spread.of(values).median for name, values in samples.items()}
        added = {name: medians[name] - medians["bare"] for name in ("quota", "no_quota")}
        return [
            Row(
                "write_bookkeeping",
                "Writes: 1 KiB upload with its quota claim and audit row / without them",
                ratios(samples["quota"], samples["bare"]),
                None,
                f"+{ms(added['quota'])} a write with a quota, +{ms(added['no_quota'])} "
                f"without one ({ms(medians['bare'])} bare); reads add nothing",
                {**medians, "added_quota": added["quota"], "added_no_quota": added["no_quota"]},
            ),
        ]

    # -- links: share links and file requests (no account) ---------------------------------

    def share_download(self, rounds: int, calls: int) -> list[Row]:
        """A share link's download (presigned GET, counted) / the member's presigned GET.

        Both through the handler, of the same file: the link without a password
        or download limit, so the rounds never exhaust it (a download counts no
        attempt against the client's address). The floor finds its membership in
        the kept copy; the link, known from its first download (shares/service.py,
        `_known`), counts each download in Postgres with its audit row.
        """
        self.raw.put_object(Bucket=BUCKET, Key=self.root + "shared/report.pdf", Body=b"%" * 1024)
        body = json.dumps({"path": "shared/report.pdf", "kind": "file"}).encode()
        created = self.call(
            "POST", "/files/shares", 201, headers={"content-type": "application/json"}, body=body
        )
        token = parse_response(created).json()["url"].rsplit("/", 1)[-1]
        download = _invoker(
            self.handler.handler,
            build_event("POST", f"/files/public/shares/{token}/downloads"),
            200,
        )
        presigned = self.invoker(
            build_event("GET", "/files/presigned-url/shared/report.pdf", headers=self.auth), 200
        )
        for warm_up in (download, presigned):
            per_call(warm_up, max(3, calls // 5))
        samples = interleaved(
            {
                "share": lambda: per_call(download, calls),
                "presigned": lambda: per_call(presigned, calls),
            },
            rounds,
        )
        medians = {name: Spread.of(values).median for name, values in samples.items()}
        return [
            Row(
                "share_download",
                "Share link: POST .../downloads of a file link / the member's "
                "GET /files/presigned-url",
                ratios(samples["share"], samples["presigned"]),
                Bar("<=", 1.3),
                f"{ms(medians['share'])} vs {ms(medians['presigned'])} a call; the link's "
                "counted download (with its audit row, one database function) in Postgres",
                medians,
            ),
        ]

    # -- malware scanning: what the verdict check adds to a warm read -------------------------

    def scan_check(self, rounds: int, calls: int) -> list[Row]:
        """A warm inline download of a clean, scanned file, scanning enforced / off.

        Two apps of the handler's own parts (the bench's environment sets
        `MALWARE_SCANNING=off` for every other row), the same route of the same
        file: the enforced one judges the version's verdict, which it read on its
        first download and keeps (scans.py): a warm download makes no query.
        """
        import dataclasses
        from datetime import UTC, datetime

        from file_lambda.app import create_app
        from file_lambda.events import scan_results

        path = "scanned/clean.txt"
        put = self.raw.put_object(Bucket=BUCKET, Key=self.root + path, Body=b"c" * 1024)
        verdict = scan_results.ScanResult(
            self.tenant,
            path,
            put["VersionId"],
            put["ETag"].strip('"'),
            "NO_THREATS_FOUND",
            (),
            datetime.now(UTC),
        )
        scan_results.record(self.handler.memberships, verdict)
        state = self.handler.app.state
        ledger = _VerdictQueries(self.handler.memberships)

        def download_with(enforced: bool) -> Any:
            settings = dataclasses.replace(self.settings, malware_scanning_enforced=enforced)
            app = create_app(
                settings,
                state.storage,
                state.token_verifier,
                Memberships(self.handler.memberships, ttl=settings.membership_ttl),
                state.cursors,
                state.upload_records,
                ledger=ledger,  # type: ignore[arg-type]
            )
            handler = Mangum(app, lifespan="off", custom_handlers=[AlbHandler])
            event = build_event("GET", f"/files/download/{path}", headers=self.auth)
            return _invoker(handler, event, 200)

        enforced, off = download_with(True), download_with(False)
        for warm_up in (enforced, off):
            per_call(warm_up, max(3, calls // 5))
        ledger.count = 0
        samples = interleaved(
            {"enforced": lambda: per_call(enforced, calls), "off": lambda: per_call(off, calls)},
            rounds,
        )
        medians = {name: Spread.of(values).median for name, values in samples.items()}
        return [
            Row(
                "scan_check",
                "Scanning: warm GET /files/download of a clean, scanned 1 KiB file, enforced / off",
                ratios(samples["enforced"], samples["off"]),
                Bar("<=", 1.05),
                f"{ms(medians['enforced'])} vs {ms(medians['off'])} a call; "
                f"{ledger.count} verdict queries in the timed calls (the verdict is kept)",
                {**medians, "verdict_queries": ledger.count},
            ),
        ]

    def request_upload(self, rounds: int, calls: int) -> list[Row]:
        """The API part of a one-part upload into a file request / into an upload session.

        Create, sign part 1 and complete, timed; the part's PUT to S3 between
        them is not the API's part and is left out. Each upload is a new file
        (a fresh name: no overwrite, no renaming). A request holds at most 1000
        files, so a new one is opened, untimed, before its slots run out.
        """
        part = b"u" * 1024
        http = httpx.Client(timeout=30)
        json_headers = {"content-type": "application/json"}

        def opened_request() -> str:
            body = json.dumps({"title": "bench", "folder": "requested", "max_files": 1000})
            answer = self.call(
                "POST", "/files/requests", 201, headers=json_headers, body=body.encode()
            )
            return "/files/public/requests/" + parse_response(answer).json()["url"].rsplit("/")[-1]

        def session() -> str:
            body = json.dumps({"folder": "session", "expires_in": 3600}).encode()
            answer = self.call(
                "POST", "/files/upload-sessions", 201, headers=json_headers, body=body
            )
            endpoint = parse_response(answer).json()["companion_endpoint"]
            return endpoint[endpoint.index("/files/") :]

        def api(method: str, path: str, body: Any = None) -> tuple[Any, float]:
            raw = json.dumps(body).encode() if body is not None else b""
            event = build_event(
                method, path, headers=json_headers if body is not None else {}, body=raw
            )
            start = time.perf_counter()
            answer = self.handler.handler(event, CONTEXT)
            elapsed = time.perf_counter() - start
            if answer["statusCode"] != 200:
                raise RuntimeError(f"{method} {path}: {answer['statusCode']} {answer.get('body')}")
            return parse_response(answer).json(), elapsed

        def upload(endpoint: str) -> float:
            """One file through `endpoint`'s Companion routes: the seconds of its API calls."""
            name = f"{uuid.uuid4().hex}.bin"
            created, creating = api(
                "POST",
                f"{endpoint}/s3/multipart",
                {"filename": name, "type": "application/octet-stream", "metadata": {}},
            )
            upload_id = quote(created["uploadId"], safe="")
            signed, signing = api("GET", f"{endpoint}/s3/multipart/{upload_id}/1")
            put = http.put(signed["url"], content=part)
            put.raise_for_status()
            parts = [{"PartNumber": 1, "ETag": put.headers["etag"]}]
            _, completing = api(
                "POST", f"{endpoint}/s3/multipart/{upload_id}/complete", {"parts": parts}
            )
            return creating + signing + completing

        taken = Counter[str]()
        requests = [opened_request()]

        def into_request() -> float:
            if taken[requests[-1]] >= 1000:
                requests.append(opened_request())
            taken[requests[-1]] += 1
            return upload(requests[-1])

        sessions = session()

        def into_session() -> float:
            return upload(sessions)

        def median_of(fn: Any) -> float:
            return statistics.median(fn() for _ in range(calls))

        try:
            for warm_up in (into_request, into_session):
                median_of(warm_up)
            samples = interleaved(
                {
                    "request": lambda: median_of(into_request),
                    "session": lambda: median_of(into_session),
                },
                rounds,
            )
        finally:
            http.close()
        medians = {name: Spread.of(values).median for name, values in samples.items()}
        return [
            Row(
                "request_upload",
                "File request: a one-part upload's API calls (create, sign, complete) / "
                "an upload session's",
                ratios(samples["request"], samples["session"]),
                None,
                f"{ms(medians['request'])} vs {ms(medians['session'])} the three calls; the "
                "request's slot, submission record and audit rows in Postgres",
                medians,
            ),
        ]

    # -- S3 calls -----------------------------------------------------------------------

    def _fill(self, prefix: str, count: int) -> list[str]:
        keys = [f"{self.root}{prefix}/{index:06d}.txt" for index in range(count)]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda key: self.raw.put_object(Bucket=BUCKET, Key=key, Body=b"x"), keys))
        return keys

    def s3_calls(self, objects: int, rounds: int) -> list[Row]:
        batches = math.ceil(objects / 1000)
        api_times: list[float] = []
        one_by_one: list[float] = []
        raw_batches: list[float] = []
        sent: Counter[str] = Counter()
        for index in range(rounds):
            folder = f"delete-{index}"
            self._fill(folder, objects)
            keys = self._fill(f"one-by-one-{index}", objects)
            start = time.perf_counter()
            response, sent = self.requests.during(
                lambda folder=folder: self.call(
                    "DELETE", "/files/folder/delete", 200, params={"path": folder}
                )
            )
            api_times.append(time.perf_counter() - start)
            if parse_response(response).json()["deleted_count"] != objects:
                raise RuntimeError("the folder delete did not delete every object")
            start = time.perf_counter()
            for key in keys:
                self.raw.delete_object(Bucket=BUCKET, Key=key)
            one_by_one.append(time.perf_counter() - start)
            self._fill(f"raw-batch-{index}", objects)
            start = time.perf_counter()
            self._raw_delete_prefix(f"{self.root}raw-batch-{index}/")
            raw_batches.append(time.perf_counter() - start)
        deletes = sent.pop("DeleteObjects", 0)
        pages = sent.pop("ListObjectsV2", 0)
        others = sum(sent.values())
        listing = self._listing_calls(max(3, min(250, objects)))
        return [
            Row(
                "delete_folder_calls",
                f"S3: DeleteObjects (+ any other call) to delete a folder of {objects}",
                Spread.of([float(deletes + others)]),
                Bar("<=", batches),
                f"{deletes} DeleteObjects, {pages} list pages, {others} other"
                + (f" ({dict(sent)})" if others else ""),
                {"delete_objects": deletes, "list_pages": pages, "other": dict(sent)},
                unit="calls",
            ),
            Row(
                "delete_folder_pages",
                f"S3: list pages to delete a folder of {objects}",
                Spread.of([float(pages)]),
                Bar("<=", batches + 1),
                "1000 keys a page",
                unit="calls",
            ),
            Row(
                "delete_folder_speed",
                f"S3: delete one by one / delete folder ({objects} objects)",
                ratios(one_by_one, api_times),
                Bar(">=", 20),
                f"{ms(Spread.of(one_by_one).median)} vs {ms(Spread.of(api_times).median)}",
            ),
            Row(
                "delete_folder_floor",
                "  delete folder / raw boto3 list + DeleteObjects loop (the server's floor)",
                ratios(api_times, raw_batches),
                None,
                f"raw loop {ms(Spread.of(raw_batches).median)}",
            ),
            Row(
                "list_page_calls",
                "S3: calls per listing page (first page and a cursor page)",
                Spread.of([float(count) for count in listing]),
                Bar("<=", 1),
                f"pages cost {listing} calls",
                unit="calls",
            ),
        ]

    def _raw_delete_prefix(self, prefix: str) -> None:
        """What any client must do to empty a prefix: list 1000, DeleteObjects 1000, repeat."""
        token: dict[str, str] = {}
        while True:
            page = self.raw.list_objects_v2(Bucket=BUCKET, Prefix=prefix, MaxKeys=1000, **token)
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.raw.delete_objects(Bucket=BUCKET, Delete={"Objects": keys, "Quiet": True})
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def _listing_calls(self, objects: int) -> list[int]:
        self._fill("listing", objects)
        params = {"folder": "listing", "limit": str(max(1, objects // 3))}
        first, sent = self.requests.during(
            lambda: self.call("GET", "/files/list", 200, params=params)
        )
        cursor = parse_response(first).json()["next_cursor"]
        _, sent_next = self.requests.during(
            lambda: self.call(
                "GET",
                "/files/list",
                200,
                params={**params, "cursor": cursor},
            )
        )
        return [sum(sent.values()), sum(sent_next.values())]

    # -- versions and trash -----------------------------------------------------------

    def history(self, rounds: int, calls: int, versions: int) -> list[Row]:
        """A page of a file's versions and a page of the trash, against a raw listing."""
        key = self.root + "history/file.txt"
        for index in range(versions):
            self.raw.put_object(Bucket=BUCKET, Key=key, Body=f"{index}".encode())
        trashed = self._fill("trash", versions)
        for item in trashed:
            self.raw.delete_object(Bucket=BUCKET, Key=item)
        pages = {
            "versions": ("/files/versions/history/file.txt", {"limit": str(versions)}),
            "trash": ("/files/trash", {"folder": "trash", "limit": str(2 * versions)}),
        }
        sent = {
            name: self.requests.during(lambda p=path, q=query: self.call("GET", p, 200, params=q))
            for name, (path, query) in pages.items()
        }
        for name, (response, _) in sent.items():
            listed = parse_response(response).json()
            found = len(listed["versions" if name == "versions" else "files"])
            if found != versions or listed["next_cursor"] is not None:
                raise RuntimeError(f"{name}: {found} entries on one page, expected {versions}")

        def api(name: str) -> Any:
            path, query = pages[name]
            return self.invoker(build_event("GET", path, params=query, headers=self.auth), 200)

        def raw(prefix: str, limit: int) -> Any:
            return lambda: self.raw.list_object_versions(
                Bucket=BUCKET, Prefix=prefix, MaxKeys=limit
            )

        subjects = {
            "versions": api("versions"),
            "raw_versions": raw(key, versions),
            "trash": api("trash"),
            "raw_trash": raw(self.root + "trash/", 2 * versions),
        }
        for warm_up in subjects.values():
            per_call(warm_up, 2)
        page_calls = max(2, calls // 20)
        samples = interleaved(
            {name: lambda fn=fn: per_call(fn, page_calls) for name, fn in subjects.items()},
            rounds,
        )
        medians = {name: Spread.of(values).median for name, values in samples.items()}
        version_calls, trash_calls = sent["versions"][1], sent["trash"][1]
        return [
            Row(
                "versions_page_calls",
                f"S3: calls for a page of {versions} versions (1 listing + 1 HEAD a version)",
                Spread.of([float(sum(version_calls.values()))]),
                Bar("<=", versions + 1),
                f"{dict(version_calls)}; HEAD is the only way to read who wrote a version",
                unit="calls",
            ),
            Row(
                "versions_page_time",
                "  a page of versions / raw list_object_versions of the same page",
                ratios(samples["versions"], samples["raw_versions"]),
                None,
                f"{ms(medians['versions'])} vs {ms(medians['raw_versions'])} (HEADs 8 at a time)",
            ),
            Row(
                "trash_page_calls",
                f"S3: calls for a trash page ({versions} deleted files)",
                Spread.of([float(sum(trash_calls.values()))]),
                Bar("<=", 2),
                f"{dict(trash_calls)}; a second call only when a page ends inside a file",
                unit="calls",
            ),
            Row(
                "trash_page_time",
                "Trash: a page / raw list_object_versions of the same page",
                ratios(samples["trash"], samples["raw_trash"]),
                Bar("<=", 1.5),
                f"{ms(medians['trash'])} vs {ms(medians['raw_trash'])}",
            ),
        ]

    # -- bytes --------------------------------------------------------------------------

    def transfers(self, rounds: int, calls: int) -> list[Row]:
        # Just under the limit: the largest file whose multipart body still fits, less 1 KiB.
        upload_size = _largest_file(self.settings.max_inline_upload_bytes) - 1024
        data = bytes(range(256)) * (upload_size // 256 + 1)
        payload = data[:upload_size]
        form = httpx.Request("POST", "http://x", files={"file": ("up.bin", payload)})
        body = form.read()
        upload = self.invoker(
            build_event(
                "POST",
                "/files/upload",
                params={"folder": "bytes", "overwrite": "true"},
                headers={**self.auth, "content-type": form.headers["content-type"]},
                body=body,
            ),
            201,
        )
        down_size = self.settings.max_inline_download_bytes - 1024
        self.raw.put_object(Bucket=BUCKET, Key=self.root + "bytes/down.bin", Body=data[:down_size])
        download = self.invoker(
            build_event("GET", "/files/download/bytes/down.bin", headers=self.auth), 200
        )

        def raw_put() -> None:
            self.raw.put_object(Bucket=BUCKET, Key=self.root + "bytes/raw.bin", Body=payload)

        def raw_get() -> None:
            self.raw.get_object(Bucket=BUCKET, Key=self.root + "bytes/down.bin")["Body"].read()

        # The floor of any Lambda behind an ALB: the body crosses it
        # base64-encoded, decoded and encoded here as fast as the handler can.
        encoded_form = pybase64.b64encode(body).decode()

        def alb_put() -> None:
            form = pybase64.b64decode(encoded_form)
            self.raw.put_object(Bucket=BUCKET, Key=self.root + "bytes/raw.bin", Body=form)

        def alb_get() -> None:
            data = self.raw.get_object(Bucket=BUCKET, Key=self.root + "bytes/down.bin")["Body"]
            pybase64.b64encode(data.read()).decode()

        def head_uploaded() -> None:  # what an upload adds for the answer's last_modified
            self.raw.head_object(Bucket=BUCKET, Key=self.root + "bytes/up.bin")

        for warm_up in (upload, raw_put, download, raw_get, alb_put, alb_get, head_uploaded):
            warm_up()
        samples = interleaved(
            {
                "upload": lambda: per_call(upload, calls),
                "put_object": lambda: per_call(raw_put, calls),
                "download": lambda: per_call(download, calls),
                "get_object": lambda: per_call(raw_get, calls),
                "alb_put": lambda: per_call(alb_put, calls),
                "alb_get": lambda: per_call(alb_get, calls),
                "head": lambda: per_call(head_uploaded, calls),
            },
            rounds,
        )
        medians = {name: Spread.of(values).median for name, values in samples.items()}

        def rate(size: int, seconds: float) -> str:
            return f"{size / seconds / 1e6:.0f} MB/s"

        return [
            Row(
                "bytes_upload",
                f"Bytes: upload through the API / raw put_object ({upload_size} B)",
                ratios(samples["put_object"], samples["upload"]),
                Bar(">=", 0.8),
                f"{rate(upload_size, medians['upload'])} vs "
                f"{rate(upload_size, medians['put_object'])}",
                medians,
            ),
            Row(
                "bytes_download",
                f"Bytes: download through the API / raw get_object ({down_size} B)",
                ratios(samples["get_object"], samples["download"]),
                Bar(">=", 0.8),
                f"{rate(down_size, medians['download'])} vs "
                f"{rate(down_size, medians['get_object'])}",
                medians,
            ),
            Row(
                "bytes_upload_alb_floor",
                "  upload / raw put_object of the base64 body decoded first (the ALB's floor)",
                ratios(samples["alb_put"], samples["upload"]),
                None,
                f"floor {rate(upload_size, medians['alb_put'])}; the upload's HEAD of what it "
                f"wrote (for last_modified) {ms(medians['head'])} of its "
                f"{ms(medians['upload'] - medians['alb_put'])} over the floor",
            ),
            Row(
                "bytes_download_alb_floor",
                "  download / raw get_object then base64-encoded (the ALB's floor)",
                ratios(samples["alb_get"], samples["download"]),
                None,
                f"floor {rate(down_size, medians['alb_get'])}",
            ),
        ]

    # -- multipart ----------------------------------------------------------------------

    def multipart(self, rounds: int, size_mib: int) -> list[Row]:
        """The same file through the API's part URLs and through raw boto3 multipart."""
        size = size_mib * 1024 * 1024
        workers = 8
        with tempfile.TemporaryDirectory(prefix="snsd-bench-multipart-") as scratch:
            path = os.path.join(scratch, "file.bin")
            block = os.urandom(1024 * 1024)
            with open(path, "wb") as f:
                for _ in range(size_mib):
                    f.write(block)
            fd = os.open(path, os.O_RDONLY)
            limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
            http = httpx.Client(timeout=120, limits=limits)
            calls: list[str] = []
            api_seconds: list[float] = []

            def api(method: str, route: str, expect: int, body: Any = None) -> Any:
                calls.append(route.rsplit("/", 1)[-1])
                start = time.perf_counter()
                headers = {"content-type": "application/json"} if body is not None else {}
                raw = json.dumps(body).encode() if body is not None else b""
                answer = parse_response(self.call(method, route, expect, headers=headers, body=raw))
                api_seconds.append(time.perf_counter() - start)
                return answer.json()

            def read(number: int, part_size: int) -> bytes:
                offset = (number - 1) * part_size
                return os.pread(fd, min(part_size, size - offset), offset)

            def through_the_api() -> None:
                calls.clear()
                api_seconds.clear()
                created = api(
                    "POST",
                    "/files/multipart",
                    201,
                    {"path": "multipart/file.bin", "size": size, "overwrite": True},
                )
                upload_id, part_size = created["upload_id"], created["part_size"]
                numbers = list(range(1, created["part_count"] + 1))
                urls: dict[int, str] = {}
                for start in range(0, len(numbers), 100):
                    batch = [{"part_number": n} for n in numbers[start : start + 100]]
                    signed = api(
                        "POST", f"/files/multipart/{upload_id}/sign", 200, {"parts": batch}
                    )
                    urls.update({p["part_number"]: p["url"] for p in signed["parts"]})

                def put(number: int) -> dict[str, Any]:
                    answer = http.put(urls[number], content=read(number, part_size))
                    answer.raise_for_status()
                    return {"part_number": number, "etag": answer.headers["etag"]}

                with ThreadPoolExecutor(workers) as pool:
                    parts = list(pool.map(put, numbers))
                api("POST", f"/files/multipart/{upload_id}/complete", 201, {"parts": parts})

            part_size = 8 * 1024 * 1024  # what the API answers for files up to 78 GiB

            def raw_boto3() -> None:
                key = self.root + "multipart/raw.bin"
                upload = self.raw.create_multipart_upload(Bucket=BUCKET, Key=key)
                numbers = list(range(1, math.ceil(size / part_size) + 1))

                def put(number: int) -> dict[str, Any]:
                    answer = self.raw.upload_part(
                        Bucket=BUCKET,
                        Key=key,
                        UploadId=upload["UploadId"],
                        PartNumber=number,
                        Body=read(number, part_size),
                    )
                    return {"PartNumber": number, "ETag": answer["ETag"]}

                with ThreadPoolExecutor(workers) as pool:
                    parts = list(pool.map(put, numbers))
                self.raw.complete_multipart_upload(
                    Bucket=BUCKET,
                    Key=key,
                    UploadId=upload["UploadId"],
                    MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
                )

            def timed(fn: Any) -> float:
                start = time.perf_counter()
                fn()
                return time.perf_counter() - start

            try:
                through_the_api()  # warm: connections, the handler's routes
                raw_boto3()
                samples = interleaved(
                    {"api": lambda: timed(through_the_api), "raw": lambda: timed(raw_boto3)},
                    rounds,
                )
                _, s3_sent = self.requests.during(through_the_api)
            finally:
                http.close()
                os.close(fd)
        medians = {name: Spread.of(values).median for name, values in samples.items()}
        gib = size / 1024**3
        parts_count = math.ceil(size / part_size)
        signs = calls.count("sign")
        needed = 2 + math.ceil(parts_count / 100)  # create, a sign call per 100 parts, complete

        def rate(seconds: float) -> str:
            return f"{size / seconds / 1e6:.0f} MB/s"

        return [
            Row(
                "multipart_upload",
                f"Multipart: upload through presigned part URLs / raw boto3 multipart "
                f"({size_mib} MiB, 8 MiB parts, {workers} in flight)",
                ratios(samples["raw"], samples["api"]),
                Bar(">=", 0.9),
                f"{rate(medians['api'])} vs {rate(medians['raw'])}; the API's own calls "
                f"took {ms(sum(api_seconds))} of {ms(medians['api'])}",
                medians,
            ),
            Row(
                "multipart_calls",
                "Multipart: API calls per GiB uploaded (create, sign 100 parts a call, complete)",
                Spread.of([len(calls) / gib]),
                Bar("<=", needed / gib),
                f"{len(calls)} calls for {size_mib} MiB ({signs} sign); "
                f"a 6 GiB file: {2 + math.ceil(768 / 100)}; the handler's S3 requests: "
                f"{dict(s3_sent)}",
                {"calls": len(calls), "sign_calls": signs, "s3": dict(s3_sent)},
                unit="calls",
            ),
        ]


def _largest_file(body_limit: int) -> int:
    """The largest file whose multipart body still fits in `body_limit` bytes."""
    envelope = len(httpx.Request("POST", "http://x", files={"file": ("up.bin", b"")}).read())
    return body_limit - envelope


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--delete-rounds", type=int, default=2)
    parser.add_argument("--transfers", type=int, default=8)
    parser.add_argument("--multipart-mib", type=int, default=1024)
    parser.add_argument("--multipart-rounds", type=int, default=3)
    args = parser.parse_args()
    # Powertools warns on every invocation that records no metric (health): not for the table.
    warnings.filterwarnings("ignore", "No application metrics to publish")
    bench = Bench(args.endpoint)
    rows = bench.warm(args.rounds, args.calls)
    warm_metadata = next(row for row in rows if row.key == "warm_metadata").absolute["metadata"]
    rows += bench.memberships(args.rounds, args.calls, warm_metadata)
    rows += bench.bucket_changes(args.rounds, args.batch)
    rows += bench.write_bookkeeping(args.rounds, args.calls)
    rows += bench.share_download(args.rounds, args.calls)
    rows += bench.request_upload(args.rounds, max(2, args.calls // 10))
    rows += bench.scan_check(args.rounds, args.calls)
    rows += bench.s3_calls(args.objects, args.delete_rounds)
    rows += bench.history(args.rounds, args.calls, min(50, args.objects))
    rows += bench.transfers(args.rounds, args.transfers)
    rows += bench.multipart(args.multipart_rounds, args.multipart_mib)
    with open(args.out, "w") as out:
        json.dump([row.as_json() for row in rows], out)


if __name__ == "__main__":
    main()
