-- The event log (DESIGN.md §3): append-only, global position, per-stream versions and hash chain.
-- Commands serialise per stream with a transaction-scoped advisory lock on the stream id (no
-- row write, works for streams that do not exist yet); unique (stream_id, stream_version) is
-- the backstop that turns any unlocked race into a version conflict.
create table events (
  position       bigserial primary key,
  stream_id      text        not null,
  stream_version integer     not null check (stream_version > 0),
  event_id       uuid        not null unique,
  type           text        not null,
  data           jsonb       not null,
  metadata       jsonb       not null default '{}'::jsonb,
  recorded_at    timestamptz not null,
  -- Writing transaction, for commit-safe ordered reads (rows below the snapshot's xmin are final).
  tx_id          xid8        not null default pg_current_xact_id(),
  prev_hash      text        not null,
  hash           text        not null,
  unique (stream_id, stream_version)
);

create function refuse_event_mutation() returns trigger language plpgsql as $$
begin
  raise exception 'the events table is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end
$$;

create trigger events_refuse_update_delete
  before update or delete on events
  for each row execute function refuse_event_mutation();

create trigger events_refuse_truncate
  before truncate on events
  for each statement execute function refuse_event_mutation();

-- Decider state at a version, written in the appending transaction: a command loads one row
-- plus the events after it. Never trusted by the audit, which replays the events themselves.
create table snapshots (
  stream_id text    primary key,
  version   integer not null check (version > 0),
  last_hash text    not null,
  state     jsonb   not null
);
