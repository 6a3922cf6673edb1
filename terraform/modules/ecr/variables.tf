variable "name" {
  description = "Name of the repository, e.g. snsd-production."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.name)) && length(var.name) <= 256
    error_message = "Must be a valid ECR repository name (lowercase, digits, . _ - /)."
  }
}

variable "image_tag_mutability" {
  description = "MUTABLE or IMMUTABLE. Deploys push one tag per commit and never move a tag, so a revision's image cannot change under it."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)
    error_message = "Must be MUTABLE or IMMUTABLE."
  }
}

variable "scan_on_push" {
  description = "Scan every image for vulnerabilities when it is pushed."
  type        = bool
  default     = true
}

variable "releases_to_keep" {
  description = "How many released images (tagged release_tag_prefix... by the deploy once live) to keep, whatever their age; older releases expire."
  type        = number
  default     = 10

  validation {
    condition     = var.releases_to_keep >= 1 && floor(var.releases_to_keep) == var.releases_to_keep
    error_message = "Must be a whole number of at least 1."
  }
}

variable "release_tag_prefix" {
  description = "Prefix of the tag the deploy adds to an image once it is live (scripts/ecs_deploy.py tag-release)."
  type        = string
  default     = "release-"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*-$", var.release_tag_prefix))
    error_message = "Use lowercase letters, digits and hyphens, ending in a hyphen (e.g. release-)."
  }
}

variable "unreleased_image_expiry_days" {
  description = "Days after push when a tagged image that was never released (a failed deploy's) expires."
  type        = number
  default     = 14

  validation {
    condition     = var.unreleased_image_expiry_days >= 1 && floor(var.unreleased_image_expiry_days) == var.unreleased_image_expiry_days
    error_message = "Must be a whole number of at least 1."
  }
}

variable "untagged_image_expiry_days" {
  description = "Days after push when untagged images expire."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_image_expiry_days >= 1 && floor(var.untagged_image_expiry_days) == var.untagged_image_expiry_days
    error_message = "Must be a whole number of at least 1."
  }
}

variable "force_delete" {
  description = "Let terraform destroy delete the repository while it still holds images."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
