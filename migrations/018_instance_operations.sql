-- Inline projection of instance-ops-<subscriptionId> streams: health verdicts and maintenance.
create table instance_ops (
  subscription_id     uuid        primary key,
  health_status       text        check (health_status in ('HEALTHY', 'DEGRADED', 'DOWN')),
  health_reason       text,
  health_changed_at   timestamptz,
  maintenance_by      text,
  maintenance_reason  text,
  maintenance_since   timestamptz,
  last_repair         text,
  last_repair_at      timestamptz
);

-- When the reconciliation loop last looked at each instance (operational, not a business fact:
-- no event per look, one statement per run).
create table instance_health_checks (
  subscription_id uuid        primary key,
  checked_at      timestamptz not null
);

-- The reconciliation loop's runs (the leader's), newest last: lag and leader for /api/admin/health.
create table reconciliation_runs (
  id             bigserial   primary key,
  replica        text        not null,
  started_at     timestamptz not null,
  finished_at    timestamptz not null,
  checked        int         not null,
  repaired       int         not null,
  health_changes int         not null,
  failed         int         not null
);
