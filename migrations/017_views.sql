-- Views that answer the client's next question (issue 12 point 3).

-- A service's icon (the seeds' Service.icon): a URL or an icon name, shown beside its name.
alter table services add column icon text;

-- When the instance last came up (provisioned, started, restarted, reactivated: InstanceRunning)
-- and last stopped serving (stopped, suspended, cancelled, expired) — the seeds' lastStarted and
-- lastStopped. Inline projection of the subscription streams; filled from the log for the past.
alter table subscriptions add column last_started_at timestamptz, add column last_stopped_at timestamptz;

update subscriptions s set
  last_started_at = (select max(e.recorded_at) from events e
    where e.stream_id = 'subscription-' || s.id and e.type = 'InstanceRunning'),
  last_stopped_at = (select max(e.recorded_at) from events e
    where e.stream_id = 'subscription-' || s.id
      and (e.type in ('SubscriptionSuspended', 'SubscriptionCancelled', 'SubscriptionExpired')
        or (e.type = 'InstanceTransitioned' and e.data ->> 'to' = 'STOPPED')));

-- Every free grant is a line in the history (issue 12 point 6): bonus and FREE_SERVICE periods and
-- bonus upgrades are 0-rupiah charges (FreeGrantRecorded), so an entry may carry 0 rupiah.
alter table ledger_entries drop constraint ledger_entries_amount_check;
alter table ledger_entries add constraint ledger_entries_amount_check check (amount >= 0);
