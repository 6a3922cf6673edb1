"""File requests and their submissions in Postgres (migration 20260112000300).

The request's row holds its limits; a submission's row is a slot of its
`max_files`, taken under the request's row lock by
`private.take_file_request_slot`, so replays and races cannot take more. Only
the file API's connection (`app.state.ledger`) reads or writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from file_lambda.database import Database
from tenancy.problems import ServiceUnavailable

# The slots a request's submissions hold: a completed file, a completion under
# way, and an unfinished upload whose lease holds.
_HOLDING = (
    "(s.state in ('completed', 'completing')"
    " or (s.state = 'uploading' and s.lease_ends_at > now()))"
)
_REQUEST = f"""
select r.id::text, r.tenant_id::text, r.created_by::text, r.folder, r.title, r.message,
       r.expires_at, r.max_file_size, r.max_files, r.allowed_types, r.password_hash,
       r.ask_name, r.ask_email, r.closed_at, r.created_at,
       (select count(*) from public.file_request_submissions s
        where s.request_id = r.id and {_HOLDING}),
       (select count(*) from public.file_request_submissions s
        where s.request_id = r.id and s.state = 'completed'),
       exists (select 1 from public.tenant_members m
               join public.tenants t on t.id = m.tenant_id and t.deleted_at is null
               where m.tenant_id = r.tenant_id and m.user_id = r.created_by
                 and m.role >= 'member')
from public.file_requests r
"""  # noqa: S608 (constant)
# Whatever the token, one row: the request (or nulls) and the unknown tokens' counter.
_BY_TOKEN = f"""
select q.*, (select a.attempts from public.link_attempts a
             where a.scope = %s and a.subject = %s and a.window_start = to_timestamp(%s))
from (values (1)) as one (x)
left join lateral ({_REQUEST} where r.token_hash = %s) q on true
"""  # noqa: S608 (constant)
_SUBMISSION = """
select id::text, request_id::text, path, filename, content_type, size, version_id,
       uploader_name, uploader_email, storage_upload_id, state, created_at, lease_ends_at,
       completed_at
from public.file_request_submissions
"""


class RequestsUnavailable(ServiceUnavailable):
    code = "database_unavailable"


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: str
    tenant_id: str
    created_by: str
    folder: str
    title: str
    message: str | None
    expires_at: datetime
    max_file_size: int
    max_files: int
    allowed_types: list[str]
    password_hash: str | None
    ask_name: str
    ask_email: str
    closed_at: datetime | None
    created_at: datetime
    slots_taken: int
    files_received: int
    creator_is_member: bool


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    id: str
    request_id: str
    path: str
    filename: str
    content_type: str
    size: int | None
    version_id: str | None
    uploader_name: str | None
    uploader_email: str | None
    storage_upload_id: str | None
    state: str
    created_at: datetime
    lease_ends_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Slot:
    """What taking a slot answered: the submission, or why none, and leases that ended."""

    submission_id: str | None
    path_taken: bool
    lapsed: list[tuple[str, str]]  # (path, S3's upload id) of uploads whose lease ended


@dataclass(frozen=True, slots=True)
class NewRequest:
    tenant_id: str
    created_by: str
    token_hash: bytes
    folder: str
    title: str
    message: str | None
    expires_at: datetime
    max_file_size: int
    max_files: int
    allowed_types: list[str]
    password_hash: str | None
    ask_name: str
    ask_email: str


class RequestRecords:
    def __init__(self, database: Database) -> None:
        self._db = database

    def _execute(self, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(query, params)
        except Exception:
            raise RequestsUnavailable(
                "File requests cannot be reached right now; try again shortly"
            ) from None

    # -- requests -----------------------------------------------------------------------

    def add(self, new: NewRequest) -> RequestRow:
        [(request_id,)] = self._execute(
            "insert into public.file_requests (tenant_id, created_by, token_hash, folder, title,"
            " message, expires_at, max_file_size, max_files, allowed_types, password_hash,"
            " ask_name, ask_email) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " returning id::text",
            (
                new.tenant_id,
                new.created_by,
                new.token_hash,
                new.folder,
                new.title,
                new.message,
                new.expires_at,
                new.max_file_size,
                new.max_files,
                new.allowed_types,
                new.password_hash,
                new.ask_name,
                new.ask_email,
            ),
        )
        row = self.get(new.tenant_id, request_id)
        assert row is not None
        return row

    def by_token(
        self, token_hash: bytes, misses: tuple[str, str, int]
    ) -> tuple[RequestRow | None, int]:
        """The request of a token's hash, and what the unknown tokens' counter `misses`
        (its scope, subject and window) holds, in one query whatever the token."""
        [row] = self._execute(_BY_TOKEN, (*misses, token_hash))
        request = RequestRow(*row[:-1]) if row[0] is not None else None
        return request, int(row[-1] or 0)

    def get(self, tenant_id: str, request_id: str) -> RequestRow | None:
        rows = self._execute(
            _REQUEST + " where r.tenant_id = %s and r.id = %s::uuid", (tenant_id, request_id)
        )
        return RequestRow(*rows[0]) if rows else None

    def page(
        self,
        tenant_id: str,
        created_by: str | None,
        limit: int,
        after: tuple[datetime, str] | None,
    ) -> list[RequestRow]:
        query = _REQUEST + (
            " where r.tenant_id = %s and (%s::uuid is null or r.created_by = %s::uuid)"
        )
        params: tuple[object, ...] = (tenant_id, created_by, created_by)
        if after is not None:
            query += " and (r.created_at, r.id) < (%s, %s::uuid)"
            params += after
        query += " order by r.created_at desc, r.id desc limit %s"
        return [RequestRow(*row) for row in self._execute(query, (*params, limit))]

    def close(self, tenant_id: str, request_id: str) -> list[tuple[str, str]]:
        """Close the request; its unfinished uploads end (their (path, S3 id) are answered)."""
        self._execute(
            "update public.file_requests set closed_at = coalesce(closed_at, now())"
            " where tenant_id = %s and id = %s::uuid",
            (tenant_id, request_id),
        )
        rows = self._execute(
            "update public.file_request_submissions set state = 'aborted'"
            " where request_id = %s::uuid and state = 'uploading'"
            " returning path, storage_upload_id",
            (request_id,),
        )
        return [(path, upload) for path, upload in rows if upload is not None]

    # -- submissions ------------------------------------------------------------------------

    def take_slot(
        self,
        request_id: str,
        path: str,
        filename: str,
        content_type: str,
        uploader_name: str | None,
        uploader_email: str | None,
        lease_seconds: int,
    ) -> Slot:
        [(submission_id, lapsed, path_taken)] = self._execute(
            "select submission_id::text, lapsed, path_taken"
            " from private.take_file_request_slot(%s, %s, %s, %s, %s, %s, %s)",
            (
                request_id,
                path,
                filename,
                content_type,
                uploader_name,
                uploader_email,
                lease_seconds,
            ),
        )
        ended = [entry.split("\x1f", 1) for entry in lapsed or []]
        return Slot(submission_id, bool(path_taken), [(p, u) for p, u in ended])

    def uploading(self, submission_id: str, storage_upload_id: str) -> None:
        self._execute(
            "update public.file_request_submissions set storage_upload_id = %s where id = %s",
            (storage_upload_id, submission_id),
        )

    def submission(self, request_id: str, submission_id: str) -> SubmissionRow | None:
        rows = self._execute(
            _SUBMISSION + " where request_id = %s::uuid and id = %s::uuid",
            (request_id, submission_id),
        )
        return SubmissionRow(*rows[0]) if rows else None

    def start_completing(self, submission_id: str) -> bool:
        """Whether the upload may complete now: open request, unfinished upload, lease holding.

        Its slot is then held for good unless `back_to_uploading` gives the
        completion up: two completions of one upload cannot both pass.
        """
        rows = self._execute(
            "update public.file_request_submissions s set state = 'completing'"
            " from public.file_requests r"
            " where s.id = %s and r.id = s.request_id and s.state = 'uploading'"
            " and s.lease_ends_at > now() and r.closed_at is null and r.expires_at > now()"
            " returning s.id",
            (submission_id,),
        )
        return bool(rows)

    def back_to_uploading(self, submission_id: str) -> None:
        self._execute(
            "update public.file_request_submissions set state = 'uploading'"
            " where id = %s and state = 'completing'",
            (submission_id,),
        )

    def completed(self, submission_id: str, size: int, version_id: str | None) -> None:
        self._execute(
            "update public.file_request_submissions set state = 'completed', size = %s,"
            " version_id = %s, completed_at = now() where id = %s",
            (size, version_id, submission_id),
        )

    def ended(self, submission_id: str) -> bool:
        """The upload was aborted (or never started): its slot comes back."""
        rows = self._execute(
            "update public.file_request_submissions set state = 'aborted'"
            " where id = %s and state in ('uploading', 'completing') returning id",
            (submission_id,),
        )
        return bool(rows)

    def submissions(
        self, request_id: str, limit: int, after: tuple[datetime, str] | None
    ) -> list[SubmissionRow]:
        query = _SUBMISSION + " where request_id = %s::uuid"
        params: tuple[object, ...] = (request_id,)
        if after is not None:
            query += " and (created_at, id) < (%s, %s::uuid)"
            params += after
        query += " order by created_at desc, id desc limit %s"
        return [SubmissionRow(*row) for row in self._execute(query, (*params, limit))]
