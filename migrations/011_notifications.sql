-- Notifications (issue 9 §3): a transactional outbox that is also the in-app inbox.
-- A row is written in the same transaction as its cause (an event's inline projection, the user
-- insert, or a reminder of the time-driven job); `dedupe_key` names the cause, so a cause can
-- never yield two notifications. The email channel's delivery state lives on the same row: the
-- dispatcher claims due rows (FOR UPDATE SKIP LOCKED, then a lease), sends over SMTP and records
-- the outcome; a failure is retried with exponential backoff until `email_attempts` runs out.
create table notifications (
  id                    uuid        primary key default gen_random_uuid(),
  -- text, like subscriptions.user_id: a notification never blocks its cause for want of a user row.
  user_id               text        not null,
  kind                  text        not null,
  dedupe_key            text        not null unique,
  -- What the templates interpolate (amounts, names, dates), tagged with the kind.
  params                jsonb       not null,
  created_at            timestamptz not null,
  read_at               timestamptz,
  email_status          text        not null default 'PENDING' check (email_status in ('PENDING', 'SENT', 'FAILED', 'SKIPPED')),
  email_attempts        integer     not null default 0,
  -- When PENDING: the earliest next attempt (also the lease of an attempt in flight).
  email_next_attempt_at timestamptz not null,
  email_last_error      text,
  email_sent_at         timestamptz
);
-- The inbox: unread first, newest first.
create index notifications_inbox on notifications (user_id, (read_at is not null), created_at desc);
-- The dispatcher's queue.
create index notifications_email_due on notifications (email_next_attempt_at) where email_status = 'PENDING';
create index notifications_admin on notifications (created_at desc);

-- The language of what MinisPod tells a user: 'id' (Indonesian, the default) or 'en'.
alter table users add column locale text not null default 'id' check (locale in ('id', 'en'));

-- Welcome: the users table is not event-sourced, so its outbox row is written by the insert's own
-- transaction (a trigger), for customer accounts only.
create function notify_welcome() returns trigger language plpgsql as $$
begin
  insert into notifications (user_id, kind, dedupe_key, params, created_at, email_next_attempt_at)
  values (new.id::text, 'welcome', 'welcome:' || new.id, jsonb_build_object('_tag', 'welcome', 'name', new.name),
    new.created_at, new.created_at)
  on conflict (dedupe_key) do nothing;
  return null;
end
$$;

create trigger users_notify_welcome
  after insert on users
  for each row when (new.role = 'USER') execute function notify_welcome();

-- The development mailbox (embedded default, never in production): what the in-process SMTP
-- server received, as parsed from the wire.
create table dev_mailbox (
  id          bigserial   primary key,
  message_id  text,
  mail_from   text        not null,
  rcpt_to     text[]      not null,
  subject     text        not null,
  text_body   text        not null,
  html_body   text        not null,
  received_at timestamptz not null
);
create index dev_mailbox_rcpt on dev_mailbox using gin (rcpt_to);
