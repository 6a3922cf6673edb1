"""The problems of file requests (those of every public link are in `public_links.py`)."""

from __future__ import annotations

from tenancy.problems import BadRequest, Conflict, Forbidden, NotFound, Problem


class RequestNotFound(NotFound):
    code = "file_request_not_found"


class LinkNotFound(NotFound):
    code = "link_not_found"


class LinkGone(Problem):
    status = 410
    code = "link_gone"


class WrongPassword(Forbidden):
    code = "wrong_password"


class RequestFull(Conflict):
    code = "file_request_full"


class TypeNotAllowed(BadRequest):
    code = "file_type_not_allowed"


class UploaderDetailsRequired(BadRequest):
    code = "uploader_details_required"
