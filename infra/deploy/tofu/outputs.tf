output "bucket" {
  description = "The artifact bucket."
  value       = aws_s3_bucket.artifacts.id
}

output "store_uri" {
  description = "The store to give `elo run --store` (and ELO_STORE)."
  value       = "s3://${aws_s3_bucket.artifacts.id}/${var.run_prefix}"
}

output "worker_policy_arn" {
  description = "IAM policy with the workers' access; attach it to the role the worker pods use."
  value       = aws_iam_policy.worker.arn
}

output "worker_role_arn" {
  description = "The IRSA role (empty without eks_oidc_provider_arn): the chart's serviceAccount annotation."
  value       = one(aws_iam_role.worker[*].arn)
}

output "chart_values" {
  description = "Values for the elo-worker chart: `tofu output -json chart_values > bucket-values.json`, then `helm install -f bucket-values.json`."
  value = {
    s3 = { region = data.aws_region.current.region }
    serviceAccount = {
      name        = var.k8s_service_account
      annotations = length(aws_iam_role.worker) == 0 ? {} : { "eks.amazonaws.com/role-arn" = aws_iam_role.worker[0].arn }
    }
  }
}
