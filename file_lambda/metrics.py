"""CloudWatch metrics of the file API, as Embedded Metric Format log lines.

Powertools flushes them once per invocation (see `handler`); nothing here
calls AWS.
"""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

# Namespace and service come from POWERTOOLS_METRICS_NAMESPACE / POWERTOOLS_SERVICE_NAME.
registry = Metrics()


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
