"""fgen: YAML customer manifests in, a validated Terragrunt/Terraform tree out."""

__version__ = "0.1.0"
