"""The core service's domain errors: each carries its status and stable `code`."""

from __future__ import annotations

from tenancy.problems import Conflict, NotFound, Problem, ServiceUnavailable


class DatabaseUnavailable(ServiceUnavailable):
    code = "database_unavailable"


class TenantNotFound(NotFound):
    code = "tenant_not_found"


class MemberNotFound(NotFound):
    code = "member_not_found"


class MemberExists(Conflict):
    code = "member_exists"


class LastOwner(Conflict):
    code = "last_owner"


class InvitationNotFound(NotFound):
    code = "invitation_not_found"


class InvitationExists(Conflict):
    code = "invitation_exists"


class ResendTooSoon(Problem):
    """An invitation's mail was asked for less than INVITATION_RESEND_SECONDS ago."""

    status = 429
    code = "resend_too_soon"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"This invitation was mailed moments ago; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


# -- webhooks (core_service/webhooks/) -----------------------------------------------


class WebhookEndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"


class WebhookDeliveryNotFound(NotFound):
    code = "webhook_delivery_not_found"


class WebhookEndpointLimit(Conflict):
    code = "webhook_endpoint_limit"


class WebhookEndpointDisabled(Conflict):
    code = "webhook_endpoint_disabled"


class WebhookSecretsUnavailable(ServiceUnavailable):
    code = "webhook_secrets_unavailable"


# -- exports (core_service/exports/) -----------------------------------------------


class ExportNotFound(NotFound):
    code = "export_not_found"


class ExportInProgress(Conflict):
    """One export at a time per tenant: a second waits for the first to end."""

    code = "export_in_progress"
