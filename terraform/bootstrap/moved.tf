# State of bootstraps applied before modules/bucket: the state bucket's
# hardening resources moved into it, so an apply changes nothing. Keep until
# every bootstrap has applied once with them.

moved {
  from = aws_s3_bucket_ownership_controls.state
  to   = module.state_hardening.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_public_access_block.state
  to   = module.state_hardening.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_versioning.state
  to   = module.state_hardening.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.state
  to   = module.state_hardening.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_policy.state
  to   = module.state_hardening.aws_s3_bucket_policy.this
}
