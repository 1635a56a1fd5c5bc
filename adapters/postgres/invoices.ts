import { Effect, Layer } from "effect"
import { type DocumentDraft, documentDrafts } from "../../application/invoices/invoiceDrafts.ts"
import { type BillingDocument, type DocumentLine, InvoiceQueries } from "../../application/ports/invoices.ts"
import { SubscriptionEvent } from "../../domain/subscription/index.ts"
import { Pg, type Tx } from "./client.ts"
import { eventTypesOf, projection } from "./projection.ts"

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** Ids compared with uuid columns; anything else matches nothing (instead of failing the cast). */
const asUuid = (id: string | null) => (id !== null && uuidShape.test(id) ? id : null)

/**
 * One statement per document: the number from the series' counter row (taken and kept until
 * COMMIT, so numbers are gapless), the buyer and plan copied in, the lines priced. A document that
 * cannot be issued (no owner, no price) violates a NOT NULL constraint, and the whole append rolls
 * back: nothing is charged without an invoice.
 */
const issue = (tx: Tx, d: DocumentDraft) => tx`
  with counter as (
    insert into document_counters as c (series, year, last_number) values (${d.series}, ${d.year}, 1)
    on conflict (series, year) do update set last_number = c.last_number + 1
    returning last_number
  ),
  sub as (select user_id, plan_id, monthly_price from subscriptions where id = ${asUuid(d.subscriptionId)}::uuid),
  corrected as (select number, subscription_id, plan_id from billing_documents where transaction_id = ${d.correctsTransactionId}::text),
  owner as (select coalesce(${d.userId}::text, (select user_id from sub)) as user_id),
  plan as (
    select p.id::text as id, p.name, s.name as service_name from plans p join services s on s.id = p.service_id
    where p.id = coalesce(${asUuid(d.planId)}::uuid, (select plan_id from sub), (select plan_id::uuid from corrected where plan_id ~* ${uuidShape.source}))
  ),
  priced as (select coalesce(${d.listPrice}::bigint, (select monthly_price from sub)) as list)
  insert into billing_documents (number, series, year, sequence, user_id, transaction_id, corrects_transaction_id,
    corrects_number, subscription_id, plan_id, plan_name, service_name, buyer, description, lines, subtotal, discount,
    total, issued_at, source_event_id, position)
  select document_number(${d.series}, ${d.year}, counter.last_number), ${d.series}, ${d.year}, counter.last_number,
    owner.user_id, ${d.transactionId}::text, ${d.correctsTransactionId}::text, (select number from corrected),
    coalesce(${d.subscriptionId}::text, (select subscription_id from corrected)), (select id from plan),
    (select name from plan), (select service_name from plan),
    coalesce(
      (select jsonb_build_object('userId', owner.user_id, 'name', u.name, 'email', u.email, 'phone', u.phone) from users u
        where u.id = case when owner.user_id ~* ${uuidShape.source} then owner.user_id::uuid end),
      jsonb_build_object('userId', owner.user_id, 'name', null, 'email', null, 'phone', null)),
    ${d.description}::text,
    jsonb_build_array(jsonb_build_object('description', ${d.description}::text, 'quantity', 1, 'unitPrice', priced.list, 'amount', priced.list))
      || case when priced.list > ${d.total}::bigint
        then jsonb_build_array(jsonb_build_object('description', ${d.discountLabel}::text, 'quantity', 1,
          'unitPrice', ${d.total}::bigint - priced.list, 'amount', ${d.total}::bigint - priced.list))
        else '[]'::jsonb end,
    priced.list, priced.list - ${d.total}::bigint, ${d.total}::bigint, ${new Date(d.issuedAt)},
    ${d.sourceEventId}::text, (select position from events where event_id = ${d.sourceEventId}::uuid)
  from counter, owner, priced`

/**
 * Several documents in one statement, exactly as `issue` one after another: each series' counter
 * row is advanced once by its number of documents, which are numbered in the drafts' order. The
 * lookups are the same joins; a document that cannot be issued fails the statement (NOT NULL).
 */
const issueAll = (tx: Tx, drafts: ReadonlyArray<DocumentDraft>) => {
  const rows = drafts.map((d, n) => ({
    n,
    series: d.series,
    year: d.year,
    user_id: d.userId,
    subscription_id: d.subscriptionId,
    sub_uuid: asUuid(d.subscriptionId),
    plan_uuid: asUuid(d.planId),
    transaction_id: d.transactionId,
    corrects_transaction_id: d.correctsTransactionId,
    source_event_id: d.sourceEventId,
    issued_at: d.issuedAt,
    description: d.description,
    list_price: d.listPrice,
    discount_label: d.discountLabel,
    total: d.total
  }))
  return tx`
    with d as (
      select * from jsonb_to_recordset(${tx.json(rows as never)}) as d(n integer, series text, year integer, user_id text,
        subscription_id text, sub_uuid uuid, plan_uuid uuid, transaction_id text, corrects_transaction_id text,
        source_event_id text, issued_at timestamptz, description text, list_price bigint, discount_label text, total bigint)
    ),
    counter as (
      insert into document_counters as c (series, year, last_number)
      select series, year, count(*) from d group by series, year
      on conflict (series, year) do update set last_number = c.last_number + excluded.last_number
      returning series, year, last_number
    ),
    numbered as (
      select d.*, counter.last_number - count(*) over w + row_number() over (w order by d.n) as sequence
      from d join counter using (series, year)
      window w as (partition by d.series, d.year)
    )
    insert into billing_documents (number, series, year, sequence, user_id, transaction_id, corrects_transaction_id,
      corrects_number, subscription_id, plan_id, plan_name, service_name, buyer, description, lines, subtotal, discount,
      total, issued_at, source_event_id, position)
    select document_number(x.series, x.year, x.sequence), x.series, x.year, x.sequence,
      owner.user_id, x.transaction_id, x.corrects_transaction_id, corrected.number,
      coalesce(x.subscription_id, corrected.subscription_id), plan.id, plan.name, plan.service_name,
      coalesce(
        (select jsonb_build_object('userId', owner.user_id, 'name', u.name, 'email', u.email, 'phone', u.phone) from users u
          where u.id = case when owner.user_id ~* ${uuidShape.source} then owner.user_id::uuid end),
        jsonb_build_object('userId', owner.user_id, 'name', null, 'email', null, 'phone', null)),
      x.description,
      jsonb_build_array(jsonb_build_object('description', x.description, 'quantity', 1, 'unitPrice', priced.list, 'amount', priced.list))
        || case when priced.list > x.total
          then jsonb_build_array(jsonb_build_object('description', x.discount_label, 'quantity', 1,
            'unitPrice', x.total - priced.list, 'amount', x.total - priced.list))
          else '[]'::jsonb end,
      priced.list, priced.list - x.total, x.total, x.issued_at,
      x.source_event_id, e.position
    from numbered x
    left join subscriptions sub on sub.id = x.sub_uuid
    left join billing_documents corrected on corrected.transaction_id = x.corrects_transaction_id
    cross join lateral (select coalesce(x.user_id, sub.user_id) as user_id) owner
    cross join lateral (select coalesce(x.list_price, sub.monthly_price) as list) priced
    left join lateral (
      select p.id::text as id, p.name, s.name as service_name from plans p join services s on s.id = p.service_id
      where p.id = coalesce(x.plan_uuid, sub.plan_id, case when corrected.plan_id ~* ${uuidShape.source} then corrected.plan_id::uuid end)
    ) plan on true
    left join events e on e.event_id = x.source_event_id::uuid
    order by x.n`
}

/**
 * The inline projection: the events of one append in, one INSERT for all their invoices and
 * credit notes out — or one per document when a credit note corrects a charge of the same append
 * (one statement does not see its own rows). It reads charges and refunds, the coupons redeemed
 * with a sale, and the subscription events that say what was sold.
 */
export const invoiceProjection = projection(
  "billing-documents",
  ["WalletCharged", "ChargeRefunded", "CouponRedeemed", ...eventTypesOf(SubscriptionEvent)],
  (tx, events) => {
    const drafts = documentDrafts(events)
    if (drafts.length <= 1) return drafts.map((draft) => issue(tx, draft))
    const charged = new Set(drafts.map((d) => d.transactionId))
    return drafts.some((d) => d.correctsTransactionId !== null && charged.has(d.correctsTransactionId))
      ? drafts.map((draft) => issue(tx, draft))
      : [issueAll(tx, drafts)]
  }
)

interface DocumentRow {
  number: string
  series: "INV" | "CN"
  year: number
  sequence: number
  user_id: string
  buyer: { name: string | null; email: string | null; phone: string | null }
  transaction_id: string | null
  corrects_number: string | null
  corrects_transaction_id: string | null
  credit_notes: Array<string>
  subscription_id: string | null
  plan_id: string | null
  plan_name: string | null
  service_name: string | null
  description: string
  lines: Array<DocumentLine>
  subtotal: number
  discount: number
  total: number
  issued_at: Date
  position: number
}

const toDocument = (r: DocumentRow): BillingDocument => ({
  number: r.number,
  series: r.series,
  year: r.year,
  sequence: r.sequence,
  userId: r.user_id,
  buyer: { name: r.buyer.name ?? null, email: r.buyer.email ?? null, phone: r.buyer.phone ?? null },
  transactionId: r.transaction_id,
  correctsNumber: r.corrects_number,
  correctsTransactionId: r.corrects_transaction_id,
  creditNotes: r.credit_notes,
  subscriptionId: r.subscription_id,
  plan: r.plan_id === null ? null : { id: r.plan_id, name: r.plan_name, serviceName: r.service_name },
  description: r.description,
  lines: r.lines,
  subtotal: r.subtotal,
  discount: r.discount,
  total: r.total,
  currency: "IDR",
  issuedAt: r.issued_at.toISOString(),
  position: r.position
})

export const InvoiceQueriesPostgres = Layer.effect(
  InvoiceQueries,
  Effect.gen(function* () {
    const sql = yield* Pg
    const columns = sql`d.number, d.series, d.year, d.sequence, d.user_id, d.buyer, d.transaction_id, d.corrects_number,
      d.corrects_transaction_id, d.subscription_id, d.plan_id, d.plan_name, d.service_name, d.description, d.lines,
      d.subtotal, d.discount, d.total, d.issued_at, d.position,
      array(select c.number from billing_documents c where c.corrects_number = d.number order by c.position) as credit_notes`
    return InvoiceQueries.of({
      list: (userId, filter) =>
        Effect.promise(async () => {
          const where = sql`d.user_id = ${userId} ${filter.series === undefined ? sql`` : sql`and d.series = ${filter.series}`}`
          const [rows, [count]] = await Promise.all([
            sql<Array<DocumentRow>>`select ${columns} from billing_documents d where ${where}
              order by d.position desc, d.number desc limit ${filter.limit} offset ${(filter.page - 1) * filter.limit}`,
            sql<Array<{ total: number }>>`select count(*)::bigint as total from billing_documents d where ${where}`
          ])
          return { items: rows.map(toDocument), total: count?.total ?? 0 }
        }),
      byNumber: (number) =>
        Effect.promise(async () => {
          const [row] = await sql<
            Array<DocumentRow>
          >`select ${columns} from billing_documents d where d.number = ${number}`
          return row && toDocument(row)
        }),
      ledgerRows: Effect.promise(async () => {
        const rows = await sql<
          Array<{
            number: string
            series: "INV" | "CN"
            year: number
            sequence: number
            user_id: string
            transaction_id: string | null
            corrects_transaction_id: string | null
            total: number
          }>
        >`
          select number, series, year, sequence, user_id, transaction_id, corrects_transaction_id, total from billing_documents`
        return rows.map((r) => ({
          number: r.number,
          series: r.series,
          year: r.year,
          sequence: r.sequence,
          userId: r.user_id,
          transactionId: r.transaction_id,
          correctsTransactionId: r.corrects_transaction_id,
          total: r.total
        }))
      }),
      counters: Effect.promise(async () => {
        const rows = await sql<
          Array<{ series: "INV" | "CN"; year: number; last_number: number }>
        >`select series, year, last_number from document_counters`
        return rows.map((r) => ({ series: r.series, year: r.year, lastNumber: r.last_number }))
      })
    })
  })
)
