-- Authentication throttle: failures per key ("login:<email>|<address>", "address:<address>",
-- "password:<userId>", "register:<address>") with an exponential block once a key is past its
-- free allowance. It replaces login_attempts, which counted successes too and locked accounts.
create table auth_throttle (
  key           text        primary key,
  failures      integer     not null,
  free          integer     not null, -- failures allowed before the first block
  first_at      timestamptz not null,
  blocked_until timestamptz
);
drop table login_attempts;

-- The process that claimed an Idempotency-Key: it holds a session advisory lock on
-- (idempotency owner class, owner) while it lives, so a claim whose owner died is retakable at once.
alter table idempotency_keys add column owner integer;

-- The Midtrans simulator's status API reports refunds too, so tests drive every status through
-- the confirmation path (a notification is only believed as far as its signature goes).
alter table midtrans_simulator add column refund_amount text, add column refund_key text;
