"""The audit trail's action for a route: its operation id, except where the id was renamed.

The trail records an API write under its route's operation id (file_lambda/audit.py,
core_service/audit.py), and Postgres turns some of those actions into webhook events
(supabase/migrations/20260126000200_webhook_events.sql: `api:restore_deleted` is
`file.restored`). Operation ids were renamed to read like their URLs (issue 31); the
actions were not: rows written before and after the rename name a write alike, an
`?action=` filter keeps finding both, and every webhook event type is unchanged.
A route renamed again adds its old id here, never a new action.
"""

from __future__ import annotations

from types import MappingProxyType

# operation id -> the audit action it has always been recorded as (docs/api.md, "Audit trail").
RENAMED: MappingProxyType[str, str] = MappingProxyType(
    {
        "redeliver_webhook_delivery": "redeliver_webhook",
        "delete_multiple_files": "delete_files",
        "upload_multiple_files": "upload_files",
        "list_multipart_parts": "list_parts",
        "sign_multipart_parts": "sign_parts",
        "create_presigned_upload": "presign_upload",
        "get_presigned_url": "presign_download",
        "create_public_request_s3_multipart": "create_request_upload",
        "abort_public_request_s3_multipart": "abort_request_upload",
        "list_public_request_s3_multipart_parts": "list_request_upload_parts",
        "complete_public_request_s3_multipart": "complete_request_upload",
        "sign_public_request_s3_multipart_part": "sign_request_upload_part",
        "download_public_share": "redirect_shared_file",
        "create_public_share_download": "download_shared_file",
        "list_public_share_files": "list_shared_files",
        "unlock_public_share": "unlock_share",
        "purge_trash_file": "purge_file",
        "purge_trash_folder": "purge_folder",
        "restore_trash_file": "restore_deleted",
        "restore_trash_folder": "restore_folder",
        "list_unfinished_uploads": "list_tenant_uploads",
        "abort_unfinished_upload": "abort_tenant_upload",
        "create_upload_session_s3_multipart": "session_create",
        "abort_upload_session_s3_multipart": "session_abort",
        "list_upload_session_s3_multipart_parts": "session_parts",
        "complete_upload_session_s3_multipart": "session_complete",
        "sign_upload_session_s3_multipart_part": "session_sign",
        "get_upload_session_s3_params": "session_params",
    }
)


def audit_action(operation_id: str) -> str:
    """The action the audit trail records a route's request under."""
    return RENAMED.get(operation_id, operation_id)
