# Remote state in the bucket the bootstrap root creates (terraform/bootstrap),
# locked by a lock object beside the state (S3-native locking, Terraform
# >= 1.10; no DynamoDB table). Partial configuration: bucket, key and region
# come from the backend file, so no bucket name is written here:
#
#   terraform init -backend-config=production.s3.tfbackend
#
# Tests run `terraform init -backend=false` or replace this with a local backend.
terraform {
  backend "s3" {
    encrypt      = true
    use_lockfile = true
  }
}
