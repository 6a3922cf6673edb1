"""A tenant's exports (issue 30): the routes under `/tenants/{id}/exports`.

`endpoints.py` holds the router (thin routes), `service.py` what they do in
the caller's transaction, `schemas.py` their bodies, `links.py` the
presigned download of a finished export. The job itself is the job
function's (`jobs/exports.py`).
"""
