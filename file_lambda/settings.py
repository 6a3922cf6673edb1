"""The file API's configuration, read once from the environment at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tenancy.settings import ConfigError, Environment

# An ALB passes a Lambda at most 1 MB of request body and accepts at most 1 MB
# of response JSON (headers and base64 body included). Stay under 10^6 bytes.
ALB_BODY_LIMIT = 1_000_000
# Below the ALB's limit, so that a body just over it meets the API's own 413
# (problem+json naming presigned upload) rather than the ALB's bare one.
DEFAULT_INLINE_UPLOAD = 900_000
# Room kept in a response for its headers and the JSON envelope of the event.
RESPONSE_HEADROOM = 16_384
# S3's largest object; multipart uploads may be configured up to it.
S3_MAX_OBJECT_SIZE = 5 * 1024**4
# S3's smallest part: a multipart upload's limit below it could never be met.
S3_MIN_PART_SIZE = 5 * 1024**2
# Where clients reach the API in production (docs/api.md): the origin of the URLs
# the API hands out, which a request's Host header could otherwise choose.
PRODUCTION_BASE_URL = "https://api.snsdconsultant.com"


@dataclass(frozen=True, slots=True)
class Settings:
    bucket: str
    region: str
    supabase_url: str | None
    jwt_secret: str | None
    endpoint_url: str | None = None
    # Supabase Postgres, where the callers' current memberships are read.
    db_url: str | None = None
    # In AWS the Supabase settings live in Secrets Manager: the environment
    # carries only the secret's ARN, read on first use (see `secrets.py`).
    secret_arn: str | None = None
    cors_allowed_origins: tuple[str, ...] = ()
    # The API's public origin, in the URLs it answers (an upload session's
    # companion_endpoint, a completion's location): never the request's Host.
    public_base_url: str = PRODUCTION_BASE_URL
    # Largest request body taken inline; larger uploads go through presigned POST.
    max_inline_upload_bytes: int = DEFAULT_INLINE_UPLOAD
    # Largest response the API returns; a download whose base64 form would not
    # fit is redirected to a presigned GET instead.
    max_response_bytes: int = ALB_BODY_LIMIT
    # Short: a presigned URL cannot be revoked, so a member removed after it was
    # issued keeps it this long at most (SECURITY.md).
    presign_default_expires: int = 300
    presign_max_expires: int = 900
    # Lifetime of the presigned GET a too-large download redirects to.
    redirect_expires: int = 300
    presign_upload_max_size: int = 5 * 1024**3  # one POST carries at most 5 GB
    # Seconds a container trusts the memberships it read (see `memberships.py`).
    membership_ttl: int = 30
    # Largest file a multipart upload may complete (README, "Large and resumable uploads").
    multipart_max_size: int = S3_MAX_OBJECT_SIZE
    # An upload session (Uppy's Companion endpoint) is a capability in a URL: it
    # lives this long by default and at most, and every call under it checks
    # the user's current membership anyway.
    upload_session_default_expires: int = 3600
    upload_session_max_expires: int = 86400
    # Days after which the bucket's lifecycle aborts an unfinished upload
    # (Terraform's abort_incomplete_multipart_upload_days): older ones are not listed.
    multipart_abort_days: int = 7
    # A share link or a file request ends at its `expires_at`, 7 days ahead unless
    # its creator says otherwise (`public_links.LINK_DEFAULT_DAYS`) and at most this
    # many days ahead (docs/api.md, "Share links"): a forgotten link ends on its own.
    share_max_days: int = 90
    file_request_max_days: int = 90
    # File requests (docs/api.md, "File requests"): the largest max_file_size one
    # may set, and how long an unfinished upload into one holds its slot of max_files.
    file_request_max_file_size: int = 10 * 1024**3
    file_request_upload_lease: int = 86400
    # Malware scanning (scans.py): `enforced`, every version is judged by its
    # verdict before it is read; `off`, for a deployment without a scanner (and
    # the tests that are not about scanning): nothing is judged or shown.
    malware_scanning_enforced: bool = True
    # The Retry-After of `409 scan_pending`, seconds: about a small file's
    # measured time from upload to verdict (docs/benchmarks.md, `scan_verdict`).
    scan_retry_after: int = 10
    # The webhooks' delivery queue (terraform/modules/webhooks): after a batch of the
    # bucket's changes, their events are relayed to it at once. Unset: the sweep does.
    webhook_queue_url: str | None = None
    # The job queue (jobs/runner.py): a new job's first message (folder archives).
    job_queue_url: str | None = None

    @property
    def max_inline_download_bytes(self) -> int:
        """Largest object whose base64 body still fits in one response."""
        return (self.max_response_bytes - RESPONSE_HEADROOM) // 4 * 3

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        read = Environment(env)
        supabase_url = read.url("SUPABASE_URL")
        jwt_secret = read.optional("SUPABASE_JWT_SECRET")
        secret_arn = read.optional("APP_SECRET_ARN")
        db_url = read.optional("SUPABASE_DB_URL")
        if supabase_url is None and jwt_secret is None and secret_arn is None:
            raise ConfigError(
                "missing required setting SUPABASE_URL or SUPABASE_JWT_SECRET (or APP_SECRET_ARN)"
            )
        if db_url is None and secret_arn is None:
            raise ConfigError("missing required setting SUPABASE_DB_URL (or APP_SECRET_ARN)")
        presign_max = read.integer("PRESIGN_MAX_EXPIRES", 900, minimum=60)
        session_max = read.integer("UPLOAD_SESSION_MAX_EXPIRES", 86400, minimum=60)
        return cls(
            bucket=read.required("S3_BUCKET_NAME"),
            region=read.region(),
            supabase_url=supabase_url,
            jwt_secret=jwt_secret,
            endpoint_url=read.url("AWS_ENDPOINT_URL_S3"),
            db_url=db_url,
            secret_arn=secret_arn,
            cors_allowed_origins=read.origins("CORS_ALLOWED_ORIGINS"),
            public_base_url=read.url("PUBLIC_BASE_URL") or PRODUCTION_BASE_URL,
            max_inline_upload_bytes=read.integer(
                "MAX_INLINE_UPLOAD_BYTES", DEFAULT_INLINE_UPLOAD, maximum=ALB_BODY_LIMIT
            ),
            presign_default_expires=read.integer(
                "PRESIGN_DEFAULT_EXPIRES", 300, minimum=60, maximum=presign_max
            ),
            presign_max_expires=presign_max,
            redirect_expires=read.integer("PRESIGN_REDIRECT_EXPIRES", 300),
            presign_upload_max_size=read.integer("PRESIGN_UPLOAD_MAX_SIZE", 5 * 1024**3),
            # SECURITY.md promises that a removal reaches the file API within a minute.
            membership_ttl=read.integer("MEMBERSHIP_CACHE_SECONDS", 30, maximum=60),
            multipart_max_size=read.integer(
                "MULTIPART_MAX_SIZE",
                S3_MAX_OBJECT_SIZE,
                minimum=S3_MIN_PART_SIZE,
                maximum=S3_MAX_OBJECT_SIZE,
            ),
            upload_session_default_expires=read.integer(
                "UPLOAD_SESSION_DEFAULT_EXPIRES", 3600, minimum=60, maximum=session_max
            ),
            upload_session_max_expires=session_max,
            multipart_abort_days=read.integer("MULTIPART_ABORT_DAYS", 7),
            share_max_days=read.integer("SHARE_MAX_DAYS", 90, minimum=7, maximum=365),
            file_request_max_days=read.integer("FILE_REQUEST_MAX_DAYS", 90, minimum=7, maximum=365),
            file_request_max_file_size=read.integer(
                "FILE_REQUEST_MAX_FILE_SIZE",
                10 * 1024**3,
                minimum=1,
                maximum=S3_MAX_OBJECT_SIZE,
            ),
            file_request_upload_lease=read.integer(
                "FILE_REQUEST_UPLOAD_LEASE", 86400, minimum=600, maximum=7 * 86400
            ),
            malware_scanning_enforced=_scanning(read.text("MALWARE_SCANNING", "enforced")),
            scan_retry_after=read.integer("SCAN_RETRY_AFTER", 10, maximum=3600),
            webhook_queue_url=read.url("WEBHOOK_QUEUE_URL"),
            job_queue_url=read.url("JOB_QUEUE_URL"),
        )


def _scanning(value: str) -> bool:
    if value not in ("enforced", "off"):
        raise ConfigError(f"setting MALWARE_SCANNING must be enforced or off, is {value!r}")
    return value == "enforced"
