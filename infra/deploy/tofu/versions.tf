# The bucket and IAM for ELO Pipelines workers on AWS (docs/deploy.md). OpenTofu >= 1.6 or
# Terraform >= 1.5; the aws provider from the OpenTofu/Terraform registry.
terraform {
  required_version = ">= 1.6.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}
