"""The presigned download of a finished export: the core's one use of S3.

Presigning is local computation (no request to S3); the URL is signed with
the core's credentials (the ECS task role's, which must allow `s3:GetObject`
on the bucket's `jobs/*`), and dies when they do, or after
`DOWNLOAD_SECONDS`, whichever comes first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

# Long enough to start a download of a large ZIP; a new GET gives a new URL.
DOWNLOAD_SECONDS = 900


class ExportLinks:
    def __init__(self, bucket: str, region: str, endpoint_url: str | None) -> None:
        self.bucket = bucket
        self.region = region
        self.endpoint_url = endpoint_url

    @cached_property
    def _s3(self) -> Any:
        import boto3
        from botocore.config import Config

        # Virtual-hosted style on AWS; an endpoint of its own (SeaweedFS in make dev)
        # takes the path style.
        config = Config(
            region_name=self.region,
            signature_version="s3v4",
            s3={"addressing_style": "path" if self.endpoint_url else "virtual"},
        )
        return boto3.client("s3", endpoint_url=self.endpoint_url, config=config)

    def download(self, key: str, file_name: str) -> tuple[str, datetime]:
        """A presigned GET of `key` saved as `file_name`, and when it stops working."""
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{file_name}"',
                "ResponseContentType": "application/zip",
            },
            ExpiresIn=DOWNLOAD_SECONDS,
        )
        return url, datetime.now(UTC) + timedelta(seconds=DOWNLOAD_SECONDS)
