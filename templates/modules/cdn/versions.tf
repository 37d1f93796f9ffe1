terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
      # us-east-1: CloudFront's access-log delivery (CloudWatch Logs vended logs) lives there
      configuration_aliases = [aws.us_east_1]
    }
  }
}
