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
