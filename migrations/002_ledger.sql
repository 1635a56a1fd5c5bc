-- Human transaction ids TXMP-<n> (the seeds start at 101).
create sequence transaction_number_seq start with 101;

-- Inline projection of wallet streams: balances are derived, the check is a last line of defence.
create table wallet_balances (
  user_id      text   primary key,
  balance      bigint not null check (balance >= 0),
  total_top_up bigint not null default 0,
  total_spent  bigint not null default 0
);

-- Inline projection: one row per transfer, the user's transaction list.
create table ledger_entries (
  transaction_id text        primary key,
  user_id        text        not null,
  type           text        not null,
  status         text        not null,
  direction      text        not null check (direction in ('CREDIT', 'DEBIT')),
  amount         bigint      not null check (amount > 0),
  balance_before bigint      not null,
  balance_after  bigint      not null check (balance_after >= 0),
  from_account   text        not null,
  to_account     text        not null,
  cause_type     text        not null,
  cause_id       text        not null,
  description    text        not null,
  position       bigint      not null,
  created_at     timestamptz not null
);
create index ledger_entries_user_position on ledger_entries (user_id, position desc);
