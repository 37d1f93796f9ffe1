terraform {
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
      # us-east-1: CLOUDFRONT-scope web ACLs, their logging and log group live there
      configuration_aliases = [aws.us_east_1]
    }
  }
}
