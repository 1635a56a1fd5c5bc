-- Coupon definitions (admin reference data); their uses are counted by the coupon-<code> streams.
create table coupons (
  id                 uuid        primary key,
  code               text        not null unique,
  name               text        not null,
  coupon_type        text        not null check (coupon_type in ('CREDIT_TOPUP', 'SUBSCRIPTION_DISCOUNT', 'FREE_SERVICE')),
  value              bigint      not null check (value >= 0),
  discount_kind      text        check (discount_kind in ('PERCENT', 'FIXED')),
  service_ids        uuid[]      not null default '{}',
  plan_ids           uuid[]      not null default '{}',
  free_plan_id       uuid,
  free_months        integer     check (free_months > 0),
  valid_from         timestamptz,
  valid_until        timestamptz,
  max_uses           integer     check (max_uses > 0),
  max_uses_per_user  integer     not null default 1 check (max_uses_per_user > 0),
  is_active          boolean     not null default true,
  used_count         integer     not null default 0,
  created_by         text        not null,
  created_at         timestamptz not null,
  updated_at         timestamptz not null
);

-- Inline projection of CouponRedeemed events.
create table coupon_redemptions (
  redemption_id   text        primary key,
  code            text        not null,
  user_id         text        not null,
  coupon_type     text        not null,
  amount          bigint      not null,
  subscription_id text,
  redeemed_at     timestamptz not null,
  position        bigint      not null
);
create index coupon_redemptions_user on coupon_redemptions (user_id, position desc);
create index coupon_redemptions_code on coupon_redemptions (code);
