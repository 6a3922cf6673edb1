"""CloudWatch metrics of the file API, as Embedded Metric Format log lines.

Powertools flushes them once per invocation (see `handler`); nothing here
calls AWS.
"""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from tenancy.settings import Environment

# What Terraform and template.yaml set. Without a namespace, Powertools would
# raise on every invocation that records a metric, and the ALB would answer 502.
DEFAULT_NAMESPACE = "SnSD"
DEFAULT_SERVICE = "file-api"

_env = Environment()
NAMESPACE = _env.text("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE)
# The logs' `service` too (handler.py): metrics and logs name one service.
SERVICE = _env.text("POWERTOOLS_SERVICE_NAME", DEFAULT_SERVICE)
registry = Metrics(namespace=NAMESPACE, service=SERVICE)


def uploaded(size: int) -> None:
    registry.add_metric(name="Uploads", unit=MetricUnit.Count, value=1)
    registry.add_metric(name="UploadBytes", unit=MetricUnit.Bytes, value=size)


def downloaded(size: int) -> None:
    registry.add_metric(name="Downloads", unit=MetricUnit.Count, value=1)
    registry.add_metric(name="DownloadBytes", unit=MetricUnit.Bytes, value=size)


def redirected(size: int) -> None:
    registry.add_metric(name="DownloadRedirects", unit=MetricUnit.Count, value=1)
    registry.add_metric(name="RedirectedBytes", unit=MetricUnit.Bytes, value=size)


def failed(status: int) -> None:
    name = "ServerErrors" if status >= 500 else "ClientErrors"
    registry.add_metric(name=name, unit=MetricUnit.Count, value=1)
