variable "name" {
  description = "Name prefix (<customer>-<env>): the roles are <name>-admin and <name>-readonly."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,55}$", var.name))
    error_message = "The name must be at most 55 characters IAM accepts in role names."
  }
}

variable "customer" {
  description = "Customer id, named in the roles' descriptions."
  type        = string
}

variable "admin_principals" {
  description = "IAM ARNs (accounts, users or roles) allowed to assume the admin role (with MFA); empty: no admin role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.admin_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|user/.+|role/.+)$", p))])
    error_message = "Principals must be IAM ARNs: arn:aws:iam::<account>:root, :user/<name> or :role/<name>."
  }
}

variable "readonly_principals" {
  description = "IAM ARNs (accounts, users or roles) allowed to assume the read-only role (with MFA); empty: no read-only role."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.readonly_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|user/.+|role/.+)$", p))])
    error_message = "Principals must be IAM ARNs: arn:aws:iam::<account>:root, :user/<name> or :role/<name>."
  }
}

variable "mfa_max_age_seconds" {
  description = "Longest time since the MFA sign-in that still allows assuming a role."
  type        = number
  default     = 3600

  validation {
    condition     = var.mfa_max_age_seconds >= 300 && var.mfa_max_age_seconds <= 43200
    error_message = "Between 300 and 43200 seconds."
  }
}

variable "max_session_duration" {
  description = "Longest session of an assumed role, seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "IAM accepts 3600 to 43200 seconds."
  }
}

variable "ecs_exec" {
  description = "Let admins open ECS Exec sessions in ecs_cluster_arn (a flag known at plan time)."
  type        = bool
  default     = false
}

variable "ecs_cluster_arn" {
  description = "ECS cluster whose tasks admins may open ECS Exec sessions in (with ecs_exec)."
  type        = string
  default     = null
}

variable "kms_key_arn" {
  description = "Customer KMS key that encrypts ECS Exec sessions (with ecs_exec; admins need kms:GenerateDataKey on it)."
  type        = string
  default     = null
}

variable "bastion_enabled" {
  description = "Whether the environment has a bastion: admins may then start Session Manager sessions (and EC2 Instance Connect) on it, and on no other instance (a flag known at plan time)."
  type        = bool
  default     = false
}

variable "bastion_instance_id" {
  description = "Id of the bastion instance (with bastion_enabled)."
  type        = string
  default     = null

  validation {
    condition     = var.bastion_instance_id == null || can(regex("^i-[0-9a-f]{8,17}$", var.bastion_instance_id))
    error_message = "bastion_instance_id must be an EC2 instance id (i-...)."
  }
}
