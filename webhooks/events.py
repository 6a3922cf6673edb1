"""The event types a tenant's endpoints may ask for, and what each one says.

Every payload has one shape, `{type, timestamp, data}` (webhooks/signing.py),
and every `data` holds at least `tenant_id` and `actor` (the user who acted,
null when nobody known did: the bucket's own changes, a lifecycle rule, a
client without an account). Postgres writes the events, in the transaction of
the change they report (supabase/migrations/20260126000200_webhook_events.sql,
from the audit trail); this catalogue is what the API accepts in an
endpoint's `event_types` and what docs/api.md documents, type by type.
"""

from __future__ import annotations

from types import MappingProxyType

# type -> when it is sent (docs/api.md, "Webhook events", gives each one's `data`).
EVENT_TYPES: MappingProxyType[str, str] = MappingProxyType(
    {
        "file.created": "a new version of a file, whichever way it came in",
        "file.deleted": "a file deleted (it is in the trash)",
        "file.restored": "a file restored from the trash",
        "file.purged": "a version removed for good",
        "folder.deleted": "a folder deleted with everything in it",
        "folder.restored": "a folder restored from the trash",
        "upload.completed": "a multipart upload completed",
        "request.submitted": "a client sent a file through a file request",
        "scan.infected": "a version found infected by the malware scan",
        "member.invited": "someone invited to the tenant",
        "member.joined": "someone joined the tenant",
        "member.role_changed": "a member's role changed",
        "member.removed": "a member removed from the tenant",
        "quota.warning": "the tenant's usage reached 80% of a quota",
        "quota.exceeded": "a write refused or undone because a quota was reached",
        "webhook.test": "a test event, sent on demand to one endpoint",
    }
)
