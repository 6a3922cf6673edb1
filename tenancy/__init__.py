"""What both deployables share: token verification, the caller and its tenant, the error shape.

Imports neither `file_lambda` nor `core_service`.
"""
