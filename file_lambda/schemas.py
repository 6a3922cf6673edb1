"""Request and response bodies of the file API (the OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

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


# -- multipart uploads and upload sessions (file_lambda/uploads.py) ------------------------

MAX_PARTS = 10_000
SIGN_BATCH = 100  # part URLs a sign request returns: their answer must fit the ALB's 1 MB


def _sha256() -> Any:
    # Its form is checked by uploads.py, which answers 400 invalid_checksum.
    return Field(
        default=None, description="The part's SHA-256, base64 (as in x-amz-checksum-sha256)"
    )


class MultipartCreate(BaseModel):
    path: str = Field(description="Where the file will live, relative to the tenant's root")
    size: int = Field(description="The file's size in bytes: completion must match it")
    content_type: str | None = Field(
        default=None, max_length=255, description="Guessed from the name when null"
    )
    overwrite: bool = Field(default=False, description="Replace an existing file")
    checksum: Literal["sha256"] | None = Field(
        default=None,
        description="sha256: every part is signed with its SHA-256, which storage verifies",
    )


class MultipartUpload(BaseModel):
    upload_id: str = Field(description="Opaque; valid for this user in this tenant only")
    path: str
    size: int | None = Field(description="Declared size; null for an upload session's files")
    content_type: str
    overwrite: bool
    checksum: Literal["sha256"] | None
    part_size: int = Field(description="A part size that fits the 10,000-part limit")
    part_count: int = Field(description="Parts of part_size the file takes")
    created_at: datetime


class PartToSign(BaseModel):
    part_number: int = Field(ge=1, le=MAX_PARTS)
    checksum_sha256: str | None = _sha256()


class SignRequest(BaseModel):
    parts: list[PartToSign] = Field(min_length=1, max_length=SIGN_BATCH)
    expires_in: int | None = Field(
        default=None, description="Seconds, 60 to the configured maximum"
    )


class SignedPart(BaseModel):
    part_number: int
    url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(description="Headers the PUT must carry, exactly")


class SignedParts(BaseModel):
    upload_id: str
    expires_at: datetime
    parts: list[SignedPart]


class UploadedPart(BaseModel):
    part_number: int
    size: int
    etag: str
    checksum_sha256: str | None = Field(
        description="The part's SHA-256, base64, as storage reports it: pass it back at "
        "completion; null where storage does not list it (make dev's SeaweedFS)"
    )


class PartList(BaseModel):
    upload_id: str
    path: str
    size: int | None
    uploaded_bytes: int
    parts: list[UploadedPart] = Field(description="What storage holds, by part number")


class PartToComplete(BaseModel):
    part_number: int = Field(ge=1, le=MAX_PARTS)
    etag: str = Field(min_length=1, max_length=128)
    checksum_sha256: str | None = _sha256()


class CompleteRequest(BaseModel):
    parts: list[PartToComplete] | None = Field(
        default=None,
        max_length=MAX_PARTS,
        description="The parts to assemble, each with the ETag its PUT answered; "
        "null: every part storage holds",
    )
    overwrite: bool | None = Field(default=None, description="Null: as the upload was created")


class CompletedUpload(FileInfo):
    checksum_sha256: str | None = Field(
        description="Storage's SHA-256 of the parts' checksums, '-N' for N parts; "
        "null unless the upload was created with checksum sha256"
    )


class UnfinishedUploads(BaseModel):
    uploads: list[MultipartUpload] = Field(description="Newest first")
    next_cursor: str | None


class TenantUpload(MultipartUpload):
    user_id: str = Field(description="Who started it")


class TenantUploads(BaseModel):
    uploads: list[TenantUpload] = Field(description="Newest first")
    next_cursor: str | None


class SessionCreate(BaseModel):
    folder: str = Field(default="", description="Where the session's files go; empty is the root")
    overwrite: bool = Field(default=False, description="Replace existing files")
    max_size: int | None = Field(
        default=None, description="Largest file accepted; the configured maximum when null"
    )
    expires_in: int | None = Field(
        default=None, description="Seconds, 60 to the configured maximum (default 3600)"
    )


class UploadSession(BaseModel):
    companion_endpoint: str = Field(
        description="Give it to Uppy's @uppy/aws-s3 as `companionEndpoint`; a capability: "
        "whoever holds it uploads into the folder as you until it expires"
    )
    folder: str
    overwrite: bool
    max_size: int
    expires_at: datetime


# Companion's shapes (what @uppy/aws-s3 sends and reads in companionEndpoint mode).


class CompanionCreate(BaseModel):
    filename: str = Field(description="One path segment: the file's name in the session's folder")
    type: str | None = Field(default=None, max_length=255)
    metadata: dict[str, object] = Field(default_factory=dict)


class CompanionUpload(BaseModel):
    key: str = Field(description="The file's path (shown only; never trusted back)")
    uploadId: str


class CompanionSignedPart(BaseModel):
    url: str
    expires: int = Field(description="Seconds the URL stays valid")


class CompanionPart(BaseModel):
    PartNumber: int
    Size: int
    ETag: str


class CompanionCompletePart(BaseModel):
    PartNumber: int = Field(ge=1, le=MAX_PARTS)
    ETag: str = Field(min_length=1, max_length=128)


class CompanionComplete(BaseModel):
    parts: list[CompanionCompletePart] = Field(min_length=1, max_length=MAX_PARTS)


class CompanionCompleted(BaseModel):
    location: str = Field(description="The file's download URL in the API")
    key: str


class CompanionParams(BaseModel):
    method: Literal["POST"] = "POST"
    url: str
    fields: dict[str, str]
    headers: dict[str, str] = Field(default_factory=dict)


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
