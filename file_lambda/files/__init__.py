"""A tenant's files: uploads through the API, reads, deletes, folders, copies, presigned URLs."""
