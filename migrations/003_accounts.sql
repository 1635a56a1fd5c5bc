create table users (
  id            uuid        primary key,
  name          text        not null,
  email         text        not null unique,
  phone         text        unique,
  avatar        text,
  role          text        not null check (role in ('USER', 'ADMINISTRATOR')),
  is_active     boolean     not null default true,
  password_hash text        not null,
  created_at    timestamptz not null,
  updated_at    timestamptz not null
);

-- Only hashes of refresh tokens are stored. A family is one login session; reuse revokes it.
create table refresh_tokens (
  token_hash text        primary key,
  family_id  uuid        not null,
  user_id    uuid        not null references users (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null,
  rotated_at timestamptz,
  revoked_at timestamptz
);
create index refresh_tokens_family on refresh_tokens (family_id);
create index refresh_tokens_user on refresh_tokens (user_id);

-- Fixed-window login attempt counters, per account and per client address (shared by replicas).
create table login_attempts (
  key          text        primary key,
  window_start timestamptz not null,
  attempts     integer     not null
);

-- Idempotency-Key records for requests that move money.
create table idempotency_keys (
  scope        text        not null,
  key          text        not null,
  request_hash text        not null,
  status       integer,
  body         jsonb,
  created_at   timestamptz not null,
  primary key (scope, key)
);
