variable "domain" {
  description = "The domain mail is sent from (its SES identity), e.g. snsdconsultant.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.domain))
    error_message = "A lower-case domain name, e.g. snsdconsultant.com."
  }
}

variable "sender" {
  description = "The sender of the core's mails, an address of the domain, e.g. invitations@snsdconsultant.com."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s<>]+@([a-z0-9-]+\\.)+[a-z]{2,}$", var.sender))
    error_message = "A bare address (no display name) of a lower-case domain."
  }
}

variable "sender_name" {
  description = "The display name mails are sent under, e.g. SnSD."
  type        = string
  default     = "SnSD"

  validation {
    condition     = can(regex("^[A-Za-z0-9 .-]{1,64}$", var.sender_name))
    error_message = "Letters, digits, spaces, dots and hyphens only (it goes into a From header)."
  }
}

variable "configuration_set_name" {
  description = "Name of the SES configuration set every mail names."
  type        = string
}

variable "zone_id" {
  description = "Route 53 zone of the domain, where the DKIM records are published; null: none are (publish dkim_records by hand)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
