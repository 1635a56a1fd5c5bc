-- Raises unless a projection statement touched exactly one row (an UPDATE that matches nothing
-- is not an error by itself; this makes it one, so the append rolls back).
create function expect_one_row(touched bigint, projection text) returns void language plpgsql as $$
begin
  if touched <> 1 then
    raise exception 'projection % touched % rows, expected 1', projection, touched;
  end if;
end
$$;

-- Inline projection of payment-<orderId> streams: top-ups and their gateway state.
create table payments (
  order_id        text        primary key,
  user_id         text        not null,
  amount          bigint      not null check (amount > 0),
  payment_method  text        not null,
  status          text        not null check (status in ('PENDING', 'SETTLED', 'FAILED', 'CANCELLED', 'EXPIRED')),
  gateway_status  text,
  snap_token      text,
  redirect_url    text,
  reversed_amount bigint      not null default 0,
  shortfall       bigint      not null default 0,
  expires_at      timestamptz not null,
  created_at      timestamptz not null,
  updated_at      timestamptz not null,
  position        bigint      not null
);
create index payments_pending_created on payments (created_at) where status = 'PENDING';
create index payments_user_position on payments (user_id, position desc);
create index payments_shortfall on payments (order_id) where shortfall > 0;

-- The local Midtrans simulator's own state (MIDTRANS_MODE=simulator only).
create table midtrans_simulator (
  order_id           text        primary key,
  gross_amount       text        not null,
  transaction_status text        not null,
  fraud_status       text,
  payment_type       text        not null,
  customer_email     text,
  created_at         timestamptz not null,
  updated_at         timestamptz not null
);
