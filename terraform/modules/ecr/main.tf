resource "aws_ecr_repository" "this" {
  #checkov:skip=CKV_AWS_136: AES256 (AWS-owned key) encryption at rest is the specified level; a customer-managed KMS key adds cost without a consumer that needs it.
  name                 = var.name
  image_tag_mutability = var.image_tag_mutability
  force_delete         = var.force_delete

  image_scanning_configuration {
    scan_on_push = var.scan_on_push
  }

  encryption_configuration {
    encryption_type = "AES256"
  }

  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name

  # ECR applies rules by ascending priority, and an image that matches the
  # tag selection of one rule is never expired by a later rule. So a release
  # (an image the deploy tagged release-... once it served; the live image is
  # always one) is counted by rule 2 only: the last N stay, whatever their
  # age, for a rollback. Images of deploys that never went live carry only
  # their commit tag and fall to rule 3, by age; a count would let a run of
  # failed deploys push the releases out.
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images ${var.untagged_image_expiry_days} days after push"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.untagged_image_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last ${var.releases_to_keep} released images"
        selection = {
          tagStatus     = "tagged"
          tagPrefixList = [var.release_tag_prefix]
          countType     = "imageCountMoreThan"
          countNumber   = var.releases_to_keep
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 3
        description  = "Expire images that were never released ${var.unreleased_image_expiry_days} days after push"
        selection = {
          tagStatus      = "tagged"
          tagPatternList = ["*"]
          countType      = "sinceImagePushed"
          countUnit      = "days"
          countNumber    = var.unreleased_image_expiry_days
        }
        action = { type = "expire" }
      },
    ]
  })
}
