# The bootstrap's inputs, committed: nothing here is secret. The repository
# must be this repository (the main root's production.tfvars says the same,
# and the Terraform workflow fails when either differs from github.repository).
github_repository = "snsd/snsd-backend"

# Defaults, shown for the record:
# aws_region        = "us-east-1"
# state_bucket_name = "snsd-terraform-state" # the main root's production.s3.tfbackend names it
# apply_environment = "production-infrastructure"
