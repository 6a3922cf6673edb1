variable "zone_name" {
  description = "Existing public Route53 hosted zone, e.g. snsdconsultant.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.zone_name))
    error_message = "Must be a lowercase domain name without trailing dot."
  }
}

variable "record_name" {
  description = "Label of the API record in the zone: api gives api.<zone_name>."
  type        = string
  default     = "api"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", var.record_name))
    error_message = "Must be a single lowercase DNS label."
  }
}

variable "certificate_arn" {
  description = "Existing ACM certificate to use; null requests a new one for certificate_domain_name."
  type        = string
  default     = null
}

variable "certificate_domain_name" {
  description = "Domain of the certificate to request, e.g. *.snsdconsultant.com (covers api.)."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_domain_name == null ? true : can(regex("^(\\*\\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$", var.certificate_domain_name))
    error_message = "Must be a domain name, optionally starting with *."
  }
}

variable "subject_alternative_names" {
  description = "Further names on the requested certificate."
  type        = list(string)
  default     = []
}

variable "create_certificate_validation" {
  description = "Create the DNS validation records and wait for ACM to issue the certificate. Only emulators that cannot issue certificates need false."
  type        = bool
  default     = true
}

variable "alb_dns_name" {
  description = "DNS name of the load balancer the record aliases."
  type        = string
}

variable "alb_zone_id" {
  description = "Route53 zone ID of the load balancer."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
