# What a worker may do: read, write and delete objects under the run prefix (the store commits
# files then a manifest, prunes old checkpoints, aborts failed multipart uploads) and list that
# prefix only. Nothing else in the bucket, no bucket configuration.
data "aws_iam_policy_document" "worker" {
  statement {
    sid       = "ListRunPrefix"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.artifacts.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = [var.run_prefix, "${var.run_prefix}/*"]
    }
  }
  statement {
    sid = "ObjectsUnderRunPrefix"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]
    resources = [local.prefix_arn]
  }
  statement {
    sid       = "UseTheBucketKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.artifacts.arn]
  }
}

resource "aws_iam_policy" "worker" {
  name        = "${var.bucket_name}-elo-worker"
  description = "ELO Pipelines workers: objects under s3://${var.bucket_name}/${var.run_prefix}/"
  policy      = data.aws_iam_policy_document.worker.json
  tags        = var.tags
}

# IRSA: the chart's service account assumes this role through the cluster's OIDC provider.
data "aws_iam_policy_document" "irsa_trust" {
  count = var.eks_oidc_provider_arn == "" ? 0 : 1
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.eks_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.k8s_namespace}:${var.k8s_service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "worker" {
  count              = var.eks_oidc_provider_arn == "" ? 0 : 1
  name               = "${var.bucket_name}-elo-worker"
  assume_role_policy = data.aws_iam_policy_document.irsa_trust[0].json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "worker" {
  count      = var.eks_oidc_provider_arn == "" ? 0 : 1
  role       = aws_iam_role.worker[0].name
  policy_arn = aws_iam_policy.worker.arn
}
