"""The core service's domain errors: each carries its status and stable `code`."""

from __future__ import annotations

from tenancy.problems import Conflict, NotFound, ServiceUnavailable


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
