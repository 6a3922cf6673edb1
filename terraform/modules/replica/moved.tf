# State of deployments made before modules/bucket: the hardening resources
# moved into it, so an apply changes nothing. Keep until every deployment
# has applied once with them.

moved {
  from = aws_s3_bucket_ownership_controls.this
  to   = module.hardening.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.this
  to   = module.hardening.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.this
  to   = module.hardening.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.this
  to   = module.hardening.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_policy.this
  to   = module.hardening.aws_s3_bucket_policy.this
}
