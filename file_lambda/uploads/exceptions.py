"""The problems of upload sessions (those of every multipart upload are in `multipart.py`)."""

from __future__ import annotations

from tenancy.problems import Unauthorized


class SessionInvalid(Unauthorized):
    code = "upload_session_invalid"


class SessionExpired(Unauthorized):
    code = "upload_session_expired"
