"""Versions and trash: what the versioned bucket keeps of a tenant's files.

The bucket keeps every version, and a delete leaves a delete marker on top of
the file's versions instead of removing them. So:

- a file's **versions** are its entries in `ListObjectVersions`, newest first;
  restoring one copies it on top, as a new version (history is never
  rewritten);
- the **trash** is every file whose latest entry is a delete marker; restoring
  from it removes the marker(s) on top, so the last content version is
  current again; purging removes every version and marker for good. A
  folder's marker (`name/`) is a key like any other in S3, so an empty folder
  goes to the trash and comes back with its folder's undo (SeaweedFS keeps no
  version of it: `make dev` loses empty folders on delete);
- an **archived** version (moved to Glacier by the lifecycle rules) must be
  thawed (`RestoreObject`) before it can be read or copied.

Quotas (`quotas.py`) count every version kept, so restoring a version (a new
version) claims its size, while taking files out of the trash adds nothing
that was not counted all along: it is refused only to a tenant already over
its quota (one lowered below what it stores).

Listings follow `list`: one storage page per API page, sealed cursors.
Whole-folder operations stream the folder's version pages and delete in
batches of 1000, so they make ceil(N/1000) batch calls plus the listing pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import groupby

from file_lambda.history.exceptions import FileNotDeleted, InvalidDeletedSince, NotArchived
from file_lambda.history.schemas import (
    FileVersion,
    FolderRestored,
    Purged,
    ThawResult,
    TrashedFile,
    TrashedFolder,
    TrashList,
    VersionList,
)
from file_lambda.paths import validate_path
from file_lambda.quotas import Want
from file_lambda.scans import ScanState, VerdictsUnavailable
from file_lambda.schemas import FileInfo
from file_lambda.storage.port import (
    ARCHIVE_CLASSES,
    InvalidContinuation,
    ObjectArchived,
    ObjectNotFound,
    ObjectUnreadable,
    StorageError,
    VersionEntry,
    VersionIsDeleteMarker,
    VersionPage,
)
from file_lambda.tenant_files import TenantFiles

BATCH = 1000  # DeleteObjects takes at most 1000 keys a request
PAGE = 1000  # version entries read a page when walking a whole folder
HEADS_IN_FLIGHT = 8
# Entries read to tell whether a subfolder's marker is in the trash: its own
# come first, usually a delete marker and the marker it hides.
MARKER_PEEK = 10
# Hours a Standard retrieval takes at most, by storage class (AWS's documented figures).
THAW_HOURS = {"GLACIER": 5, "DEEP_ARCHIVE": 12}


class History(TenantFiles):
    """One tenant's versions and trash, beside its files (the `files` domain)."""

    # -- versions --------------------------------------------------------------------

    def list_versions(self, path: str, limit: int, cursor: str | None) -> VersionList:
        path = validate_path(path)
        key = self._root.key(path)
        position = self._open("versions", path, cursor)
        page = self._storage.list_versions(key, None, limit, *position)
        entries = [entry for entry in page.entries if entry.key == key]
        if cursor is None and not entries:
            raise ObjectNotFound(f"{path} has no versions")
        # Other keys start with this one's name (`a.txt.bak`): once they show,
        # this key's versions are all listed.
        done = len(entries) < len(page.entries) or page.next_key_marker != key
        uploaders = self._uploaders(entries)
        states = self._version_states(entries)
        return VersionList(
            path=path,
            versions=[
                FileVersion(
                    version_id=entry.version_id,
                    size=entry.size,
                    etag=entry.etag or None,
                    last_modified=entry.last_modified,
                    is_current=entry.is_latest,
                    is_delete_marker=entry.is_delete_marker,
                    uploaded_by=uploaders.get(entry.version_id),
                    archived=entry.storage_class in ARCHIVE_CLASSES,
                    scan=states.get(entry.version_id),
                )
                for entry in entries
            ],
            next_cursor=None if done else self._seal("versions", path, page),
        )

    def _version_states(self, entries: list[VersionEntry]) -> dict[str, ScanState]:
        """Each version's scan state (a delete marker has none), in one query; none while
        the verdicts cannot be read (as `TenantFiles._listed_states`)."""
        if self._verdicts is None:
            return {}
        path = self._root.relative(entries[0].key) if entries else ""
        wanted = [(path, entry.version_id) for entry in entries if not entry.is_delete_marker]
        try:
            states = self._verdicts.of_versions(self._access.tenant_id, wanted)
        except VerdictsUnavailable:
            return {}
        return {} if states is None else {version: states[path, version] for _, version in wanted}

    def _uploaders(self, entries: list[VersionEntry]) -> dict[str, str | None]:
        """Who wrote each version: its `uploaded-by` metadata, which only HEAD returns."""
        wanted = [entry for entry in entries if not entry.is_delete_marker]
        if not wanted:
            return {}

        def uploader(entry: VersionEntry) -> str | None:
            try:
                return self._storage.head(entry.key, entry.version_id).metadata.get("uploaded-by")
            except ObjectNotFound:
                return None  # purged since the listing: the page still answers
            except ObjectUnreadable:
                return None  # storage refuses reading it (malware): its `scan` says so

        with ThreadPoolExecutor(min(HEADS_IN_FLIGHT, len(wanted))) as pool:
            found = pool.map(uploader, wanted)
            return {entry.version_id: who for entry, who in zip(wanted, found, strict=True)}

    def restore_version(self, path: str, version_id: str) -> FileInfo:
        """Make `version_id`'s content current again, as a new version."""
        path = validate_path(path)
        key = self._root.key(path)
        try:
            original = self._storage.head(key, version_id)
        except ObjectUnreadable as refused:
            raise self._unreadable(path, version_id, refused) from None
        except (ObjectNotFound, VersionIsDeleteMarker):
            if self._is_delete_marker(key, version_id):
                raise VersionIsDeleteMarker(
                    "That version is a delete marker: restore the file from the trash instead"
                ) from None
            raise ObjectNotFound(f"{path} has no such version") from None
        if original.archived:
            raise ObjectArchived(f"That version of {path} is archived: thaw it first")
        return self._info(self._copy(original, path))

    def _is_delete_marker(self, key: str, version_id: str) -> bool:
        # Only on the error path: AWS answers HEAD of a marker 405, other stores 404.
        return any(
            entry.version_id == version_id and entry.is_delete_marker
            for entry in self._entries_of(key)
        )

    def thaw(self, path: str, version_id: str | None, days: int) -> ThawResult:
        """Ask storage for a readable copy of an archived file or version."""
        path = validate_path(path)
        key = self._root.key(path)
        obj = self._head(path, version_id)
        hours = THAW_HOURS.get(obj.storage_class or "")
        if hours is None:
            raise NotArchived(f"{path} is not archived: it can be read as it is")
        if not obj.archived:
            status = "available"
        else:
            self._storage.restore_archived(key, version_id, days)
            status = "restoring"
        return ThawResult(
            path=path,
            version_id=obj.version_id,
            status=status,
            ready_within_hours=None if status == "available" else hours,
            available_days=days,
        )

    # -- trash -----------------------------------------------------------------------

    def list_trash(self, folder: str, recursive: bool, limit: int, cursor: str | None) -> TrashList:
        folder = validate_path(folder, allow_root=True)
        prefix = self._root.folder_prefix(folder)
        scope = f"{int(recursive)}:{folder}"
        position = self._open("trash", scope, cursor)
        page = self._storage.list_versions(prefix, None if recursive else "/", limit, *position)
        files: list[TrashedFile] = []
        # Recursive, a folder's marker is an entry; otherwise a subfolder is a prefix.
        folders = self._trashed_folders(page.prefixes)
        groups = [list(group) for _key, group in groupby(page.entries, key=lambda e: e.key)]
        for index, group in enumerate(groups):
            top = group[0]
            # A group that starts mid-key continues the previous page, which listed it.
            if not (top.is_latest and top.is_delete_marker) or top.key == prefix:
                continue
            cut_off = index == len(groups) - 1 and page.next_key_marker is not None
            content = self._content(group, cut_off)
            if content is None:
                continue  # markers over nothing: there is nothing to restore
            path = self._root.relative(top.key)
            if top.key.endswith("/"):
                folders.append(_trashed_folder(path, top.last_modified))
                continue
            files.append(
                TrashedFile(
                    path=path,
                    name=path.rsplit("/", 1)[-1],
                    deleted_at=top.last_modified,
                    size=content.size,
                    version_id=content.version_id,
                )
            )
        return TrashList(
            folder=folder,
            folders=folders,
            files=files,
            next_cursor=None if page.next_key_marker is None else self._seal("trash", scope, page),
        )

    def _content(self, group: list[VersionEntry], cut_off: bool) -> VersionEntry | None:
        """The newest content version of a key's `group` (continued past a page's end)."""
        content = next((entry for entry in group if not entry.is_delete_marker), None)
        if content is None and cut_off:
            content = self._next_content(group[0].key, group[-1].version_id)
        return content

    def _trashed_folders(self, prefixes: list[str]) -> list[TrashedFolder]:
        """The subfolders (prefixes of a page) whose own marker is in the trash."""
        if not prefixes:
            return []

        def trashed(prefix: str) -> TrashedFolder | None:
            page = self._storage.list_versions(prefix, None, MARKER_PEEK)
            group = [entry for entry in page.entries if entry.key == prefix]
            if not group or not (group[0].is_latest and group[0].is_delete_marker):
                return None
            cut_off = len(group) == len(page.entries) and page.next_key_marker is not None
            if self._content(group, cut_off) is None:
                return None
            return _trashed_folder(self._root.relative(prefix), group[0].last_modified)

        with ThreadPoolExecutor(min(HEADS_IN_FLIGHT, len(prefixes))) as pool:
            return [folder for folder in pool.map(trashed, prefixes) if folder is not None]

    def _next_content(self, key: str, after_version: str) -> VersionEntry | None:
        """The newest content version of `key` after `after_version` (past a page's end)."""
        for entry in self._entries_of(key, after_version):
            if not entry.is_delete_marker:
                return entry
        return None

    def restore_deleted(self, path: str) -> FileInfo:
        """Take a file out of the trash: the markers on top go, its last version is current."""
        path = validate_path(path)
        key = self._root.key(path)
        markers: list[tuple[str, str]] = []
        content: VersionEntry | None = None  # the version it brings back
        for entry in self._entries_of(key):
            if not entry.is_delete_marker:
                content = entry
                break
            markers.append((key, entry.version_id))
        if not markers:
            if self._exists(key):
                raise FileNotDeleted(f"{path} is not in the trash")
            raise ObjectNotFound(f"{path} is not in the trash")
        if content is not None:
            # Malware stays in the trash, to be purged: brought back, no one could read it.
            self._refuse_infected(path, content.version_id)
        self._claim([Want(path, 0, 0)])  # its versions are counted already
        self._delete_versions(markers)
        return self._info(self._head(path))

    def restore_folder(self, folder: str, deleted_since: datetime | None) -> FolderRestored:
        """Take everything deleted under `folder` (at or after `deleted_since`) out of the trash."""
        folder = validate_path(folder, allow_root=True)
        if deleted_since is not None:
            if deleted_since.tzinfo is None:
                deleted_since = deleted_since.replace(tzinfo=UTC)
            if deleted_since > datetime.now(UTC):
                raise InvalidDeletedSince("deleted_since lies in the future")
            # Listings give delete times to the second (or less): what was deleted
            # within the named second counts as at or after it.
            deleted_since = deleted_since.replace(microsecond=0)
        self._claim([Want(folder, 0, 0)])  # its versions are counted already
        restored = 0
        batch: list[tuple[str, str]] = []
        for group in self._groups(self._root.folder_prefix(folder)):
            top = group[0]
            if not (top.is_latest and top.is_delete_marker):
                continue
            if deleted_since is not None and top.last_modified < deleted_since:
                continue
            markers = []
            for entry in group:
                if not entry.is_delete_marker:
                    break
                markers.append((entry.key, entry.version_id))
            if len(markers) == len(group):
                continue  # markers over nothing
            restored += 1
            batch += markers
            if len(batch) >= BATCH:
                self._delete_versions(batch[:BATCH])
                batch = batch[BATCH:]
        if batch:
            self._delete_versions(batch)
        return FolderRestored(folder=folder, restored_count=restored)

    def purge(self, path: str) -> Purged:
        """Remove a trashed file for good: every version and delete marker."""
        path = validate_path(path)
        key = self._root.key(path)
        entries = list(self._entries_of(key))
        if not entries:
            raise ObjectNotFound(f"{path} is not in the trash")
        if not entries[0].is_delete_marker:
            raise FileNotDeleted(f"{path} is not in the trash: delete it first")
        self._delete_versions([(key, entry.version_id) for entry in entries])
        return Purged(path=path, purged_files=1, purged_versions=len(entries))

    def purge_folder(self, folder: str) -> Purged:
        """Remove everything in the trash under `folder` for good."""
        folder = validate_path(folder, allow_root=True)
        files = versions = 0
        batch: list[tuple[str, str]] = []
        for group in self._groups(self._root.folder_prefix(folder)):
            if not (group[0].is_latest and group[0].is_delete_marker):
                continue
            files += 0 if group[0].key.endswith("/") else 1
            versions += len(group)
            batch += [(entry.key, entry.version_id) for entry in group]
            while len(batch) >= BATCH:
                self._delete_versions(batch[:BATCH])
                batch = batch[BATCH:]
        if batch:
            self._delete_versions(batch)
        return Purged(path=folder, purged_files=files, purged_versions=versions)

    # -- walking versions ------------------------------------------------------------

    def _entries_of(self, key: str, after_version: str | None = None) -> Iterator[VersionEntry]:
        """`key`'s versions and markers, newest first, page after page."""
        key_marker = key if after_version is not None else None
        version_marker = after_version
        while True:
            page = self._storage.list_versions(key, None, PAGE, key_marker, version_marker)
            for entry in page.entries:
                if entry.key != key:
                    return
                yield entry
            if page.next_key_marker is None:
                return
            key_marker, version_marker = page.next_key_marker, page.next_version_marker

    def _groups(self, prefix: str) -> Iterator[list[VersionEntry]]:
        """Every key under `prefix` with its versions, a key at a time, streaming pages."""

        def entries() -> Iterator[VersionEntry]:
            key_marker: str | None = None
            version_marker: str | None = None
            while True:
                page = self._storage.list_versions(prefix, None, PAGE, key_marker, version_marker)
                yield from page.entries
                if page.next_key_marker is None:
                    return
                key_marker, version_marker = page.next_key_marker, page.next_version_marker

        for _key, group in groupby(entries(), key=lambda entry: entry.key):
            yield list(group)

    def _delete_versions(self, versions: list[tuple[str, str]]) -> None:
        failures = self._storage.delete_versions(versions)
        if failures:
            raise StorageError(f"{len(failures)} versions could not be removed")

    def _exists(self, key: str) -> bool:
        try:
            self._storage.head(key)
        except ObjectNotFound:
            return False
        except ObjectUnreadable:
            pass  # it is there: storage refuses to read it (malware)
        return True

    # -- cursors ---------------------------------------------------------------------

    def _open(self, kind: str, scope: str, cursor: str | None) -> tuple[str | None, str | None]:
        if cursor is None:
            return None, None
        position = self._cursors.open(self._access.tenant_id, cursor)
        key, version = position.get("k"), position.get("v")
        if position.get("kind") != kind or position.get("scope") != scope:
            raise _bad_cursor()
        if not isinstance(key, str) or not key.startswith(self._root.prefix):
            raise _bad_cursor()
        if not isinstance(version, str | None):
            raise _bad_cursor()
        return key, version

    def _seal(self, kind: str, scope: str, page: VersionPage) -> str:
        position = {
            "kind": kind,
            "scope": scope,
            "k": page.next_key_marker,
            "v": page.next_version_marker,
        }
        return self._cursors.seal(self._access.tenant_id, position)


def _bad_cursor() -> InvalidContinuation:
    return InvalidContinuation("The cursor belongs to another listing")


def _trashed_folder(path: str, deleted_at: datetime) -> TrashedFolder:
    path = path.rstrip("/")
    return TrashedFolder(path=path, name=path.rsplit("/", 1)[-1], deleted_at=deleted_at)
