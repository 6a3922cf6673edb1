"""Lambda entry point: `file_lambda.handler.handler`, invoked by the ALB, and by
the queue of the bucket's changes (`events/consumer.py`).

Everything here runs once per container (cold start) and is reused by warm
invocations. Nothing at import touches the network: the S3 client connects
on first use, the Supabase settings (when only their secret's ARN is set) on
the first token, the JWKS on the first asymmetric token, Postgres on the
first membership lookup.
"""

from __future__ import annotations

import gc
import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum

from file_lambda import alb, metrics, snapstart
from file_lambda.app import create_app
from file_lambda.cursors import Cursors
from file_lambda.events.consumer import Consumer, is_queue_batch
from file_lambda.memberships import Memberships, PostgresMemberships
from file_lambda.secrets import SupabaseSecrets
from file_lambda.settings import Settings
from file_lambda.storage.s3 import S3Storage, make_client
from file_lambda.uploads.records import PostgresUploadRecords
from file_lambda.webhook_relay import webhook_relay
from tenancy.tokens import DeferredVerifier

logger = Logger(service=metrics.SERVICE)
settings = Settings.from_env()
supabase = SupabaseSecrets(settings)
storage = S3Storage(make_client(settings.region, settings.endpoint_url), settings.bucket)
memberships = PostgresMemberships(lambda: supabase.get().db_url)
app = create_app(
    settings,
    storage,
    DeferredVerifier(supabase.auth),
    Memberships(memberships, ttl=settings.membership_ttl),
    Cursors(lambda: supabase.get().derived_key("file-api listing cursors v1")),
    # Who started which multipart upload: on the memberships' one connection.
    PostgresUploadRecords(memberships),
    # The usage the bucket's changes add up to (events/ledger.py): the same connection.
    ledger=memberships,
)
# The bucket's changes (terraform/modules/events), on the same connection.
# It removes what a tenant stores over its quota (a form posted again) from the bucket.
# The webhook events a batch writes go to the delivery queue right after it.
consumer = Consumer(memberships, bucket=storage, after_changes=webhook_relay(settings, memberships))
# Every body crosses the ALB base64-encoded (alb.AlbHandler), so a response's
# size is exactly 4/3 of its body: the inline limits below stay exact, whatever
# escaping the runtime would apply to text.
_asgi = Mangum(app, lifespan="off", custom_handlers=[alb.AlbHandler])


def _oversized(response: dict[str, Any]) -> bool:
    body = response.get("body") or ""
    if response.get("isBase64Encoded") and isinstance(body, str):
        # Base64 needs no JSON escaping: the body counts as its length, and only
        # the envelope is encoded (re-encoding the body showed in bytes_download).
        envelope = len(json.dumps({**response, "body": ""}))
        return envelope + len(body) > settings.max_response_bytes
    return len(json.dumps(response)) > settings.max_response_bytes


@logger.inject_lambda_context
@metrics.registry.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_queue_batch(event):
        return consumer.consume(event).response()
    logger.set_correlation_id(alb.trace_id(event))
    response: dict[str, Any] = _asgi(event, context)  # type: ignore[arg-type]
    status = int(response.get("statusCode", 500))
    if status >= 400:
        metrics.failed(status)
    if _oversized(response):
        # The ALB would turn this into a bare 502; answer a problem instead.
        logger.error("response over the ALB limit", extra={"status": status})
        response = _too_large(event)
    # A JSON log line is a large share of a warm request (bench row warm_no_s3):
    # successes are logged at DEBUG (the ALB's access log has them), errors always.
    log = logger.info if status >= 400 else logger.debug
    log("request", extra={"method": event.get("httpMethod"), "status": status})
    return response


def _too_large(event: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "The response would exceed the load balancer's limit",
            "code": "response_too_large",
            "request_id": logger.get_correlation_id() or "",
        }
    )
    headers = {"content-type": "application/problem+json"}
    if "multiValueHeaders" in event:
        return {
            "statusCode": 500,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "body": body,
            "isBase64Encoded": False,
        }
    return {"statusCode": 500, "headers": headers, "body": body, "isBase64Encoded": False}


def before_snapshot() -> None:
    """SnapStart: what the snapshot should hold already (see `snapstart.py`)."""
    import psycopg  # noqa: F401  (the memberships' driver: imported once, for every restore)

    snapstart.warm_up(handler)


def after_restore() -> None:
    """SnapStart: what no two restored environments may share (see `snapstart.py`)."""
    snapstart.reseed()
    storage.reconnect(make_client(settings.region, settings.endpoint_url))
    memberships.close()


snapstart.register(before_snapshot, after_restore)

# Last: everything above lives as long as the container. Keep it out of the
# collector's full passes, which otherwise walk all of it during whichever
# warm invocation triggers one (a tail in bench row warm_metadata).
gc.freeze()
