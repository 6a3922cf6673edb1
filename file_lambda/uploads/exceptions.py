"""The problems of multipart uploads and upload sessions."""

from __future__ import annotations

from tenancy.problems import BadRequest, Problem, Unauthorized


class InvalidUploadSize(BadRequest):
    code = "invalid_size"


class InvalidContentType(BadRequest):
    code = "invalid_content_type"


class UploadTooLarge(Problem):
    status = 413
    code = "upload_too_large"


class SizeMismatch(BadRequest):
    code = "size_mismatch"


class ChecksumRequired(BadRequest):
    code = "checksum_required"


class InvalidChecksum(BadRequest):
    code = "invalid_checksum"


class SessionInvalid(Unauthorized):
    code = "upload_session_invalid"


class SessionExpired(Unauthorized):
    code = "upload_session_expired"
