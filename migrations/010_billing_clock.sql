-- The billing clock (issue 9): renewals, grace, suspension, reactivation, expiry.
alter table subscriptions drop constraint subscriptions_status_check;
alter table subscriptions add constraint subscriptions_status_check
  check (status in ('PENDING_DEPLOYMENT', 'ACTIVE', 'SUSPENDED', 'FAILED', 'CANCELLED', 'EXPIRED'));

alter table subscriptions
  -- API.md's renewalStatus: ACTIVE, GRACE, SUSPENDED, EXPIRED, CANCELLED.
  add column renewal_status text not null default 'ACTIVE'
    check (renewal_status in ('ACTIVE', 'GRACE', 'SUSPENDED', 'EXPIRED', 'CANCELLED')),
  add column grace_ends_at        timestamptz,
  add column renewal_attempted_at timestamptz,
  add column suspended_at         timestamptz,
  add column retention_ends_at    timestamptz,
  add column free_months_left     integer not null default 0;

update subscriptions set renewal_status = case status
  when 'EXPIRED' then 'EXPIRED' when 'CANCELLED' then 'CANCELLED' when 'FAILED' then 'CANCELLED' else 'ACTIVE' end;

-- The scheduler's three queues: periods over (renew, grace or expire), grace retries and ends,
-- suspensions past retention.
drop index subscriptions_renewal;
create index subscriptions_due on subscriptions (period_end)
  where status in ('PENDING_DEPLOYMENT', 'ACTIVE') and grace_ends_at is null;
create index subscriptions_grace on subscriptions (grace_ends_at) where grace_ends_at is not null;
create index subscriptions_suspended on subscriptions (retention_ends_at) where status = 'SUSPENDED';

-- The development clock (DEV_CLOCK=true on simulated systems only): one offset shared by every
-- replica and job, moved forward only.
create table dev_clock (
  id        boolean primary key default true check (id),
  offset_ms bigint  not null default 0 check (offset_ms >= 0)
);
insert into dev_clock (id, offset_ms) values (true, 0);
