variable "name" {
  description = "Name prefix of the bastion's resources (<customer>-<environment>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,54}$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens, at most 55 characters (IAM role names are limited to 64)."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets of the VPC; the bastion runs in the first one."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) > 0
    error_message = "At least one public subnet is needed."
  }
}

variable "security_group_id" {
  description = "The bastion's security group (from the security_groups unit)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer KMS key that encrypts the root volume."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type; its architecture must equal var.architecture."
  type        = string
  default     = "t4g.nano"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type)) && !can(regex("^(t1|t2|m1|m2|m3|c1|c3|r3|i2|g2|hs1|cc2|cr1|hi1)\\.", var.instance_type))
    error_message = "instance_type must be a current-generation EC2 type (the bastion is EBS-optimized; t2, m3, c3 and older are not)."
  }
}

variable "architecture" {
  description = "CPU architecture of the instance type and of the Amazon Linux 2023 AMI: arm64 (Graviton) or x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}
