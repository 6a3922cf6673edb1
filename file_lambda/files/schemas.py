"""Request and response bodies of the file operations (their OpenAPI schemas)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from file_lambda.schemas import SCAN_FIELD, FileInfo, Scan


class FileMetadata(FileInfo):
    metadata: dict[str, str] = Field(description="User metadata stored with the object")
    checksum_sha256: str | None = Field(
        default=None,
        description="Storage's SHA-256 of the file (of a multipart file: of its parts' "
        "checksums, '-N' appended); null unless it was uploaded with one",
    )
    scan: Scan = SCAN_FIELD


class ListedFile(FileInfo):
    scan: Scan = SCAN_FIELD


class UploadFailure(BaseModel):
    name: str
    code: str
    detail: str


class UploadResult(BaseModel):
    uploaded: list[FileInfo]
    failed: list[UploadFailure]


class PathsRequest(BaseModel):
    paths: list[str] = Field(min_length=1, max_length=1000)


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
    files: list[ListedFile]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last"
    )


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
