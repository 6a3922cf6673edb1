"""Request and response bodies of versions and trash (their OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from file_lambda.schemas import Scan


class FileVersion(BaseModel):
    version_id: str = Field(description="Pass as `version_id` to download, metadata or restore")
    size: int
    etag: str | None = Field(description="Null for a delete marker")
    last_modified: datetime
    is_current: bool
    is_delete_marker: bool = Field(description="The file was deleted at this point")
    uploaded_by: str | None = Field(description="The user id that wrote this version")
    archived: bool = Field(description="In an archive storage class: thaw it before reading")
    scan: Scan = Field(
        default=None,
        description="The malware scan's verdict: pending (none yet), clean, infected, "
        "unscannable or failed; null for a delete marker, and where scanning is off",
    )


class VersionList(BaseModel):
    path: str
    versions: list[FileVersion] = Field(description="Newest first")
    next_cursor: str | None


class VersionRequest(BaseModel):
    path: str
    version_id: str


class ThawRequest(BaseModel):
    path: str
    version_id: str | None = Field(default=None, description="The current version when null")
    days: int = Field(default=7, ge=1, le=30, description="How long the readable copy stays")


class ThawResult(BaseModel):
    path: str
    version_id: str | None
    status: Literal["restoring", "available"]
    ready_within_hours: int | None = Field(description="Null when it is available already")
    available_days: int


class TrashedFile(BaseModel):
    path: str
    name: str
    deleted_at: datetime
    size: int = Field(description="Of the version a restore brings back")
    version_id: str = Field(description="The version a restore brings back")


class TrashedFolder(BaseModel):
    path: str
    name: str
    deleted_at: datetime = Field(
        description="Restore it with POST /files/trash/restore-folder and this as deleted_since"
    )


class TrashList(BaseModel):
    folder: str
    folders: list[TrashedFolder] = Field(description="Deleted folders (their markers)")
    files: list[TrashedFile]
    next_cursor: str | None


class FolderRestoreRequest(BaseModel):
    folder: str = Field(description="Relative to the tenant's root; empty is the root")
    deleted_since: datetime | None = Field(
        default=None, description="Only what was deleted at or after this time (ISO 8601)"
    )


class FolderRestored(BaseModel):
    folder: str
    restored_count: int = Field(description="Files and folder markers, as a folder delete counts")


class Purged(BaseModel):
    path: str = Field(description="The file or folder purged")
    purged_files: int
    purged_versions: int = Field(description="Versions and delete markers removed for good")
