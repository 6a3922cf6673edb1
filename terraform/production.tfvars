# The platform's inputs, committed: the one source for operators and CI
# (`terraform plan -var-file=production.tfvars`). Nothing here is secret:
# secret values go into Secrets Manager out of band (DEPLOYMENT.md).
# Anything not listed takes its default in variables.tf, which is the seed's
# specified platform.

# This repository (owner/name). The Terraform workflow fails when it differs
# from the repository it runs in; terraform/bootstrap/production.tfvars must
# say the same.
github_repository = "snsd/snsd-backend"

# The web app's origin(s), allowed by the API's CORS and the uploads bucket.
cors_allowed_origins = ["https://snsdconsultant.com"]

# The deploy jobs' GitHub environment; the deploy role trusts exactly
# repo:<github_repository>:environment:production.
github_environment = "production"

# Alarms, and the monthly cost alert, go to this topic's subscribers (each
# address confirms by e-mail). Production refuses to plan without one.
# REPLACE with your operators' address, then delete this line (DEPLOYMENT.md, step 1).
alarm_email_addresses = ["ops@snsdconsultant.com"]

# null: request *.snsdconsultant.com from ACM and validate it through Route53.
certificate_arn = null

# Seed cost options: one NAT gateway saves about $32/month, without AZ
# redundancy; 7-day logs save about $3/month.
single_nat_gateway    = false
log_retention_in_days = 30

# Hardening from the seed's checklist: WAF on the load balancer, a monthly
# cost alert to the alarm topic, and the files' backup in a second region
# (the database's backups are Supabase's: DEPLOYMENT.md).
enable_waf                   = true
waf_rate_limit_per_5_minutes = 2000
monthly_budget_usd           = 200 # idle month about $137: docs/operations.md, "Cost"
enable_file_replication      = true
file_replica_region          = "us-west-2"

# Leave the load balancer protected and the buckets undeletable while they
# hold files; DEPLOYMENT.md, "Tear down", turns both around on purpose.
enable_deletion_protection = true
allow_destroy_with_data    = false
