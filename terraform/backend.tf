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
    # The seed's lock table. Terraform 1.11 also offers S3-native locking
    # (use_lockfile); switch once every operator runs >= 1.10.
    dynamodb_table = "snsd-terraform-locks"
    encrypt        = true
  }
}
