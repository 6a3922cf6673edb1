terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Written and tested against 5.x (5.100.0); 6.0 is a breaking release.
      version = "~> 5.0"
    }
  }
}
