# Remote state, created once by hand (see README, "Bootstrap the state
# backend"). This is a partial configuration: the state key comes from a
# backend file at init time, so each environment keeps its own state without
# copying this file:
#
#   terraform init -backend-config=production.s3.tfbackend
#
# Tests run `terraform init -backend=false` and never touch it.
terraform {
  backend "s3" {
    bucket = "snsd-terraform-state"
    region = "us-east-1"
    # The seed's lock table. Newer Terraform releases also offer S3-native
    # locking (use_lockfile); move to it once every operator's and CI's
    # Terraform supports it.
    dynamodb_table = "snsd-terraform-locks"
    encrypt        = true
  }
}
