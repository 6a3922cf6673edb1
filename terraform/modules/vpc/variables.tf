variable "name" {
  description = "Name prefix for every resource of the network, e.g. snsd-production."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,40}$", var.name))
    error_message = "Use 2 to 41 lowercase letters, digits and hyphens."
  }
}

variable "cidr" {
  description = "IPv4 CIDR block of the VPC."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "Must be a valid IPv4 CIDR block."
  }
}

variable "azs" {
  description = "Availability zones to spread the subnets over, one public and one private subnet each."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2
    error_message = "An ALB needs subnets in at least two availability zones."
  }
}

variable "public_subnets" {
  description = "CIDR blocks of the public subnets (ALB, NAT gateways), one per availability zone, in the order of azs."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.public_subnets : can(cidrhost(c, 0))])
    error_message = "Every entry must be a valid IPv4 CIDR block."
  }
}

variable "private_subnets" {
  description = "CIDR blocks of the private subnets (Fargate tasks), one per availability zone, in the order of azs."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.private_subnets : can(cidrhost(c, 0))])
    error_message = "Every entry must be a valid IPv4 CIDR block."
  }
}

variable "single_nat_gateway" {
  description = "Use one NAT gateway for all private subnets instead of one per availability zone: about $32/month cheaper, but private subnets lose internet access if that zone fails."
  type        = bool
  default     = false
}

variable "enable_s3_endpoint" {
  description = "Create an S3 gateway endpoint on the private route tables."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
