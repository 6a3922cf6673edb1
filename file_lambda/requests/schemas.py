"""Request and response bodies of file requests (their OpenAPI schemas). The Companion
shapes their uploaders' Uppy sends and reads are shared (`file_lambda/schemas.py`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from file_lambda.public_links import PASSWORD_MAX_CHARS

Ask = Literal["off", "optional", "required"]
# A media type (`image/png`), a family (`image/*`) or an extension (`.pdf`).
_EXTENSION = r"\.[A-Za-z0-9][A-Za-z0-9+_-]{0,31}"
_MEDIA_PART = r"[a-z0-9][a-z0-9.+_-]{0,63}"
AllowedType = Annotated[
    str,
    StringConstraints(
        pattern=rf"^({_EXTENSION}|{_MEDIA_PART}/(\*|{_MEDIA_PART}))$", max_length=129
    ),
]


class RequestCreate(BaseModel):
    folder: str = Field(default="", description="Where the files go; empty is the root")
    title: str = Field(min_length=1, max_length=200, description="What the uploader is shown")
    message: str | None = Field(default=None, max_length=2000)
    expires_at: datetime | None = Field(
        default=None,
        description="When the request closes; 7 days from now by default, at most "
        "FILE_REQUEST_MAX_DAYS (90) days; a time without a zone is UTC",
    )
    max_file_size: int | None = Field(
        default=None,
        description="Largest file in bytes, up to FILE_REQUEST_MAX_FILE_SIZE (its value when null)",
    )
    max_files: int = Field(default=10, ge=1, le=1000, description="Files the request accepts")
    allowed_types: list[AllowedType] = Field(
        default_factory=list,
        max_length=50,
        description="Media types (image/png), families (image/*) or extensions (.pdf); "
        "empty: any type",
    )
    password: str | None = Field(
        default=None,
        min_length=8,
        max_length=PASSWORD_MAX_CHARS,
        description="Uploaders must give it first; stored as a scrypt hash only",
    )
    ask_name: Ask = Field(default="off", description="Whether uploaders give their name")
    ask_email: Ask = Field(default="off", description="Whether uploaders give their e-mail")


class FileRequest(BaseModel):
    request_id: str
    folder: str
    title: str
    message: str | None
    expires_at: datetime
    max_file_size: int
    max_files: int
    allowed_types: list[str]
    password_required: bool
    ask_name: Ask
    ask_email: Ask
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    files_received: int = Field(description="Completed submissions")
    files_left: int = Field(description="Slots left: unfinished uploads hold one each")
    state: Literal["open", "closed", "expired"]


class CreatedFileRequest(FileRequest):
    url: str = Field(
        description="The page uploaders open: answered this once, never again (only a hash "
        "of its token is kept)"
    )


class FileRequestList(BaseModel):
    requests: list[FileRequest] = Field(description="Newest first")
    next_cursor: str | None


class Submission(BaseModel):
    submission_id: str
    path: str = Field(description="Where the file is stored, relative to the tenant's root")
    filename: str = Field(description="The name the uploader sent")
    content_type: str
    size: int | None = Field(description="Null until completed")
    version_id: str | None
    uploader_name: str | None = Field(description="As the uploader gave it: unverified")
    uploader_email: str | None = Field(description="As the uploader gave it: unverified")
    state: Literal["uploading", "completing", "completed", "aborted", "expired"]
    created_at: datetime
    completed_at: datetime | None


class Submissions(BaseModel):
    submissions: list[Submission] = Field(description="Newest first")
    next_cursor: str | None


# The public side: what an uploader without an account sees.


class PublicFileRequest(BaseModel):
    title: str
    message: str | None
    expires_at: datetime
    password_required: bool
    max_file_size: int
    max_files: int
    files_left: int
    allowed_types: list[str]
    ask_name: Ask
    ask_email: Ask
