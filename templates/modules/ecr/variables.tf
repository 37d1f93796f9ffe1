variable "repository_names" {
  description = "ECR repositories to create, by service name -> repository name (<customer>/<service>)."
  type        = map(string)

  validation {
    condition     = alltrue([for n in values(var.repository_names) : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", n)) && length(n) <= 256])
    error_message = "Repository names are lowercase path segments (letters, digits, '.', '_', '-') separated by '/'."
  }
}

variable "kms_key_arn" {
  description = "Customer KMS key that encrypts the images."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The KMS key must be given as a key ARN."
  }
}

variable "keep_last_images" {
  description = "Images kept per repository; older ones are expired by the lifecycle policy."
  type        = number

  validation {
    condition     = var.keep_last_images >= 1 && var.keep_last_images <= 10000
    error_message = "Keep between 1 and 10000 images."
  }
}

variable "untagged_expiry_days" {
  description = "Untagged images (layers of superseded builds) are expired after this many days."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_expiry_days >= 1
    error_message = "Must be at least one day."
  }
}

variable "force_delete" {
  description = "Allow deleting repositories that still hold images (never in production)."
  type        = bool
  default     = false
}
