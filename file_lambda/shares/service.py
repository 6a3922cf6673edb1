"""Share links: a member hands a file or a folder to someone without an account.

`Shares` is the management side, for one request's tenant and caller (a
member or more): create, list, read, change the expiry of, revoke. Members
see and change their own links; admins and owners every link of the tenant.

`SharedLink` is the recipient's side, for one link found by its token
(`public_links.py`): metadata, unlock, a folder link's listing, downloads.
It acts in the link's tenant as the link's creator would, and no further:
every path is validated and joined below the shared folder, so nothing
outside it can be named. A link works only while it is unexpired, not
revoked, under its download limit, its target is there and its creator is
still a member (or more) of the tenant; each lookup reads all of that in
one query, the creator's membership from `tenant_members` itself rather
than through `memberships.py`'s copy: the join costs nothing more, and a
removed member's links stop at once, not within the copy's window.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from file_lambda.cursors import Cursors
from file_lambda.database import Database
from file_lambda.paths import InvalidPath, join, validate_path
from file_lambda.public_links import (
    UNKNOWN_TOKENS,
    Attempts,
    Grant,
    LinkGone,
    LinkNotFound,
    TooManyAttempts,
    WrongPassword,
    hash_password,
    hashed_subject,
    link_expires_at,
    new_token,
    token_hash,
    unlock,
)
from file_lambda.scans import ScanState, Verdicts
from file_lambda.schemas import LinkGrant
from file_lambda.settings import Settings
from file_lambda.shares.exceptions import (
    ListingNotAllowed,
    ShareNotFound,
    ShareRevoked,
    SharesUnavailable,
)
from file_lambda.shares.schemas import (
    CreatedShare,
    PublicFile,
    PublicFileList,
    PublicShare,
    Share,
    ShareCreate,
    ShareDownload,
    ShareList,
)
from file_lambda.storage.port import (
    InvalidContinuation,
    ObjectArchived,
    ObjectInfo,
    ObjectNotFound,
    ObjectUnreadable,
    Storage,
)
from file_lambda.tenant_files import TenantFiles
from tenancy.principal import Principal, Role, TenantAccess, canonical_uuid
from tenancy.problems import Problem

LINK_KIND = "share"  # a grant's and an attempt counter's kind of link
# A listing of the shared folder at most holds this many keys; the check that a
# folder still holds a file reads one such page.
FOLDER_PAGE = 1000

_COLUMNS = (
    "s.id::text, s.tenant_id::text, s.created_by::text, s.path, s.kind, s.label, s.expires_at,"
    " s.password_hash, s.max_downloads, s.downloads, s.lists_contents, s.revoked_at,"
    " s.created_at, s.expires_at <= now()"
)
# The link of a token, whether its creator may still share (a member or more of its
# tenant, not deleted), and how many unknown tokens the client's address has tried in
# this window: one row always, one round trip for every public call.
_LOOKUP = f"""
select {_COLUMNS},
  exists (select from public.tenant_members m
          join public.tenants t on t.id = m.tenant_id and t.deleted_at is null
          where m.tenant_id = s.tenant_id and m.user_id = s.created_by and m.role >= 'member'),
  (select a.attempts from public.link_attempts a
   where a.scope = %s and a.subject = %s and a.window_start = to_timestamp(%s))
from (values (1)) as one (x)
left join public.file_shares s on s.token_hash = %s
"""  # noqa: S608
# One download, counted only while the link still allows it, and its audit row, in
# one call of a function of the database (migration 20260112000400, which says why
# a function: Postgres keeps its plan where the pooler keeps no prepared statement).
# It checks again everything about the link that can change (revoked, expiry, the
# limit, the creator's membership, the address's unknown tokens), so that a download
# by a known link (`_known`) needs no lookup before it.
_COUNT_DOWNLOAD = (
    "select private.count_share_download(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)"
)
_INSERT = f"""
insert into public.file_shares as s (tenant_id, created_by, token_hash, path, kind, label,
  expires_at, password_hash, max_downloads, lists_contents)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
returning {_COLUMNS}
"""  # noqa: S608
_BY_ID = f"select {_COLUMNS} from public.file_shares s where s.id = %s and s.tenant_id = %s"  # noqa: S608
_SET_EXPIRY = (
    f"update public.file_shares s set expires_at = %s where s.id = %s returning {_COLUMNS}"  # noqa: S608
)
_UNLOCK_FAILED = """
insert into public.audit_events
  (tenant_id, actor, source, action, path, outcome, status, code, request_id, detail)
values (%s, null, 'api', 'share_unlock_failed', %s, 'refused', 403, 'wrong_password', %s,
        %s::jsonb)
"""


@dataclass(frozen=True, slots=True)
class Link:
    """A row of `public.file_shares`."""

    id: str
    tenant_id: str
    created_by: str
    path: str
    kind: str
    label: str | None
    expires_at: datetime
    password_hash: str | None
    max_downloads: int | None
    downloads: int
    lists_contents: bool
    revoked_at: datetime | None
    created_at: datetime
    expired: bool

    @classmethod
    def of(cls, row: Sequence[Any]) -> Link:
        return cls(*row[:14])

    @property
    def exhausted(self) -> bool:
        return self.max_downloads is not None and self.downloads >= self.max_downloads

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expired:
            return "expired"
        return "exhausted" if self.exhausted else "active"

    def shown(self) -> Share:
        return Share(
            id=self.id,
            path=self.path,
            kind=self.kind,
            label=self.label,
            expires_at=self.expires_at,
            password_required=self.password_hash is not None,
            max_downloads=self.max_downloads,
            downloads=self.downloads,
            lists_contents=self.lists_contents,
            state=self.state,
            created_by=self.created_by,
            created_at=self.created_at,
            revoked_at=self.revoked_at,
        )


# Links a download has just found working, by their token's hash: what is kept is
# what never changes of a link (its tenant, creator, target, kind and password hash).
# A download by one of them skips the lookup, a Postgres round trip, because the
# counting statement checks everything else; any refusal is explained by a fresh
# lookup first (`SharedLink._still_works`), so a link that stopped says why, and says
# nothing of its files. At most KNOWN_LINKS, the least recently used leaving first.
KNOWN_LINKS = 1024
_known: OrderedDict[bytes, Link] = OrderedDict()


def _query(database: Database, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    try:
        return database.execute(sql, params)
    except Exception as error:
        raise SharesUnavailable("Share links cannot be read right now; try again") from error


def _holds_a_file(storage: Storage, prefix: str) -> bool:
    """Whether a folder holds a file (folder markers alone are an empty folder)."""
    page = storage.list_page(prefix, None, FOLDER_PAGE)
    return any(not obj.key.endswith("/") for obj in page.objects)


# -- management -------------------------------------------------------------------------


class Shares(TenantFiles):
    """One tenant's share links, for a member or more."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        access: TenantAccess,
        cursors: Cursors,
        database: Database,
        verdicts: Verdicts | None = None,
    ) -> None:
        super().__init__(storage, settings, access, cursors, verdicts=verdicts)
        self._database = database

    @classmethod
    def for_request(cls, state: Any, access: TenantAccess) -> Self:
        return cls(
            state.storage, state.settings, access, state.cursors, state.ledger, state.verdicts
        )

    @property
    def _sees_all(self) -> bool:
        return self._access.role >= Role.admin

    def create(self, request: ShareCreate) -> CreatedShare:
        path = validate_path(request.path)
        if request.kind == "file":
            shared = self._head(path)  # 404 file_not_found
            # A link to malware would hand it on; one to a file not scanned yet may be
            # made: its downloads wait for the verdict.
            self._refuse_infected(path, shared.version_id)
        elif not _holds_a_file(self._storage, self._root.folder_prefix(path)):
            raise ObjectNotFound(f"{path} holds no file to share")
        expires_at = link_expires_at(request.expires_at, self._settings.share_max_days)
        token = new_token()
        password = hash_password(request.password) if request.password is not None else None
        [row] = _query(
            self._database,
            _INSERT,
            (
                self._access.tenant_id,
                self._access.principal.user_id,
                token_hash(token),
                path,
                request.kind,
                request.label,
                expires_at,
                password,
                request.max_downloads,
                request.lists_contents,
            ),
        )
        url = f"{self._settings.public_base_url}/files/s/{token}"
        return CreatedShare(**Link.of(row).shown().model_dump(), url=url)

    def listing(self, limit: int, cursor: str | None) -> ShareList:
        conditions = ["s.tenant_id = %s"]
        params: list[Any] = [self._access.tenant_id]
        if not self._sees_all:
            conditions.append("s.created_by = %s")
            params.append(self._access.principal.user_id)
        if cursor:
            created_at, share_id = self._position(cursor)
            conditions.append("(s.created_at, s.id) < (%s::timestamptz, %s::uuid)")
            params += [created_at, share_id]
        rows = _query(
            self._database,
            f"select {_COLUMNS} from public.file_shares s where {' and '.join(conditions)}"  # noqa: S608
            " order by s.created_at desc, s.id desc limit %s",
            (*params, limit + 1),
        )
        links = [Link.of(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = links[-1]
            position = {"shares": [last.created_at.isoformat(), last.id]}
            next_cursor = self._cursors.seal(self._access.tenant_id, position)
        return ShareList(shares=[link.shown() for link in links], next_cursor=next_cursor)

    def get(self, share_id: str) -> Share:
        return self._link(share_id).shown()

    def change_expiry(self, share_id: str, expires_at: datetime) -> Share:
        link = self._link(share_id)
        if link.revoked_at is not None:
            raise ShareRevoked("This link was revoked; create a new one")
        [row] = _query(
            self._database,
            _SET_EXPIRY,
            (link_expires_at(expires_at, self._settings.share_max_days), link.id),
        )
        return Link.of(row).shown()

    def revoke(self, share_id: str) -> None:
        link = self._link(share_id)
        _query(
            self._database,
            "update public.file_shares set revoked_at = coalesce(revoked_at, now()) where id = %s",
            (link.id,),
        )

    def _link(self, share_id: str) -> Link:
        """The link, if the caller may see it (their own; any, for admins and owners)."""
        canonical = canonical_uuid(share_id)
        rows = (
            _query(
                self._database,
                _BY_ID,
                (canonical, self._access.tenant_id),
            )
            if canonical is not None
            else []
        )
        link = Link.of(rows[0]) if rows else None
        mine = link is not None and link.created_by == self._access.principal.user_id
        if link is None or not (self._sees_all or mine):
            raise ShareNotFound("No such share link in this tenant")
        return link

    def _position(self, cursor: str) -> tuple[str, str]:
        try:
            created_at, share_id = self._cursors.open(self._access.tenant_id, cursor)["shares"]
            datetime.fromisoformat(created_at)
        except (KeyError, TypeError, ValueError):
            raise InvalidContinuation("The cursor is not valid for this listing") from None
        if canonical_uuid(share_id) is None:
            raise InvalidContinuation("The cursor is not valid for this listing")
        return str(created_at), str(share_id)


# -- recipients ---------------------------------------------------------------------------


class SharedLink(TenantFiles):
    """One live link, for whoever holds its token."""

    def __init__(
        self,
        state: Any,
        link: Link,
        client: str,
        request_id: str,
        *,
        token: str | None = None,
    ) -> None:
        creator = Principal(link.created_by, None, {link.tenant_id: Role.member})
        super().__init__(
            state.storage,
            state.settings,
            TenantAccess(creator, link.tenant_id, Role.member),
            state.cursors,
            verdicts=state.verdicts,
        )
        self.link = link
        self._database: Database = state.ledger
        self._attempts = Attempts(state.ledger)
        self._client = client
        self._request_id = request_id
        self._state = state
        self._token = token  # the link's token when it was taken from `_known`
        self._shared_prefix = self._root.folder_prefix(link.path) if link.kind == "folder" else ""

    @classmethod
    def known(cls, state: Any, token: str, client: str, request_id: str) -> SharedLink:
        """The link of `token` for a download: as `open`, without the lookup when a
        download has just found it working (`_known`)."""
        hashed = token_hash(token)
        link = _known.get(hashed)
        if link is None:
            opened = cls.open(state, token, client, request_id)
            _known[hashed] = opened.link
            if len(_known) > KNOWN_LINKS:
                _known.popitem(last=False)
            return opened
        _known.move_to_end(hashed)
        return cls(state, link, client, request_id, token=token)

    @classmethod
    def open(cls, state: Any, token: str, client: str, request_id: str) -> SharedLink:
        """The link of `token`, if it works; `404`, `410` or `429` otherwise.

        Every token costs the same: one indexed lookup of its hash. An address
        past its budget of unknown tokens is refused whatever it sends, so it
        cannot tell a hit from a miss.
        """
        now = int(time.time())
        address = hashed_subject(client)
        [row] = _query(
            state.ledger,
            _LOOKUP,
            (UNKNOWN_TOKENS.name, address, UNKNOWN_TOKENS.window_start(now), token_hash(token)),
        )
        misses, creator_member = row[15], row[14]
        if misses is not None and misses >= UNKNOWN_TOKENS.attempts:
            retry_after = UNKNOWN_TOKENS.window_start(now) + UNKNOWN_TOKENS.seconds - now
            raise TooManyAttempts("Too many unknown links from your address; wait", retry_after)
        if row[0] is None:
            Attempts(state.ledger).count(
                UNKNOWN_TOKENS, address, "Too many unknown links from your address; wait"
            )
            raise LinkNotFound()
        link = Link.of(row)
        if link.revoked_at is not None:
            raise LinkGone("This link was revoked by the person who shared it")
        if link.expired:
            raise LinkGone(f"This link expired at {link.expires_at.isoformat()}")
        if not creator_member:
            raise LinkGone("The person who shared this link is no longer a member of its tenant")
        if link.exhausted:
            raise LinkGone("This link has reached its download limit")
        return cls(state, link, client, request_id)

    def _still_works(self) -> None:
        """For a link taken from `_known`: forget it, and look it up afresh, which
        raises why it stopped working, if it did."""
        if self._token is not None:
            _known.pop(token_hash(self._token), None)
            SharedLink.open(self._state, self._token, self._client, self._request_id)

    # -- what a recipient may do --------------------------------------------------------

    def unlocked(self, grant: str | None) -> bool:
        if self.link.password_hash is None:
            return True
        try:
            Grant.check(self._cursors, LINK_KIND, self.link.id, grant)
        except Problem:
            return False
        return True

    def require_unlocked(self, grant: str | None) -> None:
        if self.link.password_hash is not None:
            try:
                Grant.check(self._cursors, LINK_KIND, self.link.id, grant)
            except Problem:
                self._still_works()
                raise

    def metadata(self, grant: str | None) -> PublicShare:
        link = self.link
        size: int | None = None
        scan: ScanState | None = None
        if link.kind == "file":
            shared = self._shared_file()
            size = shared.size
            scan = self._scan_state(shared)
        elif not _holds_a_file(self._storage, self._shared_prefix):
            raise LinkGone("The shared folder is now empty")
        unlocked = self.unlocked(grant)
        return PublicShare(
            name=link.path.rsplit("/", 1)[-1] if unlocked else None,
            kind=link.kind,
            size=size if unlocked else None,
            scan=scan if unlocked else None,
            expires_at=link.expires_at,
            password_required=link.password_hash is not None,
            lists_contents=link.lists_contents,
            downloads_left=(
                link.max_downloads - link.downloads if link.max_downloads is not None else None
            ),
            label=link.label,
        )

    def unlock(self, password: str) -> LinkGrant:
        """A grant to this link; a link without a password answers one whatever was sent."""
        link = self.link
        try:
            return unlock(
                self._cursors,
                self._attempts,
                LINK_KIND,
                link.id,
                link.password_hash,
                password,
                self._client,
            )
        except WrongPassword:
            _query(
                self._database,
                _UNLOCK_FAILED,
                (link.tenant_id, link.path, self._request_id, self._detail()),
            )
            raise

    def list_folder(self, folder: str, limit: int, cursor: str | None) -> PublicFileList:
        if self.link.kind != "folder" or not self.link.lists_contents:
            raise ListingNotAllowed("This link does not list its contents")
        folder = validate_path(folder, allow_root=True)
        prefix = self._root.folder_prefix(
            join(self.link.path, folder) if folder else self.link.path
        )
        scope = f"file-api share link {self.link.id}"
        token: str | None = None
        if cursor:
            position = self._cursors.open(scope, cursor)
            if position.get("f") != folder or not isinstance(position.get("t"), str):
                raise InvalidContinuation("The cursor belongs to another listing")
            token = position["t"]
        page = self._storage.list_page(prefix, "/", limit, token)
        folders = sorted(
            [key[len(self._shared_prefix) :].rstrip("/") for key in page.prefixes]
            + [
                obj.key[len(self._shared_prefix) :].rstrip("/")
                for obj in page.objects
                if obj.key.endswith("/") and obj.key != prefix
            ]
        )
        shown = [obj for obj in page.objects if not obj.key.endswith("/")]
        states = self._listed_states(shown)
        files = [self._public(obj, states.get(obj.key)) for obj in shown]
        if not (cursor or folder or folders or files):
            raise LinkGone("The shared folder is now empty")
        next_cursor = (
            self._cursors.seal(scope, {"f": folder, "t": page.next_token})
            if page.next_token
            else None
        )
        return PublicFileList(folder=folder, folders=folders, files=files, next_cursor=next_cursor)

    def download(self, path: str | None, status: int) -> ShareDownload:
        """A short-lived presigned GET of the file, one download counted (`status`: the
        answer's, for the audit row)."""
        try:
            obj = self._target(path)
            if obj.archived:
                raise ObjectArchived("This file is archived and cannot be downloaded now")
            # Before the download is counted: a refused one is not.
            self._require_readable(obj, by_link=True)
        except Problem:
            self._still_works()  # a link that stopped says so, not what its files are
            raise
        now = int(time.time())
        [(counted,)] = _query(
            self._database,
            _COUNT_DOWNLOAD,
            (
                self.link.id,
                UNKNOWN_TOKENS.name,
                hashed_subject(self._client),
                UNKNOWN_TOKENS.window_start(now),
                UNKNOWN_TOKENS.attempts,
                self._root.relative(obj.key),
                obj.size,
                status,
                self._request_id,
                self._detail(),
            ),
        )
        if not counted:
            self._still_works()
            raise LinkGone("This link has just reached its download limit, or was revoked")
        seconds = self._settings.redirect_expires
        return ShareDownload(
            url=self._presigned_get(obj, seconds, None, "attachment"),
            expires_at=datetime.now(UTC) + timedelta(seconds=seconds),
        )

    # -- the link's files ----------------------------------------------------------------

    def _shared_file(self) -> ObjectInfo:
        try:
            return self._storage.head(self._root.key(self.link.path))
        except ObjectNotFound:
            raise LinkGone("The shared file was deleted") from None
        except ObjectUnreadable as refused:
            raise self._unreadable(self.link.path, None, refused) from None

    def _target(self, path: str | None) -> ObjectInfo:
        """The file a download names: the link's file, or one below the link's folder."""
        if self.link.kind == "file":
            if path:
                raise InvalidPath("A file link downloads its one file: leave path out")
            return self._shared_file()
        if not path:
            raise InvalidPath("Name the file to download, relative to the shared folder")
        relative = validate_path(path)
        try:
            return self._storage.head(self._root.key(join(self.link.path, relative)))
        except ObjectUnreadable as refused:
            raise self._unreadable(join(self.link.path, relative), None, refused) from None
        except ObjectNotFound:
            if not _holds_a_file(self._storage, self._shared_prefix):
                raise LinkGone("The shared folder is now empty") from None
            raise ObjectNotFound(f"{relative} does not exist in the shared folder") from None

    def _public(self, obj: ObjectInfo, scan: ScanState | None) -> PublicFile:
        path = obj.key[len(self._shared_prefix) :]
        return PublicFile(
            path=path,
            name=path.rsplit("/", 1)[-1],
            size=obj.size,
            content_type=obj.content_type or None,
            last_modified=obj.last_modified,
            scan=scan,
        )

    def _detail(self) -> str:
        return json.dumps({"share_id": self.link.id, "client": self._client[:64]})
