"""Request and response bodies of share links (their OpenAPI schemas)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from file_lambda.public_links import PASSWORD_MAX_CHARS
from file_lambda.schemas import SCAN_FIELD, Scan

ShareKind = Literal["file", "folder"]
ShareState = Literal["active", "expired", "revoked", "exhausted"]


class ShareCreate(BaseModel):
    path: str = Field(description="The file or folder to share, relative to the tenant's root")
    kind: ShareKind = "file"
    expires_at: datetime | None = Field(
        default=None,
        description="When the link stops; 7 days from now by default, at most SHARE_MAX_DAYS "
        "(90) days; a time without a zone is UTC",
    )
    password: str | None = Field(
        default=None,
        min_length=8,
        max_length=PASSWORD_MAX_CHARS,
        description="Recipients must unlock the link with it; stored as a scrypt hash only",
    )
    max_downloads: int | None = Field(
        default=None, ge=1, le=1_000_000, description="Downloads after which the link stops"
    )
    lists_contents: bool = Field(
        default=False, description="A folder link: whether recipients may list its files"
    )
    label: str | None = Field(default=None, max_length=200, description="Shown to recipients")

    @field_validator("label")
    @classmethod
    def _label_is_printable(cls, label: str | None) -> str | None:
        # Shown to recipients; Postgres text cannot hold a NUL.
        if label is not None and any(unicodedata.category(ch) in ("Cc", "Cs") for ch in label):
            raise ValueError("label must not contain control characters")
        return label

    @model_validator(mode="after")
    def _listing_is_for_folders(self) -> Self:
        if self.lists_contents and self.kind != "folder":
            raise ValueError("lists_contents is for folder links only")
        return self


class ShareUpdate(BaseModel):
    expires_at: datetime = Field(
        description="The new end, from now to SHARE_MAX_DAYS days ahead; revives an expired link"
    )


class Share(BaseModel):
    id: str
    path: str
    kind: ShareKind
    label: str | None
    expires_at: datetime
    password_required: bool
    max_downloads: int | None
    downloads: int
    lists_contents: bool
    state: ShareState = Field(description="Whether the link works now, and if not, why")
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


class CreatedShare(Share):
    url: str = Field(description="The link to hand out: answered this once, never again")


class ShareList(BaseModel):
    shares: list[Share]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last"
    )


# -- what recipients see ----------------------------------------------------------------


class PublicShare(BaseModel):
    name: str | None = Field(
        description="The file's or folder's name; null until a password link is unlocked"
    )
    kind: ShareKind
    size: int | None = Field(description="A file's bytes; null for a folder, or while locked")
    expires_at: datetime
    password_required: bool
    lists_contents: bool
    downloads_left: int | None = Field(description="null: no download limit")
    label: str | None
    scan: Scan = Field(
        default=None,
        description="A file link: the file's malware scan (pending: it is being checked, "
        "downloads wait); null for a folder, while locked, or where scanning is off",
    )


class PublicFile(BaseModel):
    path: str = Field(description="Relative to the shared folder")
    name: str
    size: int
    content_type: str | None
    last_modified: datetime
    scan: Scan = SCAN_FIELD


class PublicFileList(BaseModel):
    folder: str = Field(description="Relative to the shared folder; empty is the folder itself")
    folders: list[str]
    files: list[PublicFile]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last"
    )


class DownloadRequest(BaseModel):
    path: str | None = Field(
        default=None, description="A folder link: the file, relative to the shared folder"
    )


class ShareDownload(BaseModel):
    url: str = Field(description="A short-lived presigned GET of the file")
    expires_at: datetime
