"""Signed webhooks (issue 29): a tenant's own systems hear about its files and members.

Deliveries follow the Standard Webhooks specification, so that receivers verify
them with the official `standardwebhooks` libraries and nothing of ours. This
package is shared below both services: the signing (`signing.py`) and the
delivery client that refuses private addresses (`delivery.py`) come first; the
endpoints' management, the outbox and the delivery function follow
(docs/decisions/webhooks.md).
"""
