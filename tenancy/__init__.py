"""What both deployables share: token verification, the caller and its tenant, the error shape,
how settings are read and what browsers are told (CORS, security headers).

Imports neither `file_lambda` nor `core_service` (tests/test_architecture.py).
"""
