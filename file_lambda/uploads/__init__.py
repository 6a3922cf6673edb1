"""Large and resumable uploads: S3 multipart through presigned part URLs, and upload sessions."""
