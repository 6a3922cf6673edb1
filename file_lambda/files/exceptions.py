"""The problems of the file operations."""

from __future__ import annotations

from tenancy.problems import BadRequest, Problem, ServiceUnavailable


class PayloadTooLarge(Problem):
    status = 413
    code = "payload_too_large"


class SamePath(BadRequest):
    code = "same_path"


class MoveIncomplete(ServiceUnavailable):
    code = "move_incomplete"


class RangeNotSatisfiable(Problem):
    """`Range` names no byte of the file; `Content-Range` says how many it has."""

    status = 416
    code = "range_not_satisfiable"

    def __init__(self, detail: str, content_range: str) -> None:
        super().__init__(detail, headers={"Content-Range": content_range})
