data "aws_partition" "current" {}

# Latest Amazon Linux 2023 (standard, not minimal) for the instance's architecture, published by Amazon.
# A new AMI release replaces the bastion on the next apply, which keeps it patched; it holds no state.
data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-2023.*-kernel-*-${var.architecture}"]
  }

  filter {
    name   = "architecture"
    values = [var.architecture]
  }

  filter {
    name   = "state"
    values = ["available"]
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = "${var.name}-bastion"
  description        = "Bastion host of ${var.name}: Session Manager access only."
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "this" {
  name = "${var.name}-bastion"
  role = aws_iam_role.this.name
}

# No key pair and no user_data: admins connect with Session Manager, or with EC2 Instance Connect
# over SSH from the admin CIDRs the security group allows.
resource "aws_instance" "this" {
  # checkov:skip=CKV_AWS_88:inbound, its security group allows only SSH from the manifest's admin CIDRs (nothing when there are none, the IP then serving only outbound traffic); Session Manager needs no inbound access
  # checkov:skip=CKV_AWS_126:a single idle jump host: 5-minute basic metrics are enough, no scaling or alarm depends on 1-minute metrics
  ami                         = data.aws_ami.al2023.id
  instance_type               = var.instance_type
  subnet_id                   = var.public_subnet_ids[0]
  vpc_security_group_ids      = [var.security_group_id]
  iam_instance_profile        = aws_iam_instance_profile.this.name
  associate_public_ip_address = true
  monitoring                  = false
  # every current-generation type supports it (most have it on by default); previous-generation
  # types without EBS optimisation are refused by var.instance_type
  ebs_optimized = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    encrypted             = true
    kms_key_id            = var.kms_key_arn
    delete_on_termination = true
  }

  # Burstable types: never pay for unlimited CPU credits on an idle jump host.
  dynamic "credit_specification" {
    for_each = startswith(var.instance_type, "t") ? [1] : []

    content {
      cpu_credits = "standard"
    }
  }

  tags = {
    Name = "${var.name}-bastion"
  }

  depends_on = [aws_iam_role_policy_attachment.ssm]
}
