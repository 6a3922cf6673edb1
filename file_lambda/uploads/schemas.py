"""Request and response bodies of multipart uploads and upload sessions (their OpenAPI
schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from file_lambda.schemas import MAX_PARTS, FileInfo, SignedPart

SIGN_BATCH = 100  # part URLs a sign request returns: their answer must fit the ALB's 1 MB


def _sha256() -> Any:
    # Its form is checked by service.py, which answers 400 invalid_checksum.
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


# Companion's /s3/params (the other Companion shapes are shared: file_lambda/schemas.py).


class CompanionParams(BaseModel):
    method: Literal["POST"] = "POST"
    url: str
    fields: dict[str, str]
    headers: dict[str, str] = Field(default_factory=dict)
