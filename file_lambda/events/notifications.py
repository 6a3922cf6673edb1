"""S3 event notification records, read as changes to a tenant's object versions.

The bucket is versioned, so every change S3 reports is one of three things
happening to one version of one key:

- a version is created (`ObjectCreated:*`: put, POST, copy, multipart completion);
- a delete marker is created (`ObjectRemoved:DeleteMarkerCreated`, and
  `LifecycleExpiration:DeleteMarkerCreated` when a current version expires);
- a version or delete marker is removed for good (`ObjectRemoved:Delete` with
  a version id, `LifecycleExpiration:Delete` for noncurrent versions).

Everything else S3 may send (restores, transitions, tagging, the test event
sent when notifications are configured) changes no usage and is skipped, and
so is any key outside `tenants/{tenant_id}/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote_plus

from tenancy.principal import canonical_uuid

TENANTS_PREFIX = "tenants/"

Change = Literal["created", "delete_marker", "removed"]

_CHANGES: dict[str, Change] = {
    "ObjectRemoved:DeleteMarkerCreated": "delete_marker",
    "LifecycleExpiration:DeleteMarkerCreated": "delete_marker",
    "ObjectRemoved:Delete": "removed",
    "LifecycleExpiration:Delete": "removed",
}


# S3's sequencers are hex strings (compared right-padded: see the migration).
SEQUENCER = re.compile(r"[0-9A-Fa-f]{1,64}")


class MalformedRecord(ValueError):
    """A record that claims to be a change but lacks what the change needs."""


@dataclass(frozen=True, slots=True)
class ObjectChange:
    tenant_id: str
    # Relative to the tenant's root, as the API shows it.
    path: str
    version_id: str
    change: Change
    # Bytes of a created version; None otherwise.
    size: int | None
    # S3's order of the events of one key (hex); None for removals.
    sequencer: str | None
    # When S3 finished the request (ISO 8601).
    time: str
    event_name: str


def change_of(event_name: str) -> Change | None:
    if event_name.startswith("ObjectCreated:"):
        return "created"
    return _CHANGES.get(event_name)


def tenant_path(key: str) -> tuple[str, str] | None:
    """(tenant id, path) of a key under `tenants/{tenant_id}/`, else None."""
    if not key.startswith(TENANTS_PREFIX):
        return None
    tenant, _, path = key[len(TENANTS_PREFIX) :].partition("/")
    tenant_id = canonical_uuid(tenant)
    if tenant_id is None or tenant_id != tenant or not path:
        return None
    return tenant_id, path


def parse_record(record: Mapping[str, Any]) -> ObjectChange | None:
    """The change one record reports, or None when it reports none of a tenant's."""
    event_name = str(record.get("eventName", ""))
    change = change_of(event_name)
    if change is None:
        return None
    try:
        obj = record["s3"]["object"]
        # Keys arrive URL-encoded, spaces as '+'.
        located = tenant_path(unquote_plus(obj["key"]))
        if located is None:
            return None
        version_id = str(obj["versionId"])
        size = int(obj["size"]) if change == "created" else None
        sequencer = str(obj["sequencer"]) if change != "removed" else None
        time = str(record["eventTime"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedRecord(f"{event_name} record without {exc}") from None
    if sequencer is not None and not SEQUENCER.fullmatch(sequencer):
        raise MalformedRecord(f"{event_name} record with sequencer {sequencer!r}")
    tenant_id, path = located
    return ObjectChange(tenant_id, path, version_id, change, size, sequencer, time, event_name)


def parse_notification(message: Mapping[str, Any]) -> Iterator[ObjectChange]:
    """The changes of one notification message (`{"Records": [...]}`)."""
    for record in message.get("Records") or ():
        change = parse_record(record)
        if change is not None:
            yield change
