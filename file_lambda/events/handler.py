"""Lambda entry point of the queue's consumer: `file_lambda.events.handler.handler`.

The same package and settings as the file API (the database comes from
SUPABASE_DB_URL, or from the secret named by APP_SECRET_ARN), invoked by an
SQS event source mapping with ReportBatchItemFailures.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from file_lambda.database import Database
from file_lambda.events.consumer import Consumer
from file_lambda.secrets import SupabaseSecrets
from file_lambda.settings import Settings

logger = Logger()
settings = Settings.from_env()
supabase = SupabaseSecrets(settings)
consumer = Consumer(Database(lambda: supabase.get().db_url))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = consumer.consume(event)
    logger.info(
        "batch",
        extra={
            "recorded": result.recorded,
            "duplicates": result.duplicates,
            "failed": len(result.failed),
        },
    )
    return result.response()
