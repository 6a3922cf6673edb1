"""The problems of file requests (those of every public link are in `public_links.py`)."""

from __future__ import annotations

from tenancy.problems import BadRequest, Conflict, NotFound


class RequestNotFound(NotFound):
    code = "file_request_not_found"


class RequestFull(Conflict):
    code = "file_request_full"


class TypeNotAllowed(BadRequest):
    code = "file_type_not_allowed"


class UploaderDetailsRequired(BadRequest):
    code = "uploader_details_required"
