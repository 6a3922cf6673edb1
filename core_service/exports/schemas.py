"""Request and response bodies of the exports routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ExportState = Literal["queued", "running", "succeeded", "failed", "expired"]


class ExportDownload(BaseModel):
    url: str = Field(description="A presigned GET of the ZIP (attachment); short-lived")
    url_expires_at: datetime
    file_name: str


class Export(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    state: ExportState
    requested_by: uuid.UUID | None
    progress: dict[str, Any] = Field(description="The job's own counters while it runs")
    error: str | None = Field(description="A problem code of docs/api.md when it failed")
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None = Field(description="When the ZIP is deleted (succeeded only)")
    size: int | None = Field(default=None, description="The ZIP's size in bytes, once succeeded")
    files: int | None = Field(default=None, description="Files in the ZIP, once succeeded")
    skipped: list[dict[str, str]] = Field(
        default_factory=list,
        description="Files left out (not yet scanned, or infected), each with its path and"
        " why, once succeeded",
    )
    download: ExportDownload | None = Field(
        default=None, description="Present while the export has succeeded and not expired"
    )


class ExportList(BaseModel):
    exports: list[Export] = Field(description="Newest first")
