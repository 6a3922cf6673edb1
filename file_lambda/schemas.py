"""Request and response bodies of the file API (the OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class FileInfo(BaseModel):
    path: str = Field(description="Path relative to the tenant's root")
    name: str
    size: int
    content_type: str | None = Field(
        description="MIME type; null in listings, which S3 returns without it"
    )
    etag: str = Field(description="The object's entity tag, quoted as in the ETag header")
    last_modified: datetime
    version_id: str | None = Field(description="Null where versioning is off")


class FileMetadata(FileInfo):
    metadata: dict[str, str] = Field(description="User metadata stored with the object")
    checksum_sha256: str | None = Field(
        default=None,
        description="Storage's SHA-256 of the file (of a multipart file: of its parts' "
        "checksums, '-N' appended); null unless it was uploaded with one",
    )


class UploadFailure(BaseModel):
    name: str
    code: str
    detail: str


class UploadResult(BaseModel):
    uploaded: list[FileInfo]
    failed: list[UploadFailure]


class PathsRequest(BaseModel):
    paths: list[str] = Field(min_length=1, max_length=1000)


class PathRequest(BaseModel):
    path: str = Field(description="A path exactly as stored (as a listing shows it)")


class PathError(BaseModel):
    path: str
    code: str
    detail: str


class DeleteResult(BaseModel):
    deleted: list[str]
    errors: list[PathError]


class FileList(BaseModel):
    folder: str
    folders: list[str]
    files: list[FileInfo]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last"
    )


class FolderRequest(BaseModel):
    path: str


class FolderResult(BaseModel):
    path: str


class FolderDeleted(BaseModel):
    path: str
    deleted_count: int = Field(description="Files and folder markers deleted")
    deleted_at: datetime = Field(
        description="When the delete began, to the second: pass it as deleted_since to "
        "POST /files/trash/restore-folder to undo it"
    )


class TransferRequest(BaseModel):
    source: str
    destination: str
    overwrite: bool = False


class PresignedDownload(BaseModel):
    url: str
    method: str = "GET"
    path: str
    expires_at: datetime


class PresignedUpload(BaseModel):
    url: str
    fields: dict[str, str] = Field(description="Form fields to send before the file field")
    path: str
    expires_at: datetime
    max_size: int


class Health(BaseModel):
    status: str


# -- versions and trash (file_lambda/history.py) -------------------------------------------


class FileVersion(BaseModel):
    version_id: str = Field(description="Pass as `version_id` to download, metadata or restore")
    size: int
    etag: str | None = Field(description="Null for a delete marker")
    last_modified: datetime
    is_current: bool
    is_delete_marker: bool = Field(description="The file was deleted at this point")
    uploaded_by: str | None = Field(description="The user id that wrote this version")
    archived: bool = Field(description="In an archive storage class: thaw it before reading")


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


class UsageTotals(BaseModel):
    size: int = Field(description="Bytes")
    objects: int


class FolderUsage(BaseModel):
    folder: str = Field(description="A top-level folder; empty for the files at the root")
    current: UsageTotals
    all_versions: UsageTotals


class TenantUsage(BaseModel):
    current: UsageTotals = Field(description="Current versions: the files listings show")
    all_versions: UsageTotals = Field(
        description="Every version kept, the current ones, older versions and the trash"
    )
    folders: list[FolderUsage] = Field(description="By top-level folder, in name order")
