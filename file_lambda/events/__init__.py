"""Changes to tenants' objects, as the bucket reports them, and what they add up to.

- `notifications.py`: S3 event notification records -> `ObjectChange`s;
- `ledger.py`: each change recorded once in Postgres, whatever the order and
  however often it arrives, and the usage per tenant and folder it yields.

Nothing here is imported by the file API's request path.
"""
