"""Request and response bodies of folder archives (their OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ArchiveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str = Field(
        max_length=1024,
        description="The folder to archive, relative to the tenant's root (`reports/2026/`;"
        " a trailing `/` is optional); empty for the whole tenant",
    )


class ArchiveProgress(BaseModel):
    files: int | None = Field(None, description="Files to archive, once listed")
    files_done: int | None = Field(None, description="Files written so far")
    bytes: int | None = Field(None, description="Their bytes, once listed")
    bytes_written: int | None = Field(
        None, description="The ZIP's bytes written so far (moves while a large file is copied)"
    )


class SkippedFile(BaseModel):
    path: str = Field(description="Relative to the archived folder")
    reason: str = Field(
        description="`infected`, `pending` (not scanned yet), `archived` (restore it first)"
        " or `deleted`"
    )


class ArchiveLinks(BaseModel):
    self: str = Field(description="Where to poll the archive's state")


class Archive(BaseModel):
    id: str
    state: Literal["queued", "running", "succeeded", "failed", "expired"]
    folder: str = Field(description="As asked, with a trailing `/` (empty: the whole tenant)")
    name: str = Field(description="The ZIP's file name: the folder's last segment, or `tenant.zip`")
    progress: ArchiveProgress
    created_at: datetime
    finished_at: datetime | None = None
    expires_at: datetime | None = Field(
        None, description="When a succeeded archive is deleted (`ARCHIVE_EXPIRY_HOURS` after)"
    )
    error: str | None = Field(None, description="Why it failed: a code of docs/api.md")
    size: int | None = Field(None, description="The ZIP's bytes, once succeeded")
    files: int | None = Field(None, description="Files in the ZIP, once succeeded")
    skipped: list[SkippedFile] = Field(
        default_factory=list, description="Files left out (the first 1,000), once succeeded"
    )
    download_url: str | None = Field(
        None,
        description="A presigned GET of the ZIP (as an attachment), valid for"
        " `PRESIGN_DEFAULT_EXPIRES` seconds; only on `GET /files/archives/{id}` once"
        " succeeded",
    )
    links: ArchiveLinks


class ArchiveList(BaseModel):
    archives: list[Archive]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last"
    )
