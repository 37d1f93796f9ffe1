data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  family      = "postgres${split(".", var.engine_version)[0]}"
  log_exports = ["postgresql", "upgrade"]

  replica_identifiers = [for i in range(var.read_replica_count) : "${var.identifier}-replica-${i + 1}"]

  # RDS creates the export log groups unencrypted and without retention if they do not exist yet:
  # create them first, for the primary and every replica, encrypted with the customer key.
  log_groups = {
    for pair in setproduct(concat([var.identifier], local.replica_identifiers), local.log_exports) :
    "${pair[0]}/${pair[1]}" => "/aws/rds/instance/${pair[0]}/${pair[1]}"
  }

  # Zone placement, explicitly: a single-AZ primary is pinned to the first zone and the replicas go
  # to the following zones in turn. A Multi-AZ primary (and its standby) is placed by AWS and moves
  # on failover, so there the replicas are only guaranteed to be spread over the zones.
  primary_az  = var.multi_az ? null : var.availability_zones[0]
  replica_azs = [for i in range(var.read_replica_count) : var.availability_zones[(i + 1) % length(var.availability_zones)]]

  monitoring_role_arn = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  # A cross-region read replica (the warm standby's database) takes its engine version, storage
  # size, database and master user from its source: RDS refuses them on a replica, and the master
  # user secret stays the source's. Removing replicate_source_db promotes the replica; the settings
  # below then apply to the standalone instance (RDS creates its own master user secret).
  replica = var.replicate
}

resource "aws_db_subnet_group" "this" {
  name        = var.identifier
  description = "Database subnets of ${var.identifier}"
  subnet_ids  = var.subnet_ids

  tags = {
    Name = var.identifier
  }
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.identifier}-${local.family}-"
  family      = local.family
  description = "TLS-only connections and slow query logging for ${var.identifier}"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.log_min_duration_statement)
  }

  tags = {
    Name = var.identifier
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "exports" {
  for_each = local.log_groups

  name              = each.value
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# --- enhanced monitoring -----------------------------------------------------------------------

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  name_prefix        = "${substr(var.identifier, 0, 26)}-mon-"
  description        = "Lets RDS enhanced monitoring publish ${var.identifier}'s OS metrics to CloudWatch Logs."
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  count = var.monitoring_interval > 0 ? 1 : 0

  role       = aws_iam_role.monitoring[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# --- primary -----------------------------------------------------------------------------------

resource "aws_db_instance" "this" {
  identifier          = var.identifier
  replicate_source_db = var.replicate_source_db
  engine              = "postgres" # a replica's is its source's, the same
  engine_version      = local.replica ? null : var.engine_version
  instance_class      = var.instance_class
  port                = var.port
  # A restored instance takes its database and master user from the snapshot, a replica from its source.
  db_name             = var.snapshot_identifier == null && !local.replica ? var.db_name : null
  username            = var.snapshot_identifier == null && !local.replica ? var.master_username : null
  snapshot_identifier = var.snapshot_identifier

  # RDS generates the password and keeps it in Secrets Manager, encrypted with the customer key.
  manage_master_user_password   = local.replica ? null : true
  master_user_secret_kms_key_id = local.replica ? null : var.kms_key_arn

  storage_type          = "gp3"
  allocated_storage     = local.replica ? null : var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_encrypted     = true
  # A cross-region replica must name a key of its own region (KMS keys are regional).
  kms_key_id = var.kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = var.security_group_ids
  publicly_accessible    = false
  availability_zone      = local.primary_az
  multi_az               = var.multi_az
  parameter_group_name   = aws_db_parameter_group.this.name

  iam_database_authentication_enabled = true
  auto_minor_version_upgrade          = true
  allow_major_version_upgrade         = local.replica ? null : true
  apply_immediately                   = var.apply_immediately

  backup_retention_period = var.backup_retention_period
  backup_window           = var.backup_retention_period > 0 ? var.backup_window : null
  maintenance_window      = var.maintenance_window
  copy_tags_to_snapshot   = true
  deletion_protection     = var.deletion_protection
  # RDS takes no final snapshot of a read replica.
  skip_final_snapshot       = local.replica || !var.final_snapshot
  final_snapshot_identifier = !local.replica && var.final_snapshot ? "${var.identifier}-final" : null

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = var.performance_insights_retention_period

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = local.monitoring_role_arn

  enabled_cloudwatch_logs_exports = local.log_exports

  tags = {
    Name = var.identifier
  }

  depends_on = [aws_cloudwatch_log_group.exports, aws_iam_role_policy_attachment.monitoring]
}

# --- read replicas -----------------------------------------------------------------------------

resource "aws_db_instance" "replica" {
  # checkov:skip=CKV_AWS_157:read replicas are read-scaling copies in the zones of replica_azs; whether the database has a standby is the primary's multi_az, which checkov checks on the primary itself
  count = var.read_replica_count

  identifier = local.replica_identifiers[count.index]
  # v5+: the source is named by its identifier (id is the DBI resource id). No username, password
  # or db_name here: a replica inherits them from the primary.
  replicate_source_db = aws_db_instance.this.identifier
  instance_class      = var.instance_class

  storage_type          = "gp3"
  max_allocated_storage = var.max_allocated_storage
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  vpc_security_group_ids = var.security_group_ids
  publicly_accessible    = false
  availability_zone      = local.replica_azs[count.index]
  multi_az               = false
  parameter_group_name   = aws_db_parameter_group.this.name

  iam_database_authentication_enabled = true
  auto_minor_version_upgrade          = true
  apply_immediately                   = var.apply_immediately

  maintenance_window    = var.maintenance_window
  copy_tags_to_snapshot = true
  deletion_protection   = var.deletion_protection
  skip_final_snapshot   = true

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = var.performance_insights_retention_period

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = local.monitoring_role_arn

  enabled_cloudwatch_logs_exports = local.log_exports

  tags = {
    Name = local.replica_identifiers[count.index]
  }

  depends_on = [aws_cloudwatch_log_group.exports, aws_iam_role_policy_attachment.monitoring]
}
