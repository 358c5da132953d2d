variable "bucket_name" {
  description = "Name of the artifact bucket (globally unique)."
  type        = string
}

variable "run_prefix" {
  description = "Key prefix of the store inside the bucket: workers get access to s3://<bucket>/<run_prefix>/ only."
  type        = string
  default     = "elo"
  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]+(/[a-zA-Z0-9._-]+)*$", var.run_prefix))
    error_message = "run_prefix is a key prefix without leading or trailing slashes, e.g. \"elo\" or \"teams/nlp/elo\"."
  }
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which parts of an unfinished multipart upload (a worker killed mid-upload) are deleted."
  type        = number
  default     = 2
}

variable "noncurrent_version_days" {
  description = "Days a replaced or deleted object version is kept (old checkpoints pruned by keepLast become noncurrent)."
  type        = number
  default     = 30
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the bucket's KMS key is deleted after `tofu destroy`."
  type        = number
  default     = 30
}

variable "access_log_bucket" {
  description = "Existing bucket that receives the server access logs of the artifact bucket; empty: no access logs."
  type        = string
  default     = ""
}

variable "eks_oidc_provider_arn" {
  description = "IAM OIDC provider of the EKS cluster (IRSA); empty: no role is created, attach worker_policy_arn yourself."
  type        = string
  default     = ""
}

variable "k8s_namespace" {
  description = "Kubernetes namespace the chart is installed in (for the IRSA trust condition)."
  type        = string
  default     = "elo"
}

variable "k8s_service_account" {
  description = "Service account of the workers: the chart's serviceAccount.name, by default <release>-elo-worker."
  type        = string
  default     = "elo-elo-worker"
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
