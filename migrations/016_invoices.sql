-- Invoices (INV, one per charge and per free grant) and credit notes (CN, one per refund),
-- numbered without gaps per series and year. A number is taken from the series' counter row in
-- the transaction that charges (or refunds): a rolled-back charge gives its number back, a
-- committed one keeps it, so the numbers of a year are exactly 1..last_number (a sequence would
-- leave gaps). The row lock serialises the numbering itself, held from the insert to COMMIT.
create table document_counters (
  series      text    not null check (series in ('INV', 'CN')),
  year        integer not null,
  last_number bigint  not null check (last_number > 0),
  primary key (series, year)
);

-- INV-2026-000001; more digits once a year passes 999,999 (lpad would cut them).
create function document_number(series text, year integer, sequence bigint) returns text
  language sql immutable strict
  as $$ select series || '-' || year || '-' || case when sequence < 1000000 then lpad(sequence::text, 6, '0') else sequence::text end $$;

-- Inline projection of charges, free grants and refunds. Issued documents are never changed:
-- buyer and plan names are copied in at issue. Amounts in integer rupiah; lines as
-- [{description, quantity, unitPrice, amount}], a discount line negative.
create table billing_documents (
  number                  text        primary key,
  series                  text        not null check (series in ('INV', 'CN')),
  year                    integer     not null,
  sequence                bigint      not null check (sequence > 0),
  user_id                 text        not null,
  -- The charge's or refund's TXMP id; null for a free grant (no money moved).
  transaction_id          text        unique,
  -- Credit notes: the charge they correct, and its invoice.
  corrects_transaction_id text,
  corrects_number         text        references billing_documents (number),
  subscription_id         text,
  plan_id                 text,
  plan_name               text,
  service_name            text,
  buyer                   jsonb       not null,
  description             text        not null,
  lines                   jsonb       not null,
  subtotal                bigint      not null check (subtotal >= 0),
  discount                bigint      not null check (discount >= 0),
  total                   bigint      not null check (total >= 0 and total = subtotal - discount),
  currency                text        not null default 'IDR',
  issued_at               timestamptz not null,
  source_event_id         text        not null unique,
  position                bigint      not null,
  unique (series, year, sequence),
  check (number = document_number(series, year, sequence)),
  -- corrects_number may be null: a refund of a charge that a replica of the previous version made
  -- during a rolling deploy (after this migration, without invoicing) must still go through; the
  -- audit reports that charge as one without an invoice.
  check ((series = 'CN') = (corrects_transaction_id is not null))
);
create index billing_documents_user on billing_documents (user_id, position desc, number desc);
create index billing_documents_corrects on billing_documents (corrects_number) where corrects_number is not null;

-- Charges and refunds recorded before invoicing existed get their documents now, in ledger order.
insert into billing_documents (number, series, year, sequence, user_id, transaction_id, subscription_id, plan_id,
  plan_name, service_name, buyer, description, lines, subtotal, discount, total, issued_at, source_event_id, position)
select document_number('INV', c.year, c.sequence), 'INV', c.year, c.sequence, c.user_id, c.transaction_id,
  s.id::text, s.plan_id::text, p.name, sv.name,
  jsonb_build_object('userId', c.user_id, 'name', u.name, 'email', u.email, 'phone', u.phone),
  c.description,
  jsonb_build_array(jsonb_build_object('description', c.description, 'quantity', 1, 'unitPrice', c.amount, 'amount', c.amount)),
  c.amount, 0, c.amount, c.created_at, e.event_id::text, c.position
from (
  select le.*, extract(year from le.created_at at time zone 'UTC')::integer as year,
    row_number() over (partition by extract(year from le.created_at at time zone 'UTC') order by le.position) as sequence
  from ledger_entries le where le.type in ('SUBSCRIPTION', 'UPGRADE')
) c
join events e on e.position = c.position
left join users u on u.id::text = c.user_id
left join subscriptions s on s.id::text = substring(c.cause_id from '^[^@#]+')
left join plans p on p.id = s.plan_id
left join services sv on sv.id = p.service_id;

insert into billing_documents (number, series, year, sequence, user_id, transaction_id, corrects_transaction_id,
  corrects_number, subscription_id, plan_id, plan_name, service_name, buyer, description, lines, subtotal, discount,
  total, issued_at, source_event_id, position)
select document_number('CN', c.year, c.sequence), 'CN', c.year, c.sequence, c.user_id, c.transaction_id, c.cause_id,
  i.number, i.subscription_id, i.plan_id, i.plan_name, i.service_name, i.buyer, c.description,
  jsonb_build_array(jsonb_build_object('description', c.description, 'quantity', 1, 'unitPrice', c.amount, 'amount', c.amount)),
  c.amount, 0, c.amount, c.created_at, e.event_id::text, c.position
from (
  select le.*, extract(year from le.created_at at time zone 'UTC')::integer as year,
    row_number() over (partition by extract(year from le.created_at at time zone 'UTC') order by le.position) as sequence
  from ledger_entries le where le.type = 'REFUND'
) c
join events e on e.position = c.position
join billing_documents i on i.transaction_id = c.cause_id;

insert into document_counters (series, year, last_number)
select series, year, max(sequence) from billing_documents group by series, year;
