"""The bodies more than one domain of the file API takes or answers, and its liveness
answer (OpenAPI schemas). Each domain's own are in its `schemas.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from file_lambda.scans import ScanState

MAX_PARTS = 10_000  # S3's most parts of a multipart upload


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


# A version's malware scan (scans.py, docs/api.md "Malware scanning"); null where the
# deployment scans nothing.
Scan = ScanState | None
SCAN_FIELD = Field(
    default=None,
    description="The malware scan's verdict: pending (none yet), clean, infected, "
    "unscannable or failed; null where scanning is off",
)


class PathRequest(BaseModel):
    path: str = Field(description="A path exactly as stored (as a listing shows it)")


class FolderRequest(BaseModel):
    path: str


class PresignedUpload(BaseModel):
    url: str
    fields: dict[str, str] = Field(description="Form fields to send before the file field")
    path: str
    expires_at: datetime
    max_size: int


class Health(BaseModel):
    status: str


# Multipart uploads: what members' uploads and file requests' uploaders share.


class SignedPart(BaseModel):
    part_number: int
    url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(description="Headers the PUT must carry, exactly")


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


# -- what every public link's unlock takes and answers (public_links.py) --


class UnlockRequest(BaseModel):
    password: str = Field(max_length=256)


class LinkGrant(BaseModel):
    grant: str = Field(description="Send it as the X-Link-Grant header")
    expires_at: datetime
