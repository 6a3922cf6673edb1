"""The issue's reference point: a minimal FastAPI + Mangum + boto3 + Powertools Logger handler.

Not part of the product: `make bench` times its cold start beside the real
handler's, so the table shows how much of the gap to the floor any handler
on this stack pays.
"""

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from fastapi import FastAPI
from mangum import Mangum

logger = Logger()
s3 = boto3.client("s3")
app = FastAPI()


@app.get("/files/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


_asgi = Mangum(app, lifespan="off")


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response: dict[str, Any] = _asgi(event, context)
    return response
