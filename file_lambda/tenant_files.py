"""One tenant's files over the storage port: what every domain's service stands on.

A domain's service (`files`, `history`, `uploads`, `usage`) is built for one
request's tenant and caller (`dependencies.py`) and subclasses `TenantFiles`:
the tenant's root (`paths.TenantRoot`), the shape of a stored file in an
answer, the quota claim every write makes first (`quotas.py`), and what more
than one domain does to a file: a copy, a presigned GET, a presigned POST,
and what a version's malware scan lets out (`scans.py`).
It raises domain problems only; it knows nothing of HTTP requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from file_lambda.cursors import Cursors
from file_lambda.disposition import content_disposition, safe_to_render
from file_lambda.paths import InvalidPath, TenantRoot, validate_path
from file_lambda.quotas import QUEUE_ALLOWANCE_SECONDS, Claim, NoQuotas, Quotas, Want
from file_lambda.scans import WRITER_METADATA, ScanState, Verdict, Verdicts, VerdictsUnavailable
from file_lambda.schemas import FileInfo, PresignedUpload
from file_lambda.settings import Settings
from file_lambda.storage.port import (
    ObjectExists,
    ObjectInfo,
    ObjectNotFound,
    ObjectUnreadable,
    Storage,
)
from tenancy.principal import TenantAccess
from tenancy.problems import BadRequest, Problem

# S3 substitutes this in a POST upload's key (see `presign_upload`).
FILENAME_VARIABLE = "${filename}"


class InvalidExpiry(BadRequest):
    code = "invalid_expires_in"


class InvalidSize(BadRequest):
    code = "invalid_max_size"


class TenantFiles:
    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        access: TenantAccess,
        cursors: Cursors,
        quotas: Quotas | None = None,
        verdicts: Verdicts | None = None,
    ) -> None:
        self._storage = storage
        self._settings = settings
        self._access = access
        self._cursors = cursors
        self._quotas: Quotas = quotas or NoQuotas()
        # None: a domain that hands out no version (uploads, usage) judges none.
        self._verdicts = verdicts
        self._root = TenantRoot(access.tenant_id)

    @classmethod
    def for_request(cls, state: Any, access: TenantAccess) -> Self:
        """The service of `access`'s tenant, from the app's parts (`app.state`)."""
        return cls(
            state.storage, state.settings, access, state.cursors, state.quotas, state.verdicts
        )

    # -- shaping ---------------------------------------------------------------

    def _info(self, obj: ObjectInfo) -> FileInfo:
        path = self._root.relative(obj.key)
        return FileInfo(
            path=path,
            name=path.rsplit("/", 1)[-1],
            size=obj.size,
            content_type=obj.content_type or None,
            etag=obj.etag,
            last_modified=obj.last_modified,
            version_id=obj.version_id,
        )

    def _head(self, path: str, version_id: str | None = None) -> ObjectInfo:
        try:
            return self._storage.head(self._root.key(path), version_id)
        except ObjectNotFound:
            raise ObjectNotFound(f"{path} does not exist") from None
        except ObjectUnreadable as refused:
            raise self._unreadable(path, version_id, refused) from None

    def _ensure_absent(self, path: str) -> None:
        try:
            self._storage.head(self._root.key(path))
        except ObjectNotFound:
            return
        except ObjectUnreadable:
            pass  # it is there: storage refuses to read it (malware), not to hold it
        raise ObjectExists(f"{path} already exists; pass overwrite=true to replace it")

    # -- quotas (quotas.py): every write claims its room first ---------------------

    def _claim(
        self,
        wants: Sequence[Want],
        seconds: int = QUEUE_ALLOWANCE_SECONDS,
        *,
        up_to: bool = False,
        upload: str | None = None,
    ) -> Claim:
        """Room in the tenant's quota for `wants`, all or none, or `413 quota_exceeded`.

        `seconds`: how long the claim holds unless the ledger counts the write
        first; by default the allowance after a write the API makes at once.
        """
        return self._quotas.reserve(
            self._access.tenant_id, wants, seconds, up_to=up_to, upload=upload
        )

    def _release(self, reservation_ids: Sequence[int], upload: str | None = None) -> None:
        """Give back the room of a write that did not happen (and of a multipart upload's)."""
        self._quotas.release(self._access.tenant_id, reservation_ids, upload)

    def _expiry(self, expires_in: int | None) -> int:
        seconds = self._settings.presign_default_expires if expires_in is None else expires_in
        if not 60 <= seconds <= self._settings.presign_max_expires:
            raise InvalidExpiry(
                f"expires_in must lie between 60 and {self._settings.presign_max_expires} seconds"
            )
        return seconds

    # -- what more than one domain does to a stored file -------------------------

    def _copy(self, original: ObjectInfo, destination: str) -> ObjectInfo:
        """Copy `original` to `destination` (a new version there, written by the caller),
        its room claimed first; never an infected version (it would be handed on)."""
        metadata = {**original.metadata, WRITER_METADATA: self._access.principal.user_id}
        verdict = self._refuse_infected(self._root.relative(original.key), original.version_id)
        if verdict is not None and verdict.state == "pending":
            # The copy is pending too: who may read it before its verdict is who
            # wrote its bytes, not who copied them.
            metadata = dict(original.metadata)
        claim = self._claim([Want(destination, original.size)])
        try:
            return self._storage.copy(original, self._root.key(destination), metadata)
        except BaseException:
            self._release(claim.reservation_ids)
            raise

    # -- malware scanning (scans.py): what a version's verdict lets out ----------------

    def _refuse_infected(self, path: str, version_id: str | None) -> Verdict | None:
        """The version's verdict, or `403 file_infected`: for what would hand a version on
        (a copy, a move, a restore, a new share link); None where nothing is judged."""
        if self._verdicts is None:
            return None
        return self._verdicts.refuse_infected(self._access.tenant_id, path, version_id)

    def _require_readable(self, obj: ObjectInfo, *, by_link: bool = False) -> ScanState | None:
        """The version's scan state if the caller may have its bytes (`by_link`: a share
        link's recipient, whoever the link acts as); its problem otherwise. Judged on
        what the version's HEAD (or GET) already told: its id and who wrote it."""
        if self._verdicts is None:
            return None
        verdict = self._verdicts.require_readable(
            self._access.tenant_id,
            self._root.relative(obj.key),
            obj.version_id,
            reader=None if by_link else self._access.principal.user_id,
            writer=obj.metadata.get(WRITER_METADATA),
        )
        return None if verdict is None else verdict.state

    def _unreadable(self, path: str, version_id: str | None, refused: ObjectUnreadable) -> Problem:
        """What a read storage refused answers: `403 file_infected` where a verdict says
        the version holds malware (AWS's bucket policy refuses reading it, to the API's
        role too), else the storage error it is."""
        if self._verdicts is not None:
            self._verdicts.refuse_unreadable(self._access.tenant_id, path, version_id)
        return refused

    def _scan_state(self, obj: ObjectInfo) -> ScanState | None:
        """The version's scan state, to show: null where scanning is off, or while the
        verdicts cannot be read (showing a state hands out nothing; reads fail closed)."""
        if self._verdicts is None:
            return None
        try:
            verdict = self._verdicts.of_version(
                self._access.tenant_id, self._root.relative(obj.key), obj.version_id
            )
        except VerdictsUnavailable:
            return None
        return None if verdict is None else verdict.state

    def _listed_states(self, objects: Sequence[ObjectInfo]) -> dict[str, ScanState]:
        """The scan state of each listed object, by key (none where scanning is off, or
        while the verdicts cannot be read): one query for the page, matched by ETag, as a
        listing names no version."""
        if self._verdicts is None:
            return {}
        entries = {obj.key: (self._root.relative(obj.key), obj.etag.strip('"')) for obj in objects}
        try:
            states = self._verdicts.of_listing(self._access.tenant_id, entries.values())
        except VerdictsUnavailable:
            return {}
        if states is None:
            return {}
        return {key: states[entry] for key, entry in entries.items()}

    def _presigned_get(
        self, obj: ObjectInfo, seconds: int, version_id: str | None, disposition: str
    ) -> str:
        """A GET that storage answers with the headers an API download would carry:
        from the bucket's origin too, an untrusted file is never rendered as a page."""
        name = self._root.relative(obj.key).rsplit("/", 1)[-1]
        header = content_disposition(disposition, name, obj.content_type)
        served_type = None if safe_to_render(obj.content_type) else "application/octet-stream"
        return self._storage.presign_get(obj.key, seconds, version_id, header, served_type)

    def presign_upload(
        self,
        path: str,
        content_type: str | None,
        max_size: int | None,
        expires_in: int | None,
        overwrite: bool,
    ) -> PresignedUpload:
        path = validate_path(path)
        if FILENAME_VARIABLE in path:
            # S3 replaces it in a POST's key with the uploaded file's name: the
            # form would write wherever the uploader chose.
            raise InvalidPath(
                f"A presigned upload's path cannot contain {FILENAME_VARIABLE}; "
                "upload through POST /files/upload or choose another name"
            )
        key = self._root.key(path)
        seconds = self._expiry(expires_in)
        ceiling = self._settings.presign_upload_max_size
        size = ceiling if max_size is None else max_size
        if not 1 <= size <= ceiling:
            raise InvalidSize(f"max_size must lie between 1 and {ceiling} bytes")
        if not overwrite:
            self._ensure_absent(path)
        # The form allows at most what is left of the quota (refused when nothing
        # is), held until the form expires and its upload is counted.
        claim = self._claim([Want(path, size)], seconds + QUEUE_ALLOWANCE_SECONDS, up_to=True)
        size = claim.bytes
        try:
            post = self._storage.presign_post(
                key, seconds, size, content_type, {"uploaded-by": self._access.principal.user_id}
            )
        except BaseException:
            self._release(claim.reservation_ids)
            raise
        expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
        return PresignedUpload(
            url=post.url, fields=post.fields, path=path, expires_at=expires_at, max_size=size
        )
