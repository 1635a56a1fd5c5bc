-- Inline projection of subscription-<id> streams.
create table subscriptions (
  id              uuid        primary key,
  user_id         text        not null,
  service_id      uuid        not null,
  plan_id         uuid        not null,
  plan_type       text        not null,
  monthly_price   bigint      not null,
  status          text        not null check (status in ('PENDING_DEPLOYMENT', 'ACTIVE', 'FAILED', 'CANCELLED', 'EXPIRED')),
  instance_name   text        not null,
  display_name    text,
  instance_status text        not null,
  instance_error  text,
  provisioning_started_at timestamptz not null,
  auto_renew      boolean     not null,
  period_start    timestamptz not null,
  period_end      timestamptz not null,
  created_at      timestamptz not null,
  updated_at      timestamptz not null,
  cancelled_at    timestamptz,
  position        bigint      not null
);
create index subscriptions_user on subscriptions (user_id, position desc);
create index subscriptions_renewal on subscriptions (period_end) where status <> 'CANCELLED' and auto_renew;
-- The provisioning worker's queue: instances still coming up, oldest first.
create index subscriptions_coming_up on subscriptions (created_at) where instance_status in ('PROVISIONING', 'STARTING', 'RESTARTING');

-- Instance environment overrides: configuration, possibly secret, so kept out of the event log
-- (events record which keys changed, never values).
create table instance_env (
  subscription_id uuid        primary key,
  env             jsonb       not null,
  updated_at      timestamptz not null
);
