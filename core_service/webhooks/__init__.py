"""A tenant's webhook endpoints (issue 29): the routes under `/tenants/{id}/webhooks`.

`endpoints.py` holds the router (thin routes), `service.py` what they do in
the caller's transaction, `schemas.py` their bodies. The signing, the address
checks, the vault and the catalogue of event types are the shared `webhooks`
package's; the outbox and the deliveries are written by Postgres
(docs/decisions/webhooks.md).
"""
