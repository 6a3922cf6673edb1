"""The bodies more than one domain of the file API takes or answers, and its liveness
answer (OpenAPI schemas). Each domain's own are in its `schemas.py`."""

from __future__ import annotations

from datetime import datetime

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
