import { Effect, Layer } from "effect"
import { walletProjectionStep } from "../../application/ledger/walletProjection.ts"
import type { RecordedEvent } from "../../application/ports/eventStore.ts"
import { type LedgerEntry, WalletQueries, type WalletSummary } from "../../application/ports/walletQueries.ts"
import { WalletEvent } from "../../domain/ledger/index.ts"
import { Pg, type Tx } from "./client.ts"
import { eventTypesOf, projection } from "./projection.ts"

/**
 * Inline projection of wallet events: balance rows and transaction list. One event: one
 * statement (`projectOne`); several (a group-committed batch): one statement for all of them.
 */
export const walletProjection = projection("wallet", eventTypesOf(WalletEvent), (tx, events) =>
  events.length <= 1 ? events.map((event) => projectOne(tx, event)) : [projectBatch(tx, events)]
)

/**
 * Every wallet's balance row moved once by the sum of its events (created by a net credit, only
 * updated by a net debit: the balance check applies to an upsert's candidate row), then one
 * ledger line per event, its balances counted back from the wallet's new balance over the events
 * after it. A missing balance row yields NULL balances, which the NOT NULL columns refuse.
 */
const projectBatch = (tx: Tx, events: ReadonlyArray<RecordedEvent>) => {
  const rows = events.map((event, n) => {
    const step = walletProjectionStep(event)
    const e = step.entry
    return {
      n,
      user_id: step.userId,
      balance_delta: step.balanceDelta,
      top_up_delta: step.topUpDelta,
      spent_delta: step.spentDelta,
      transaction_id: e.transactionId,
      type: e.type,
      direction: e.direction,
      amount: e.amount,
      from_account: e.fromAccount,
      to_account: e.toAccount,
      cause_type: e.causeType,
      cause_id: e.causeId,
      description: e.description,
      event_id: event.eventId,
      created_at: e.createdAt
    }
  })
  return tx`
    with i as (
      select * from jsonb_to_recordset(${tx.json(rows as never)}) as i(n integer, user_id text, balance_delta bigint,
        top_up_delta bigint, spent_delta bigint, transaction_id text, type text, direction text, amount bigint,
        from_account text, to_account text, cause_type text, cause_id text, description text, event_id uuid, created_at timestamptz)
    ),
    t as (
      select user_id, sum(balance_delta) as balance, sum(top_up_delta) as top_up, sum(spent_delta) as spent from i group by user_id
    ),
    credited as (
      insert into wallet_balances as w (user_id, balance, total_top_up, total_spent)
      select user_id, balance, top_up, spent from t where balance >= 0
      on conflict (user_id) do update set
        balance = w.balance + excluded.balance,
        total_top_up = w.total_top_up + excluded.total_top_up,
        total_spent = w.total_spent + excluded.total_spent
      returning user_id, balance
    ),
    debited as (
      update wallet_balances w set
        balance = w.balance + t.balance,
        total_top_up = w.total_top_up + t.top_up,
        total_spent = w.total_spent + t.spent
      from t where t.user_id = w.user_id and t.balance < 0
      returning w.user_id, w.balance
    ),
    b as (select user_id, balance from credited union all select user_id, balance from debited),
    lines as (
      select i.*, b.balance - coalesce(sum(i.balance_delta) over later, 0) as balance_after
      from i left join b on b.user_id = i.user_id
      window later as (partition by i.user_id order by i.n rows between 1 following and unbounded following)
    )
    insert into ledger_entries (transaction_id, user_id, type, status, direction, amount, balance_before,
      balance_after, from_account, to_account, cause_type, cause_id, description, position, created_at)
    select l.transaction_id, l.user_id, l.type, 'COMPLETED', l.direction, l.amount, l.balance_after - l.balance_delta,
      l.balance_after, l.from_account, l.to_account, l.cause_type, l.cause_id, l.description, e.position, l.created_at
    from lines l left join events e on e.event_id = l.event_id
    order by l.n`
}

const projectOne = (tx: Tx, event: RecordedEvent) => {
  const step = walletProjectionStep(event)
  const e = step.entry
  // A credit (or a 0-rupiah free grant, maybe a user's first line) may create the row; a debit only
  // ever updates it (the balance check applies to the candidate row of an upsert, so a debit cannot
  // go through INSERT … ON CONFLICT).
  const balance =
    step.balanceDelta >= 0
      ? tx`insert into wallet_balances as w (user_id, balance, total_top_up, total_spent)
        values (${step.userId}, ${step.balanceDelta}, ${step.topUpDelta}, ${step.spentDelta})
        on conflict (user_id) do update set
          balance = w.balance + excluded.balance,
          total_top_up = w.total_top_up + excluded.total_top_up,
          total_spent = w.total_spent + excluded.total_spent
        returning balance`
      : tx`update wallet_balances set
          balance = balance + ${step.balanceDelta},
          total_top_up = total_top_up + ${step.topUpDelta},
          total_spent = total_spent + ${step.spentDelta}
        where user_id = ${step.userId}
        returning balance`
  // `one left join b`: a missing balance row yields NULLs, which the NOT NULL columns refuse,
  // so the append fails (and its pipelined COMMIT rolls back) instead of silently skipping.
  return tx`
    with b as (${balance})
    insert into ledger_entries (transaction_id, user_id, type, status, direction, amount, balance_before,
      balance_after, from_account, to_account, cause_type, cause_id, description, position, created_at)
    select ${e.transactionId}, ${step.userId}, ${e.type}, 'COMPLETED', ${e.direction}, ${e.amount},
      b.balance - ${step.balanceDelta}, b.balance, ${e.fromAccount}, ${e.toAccount}, ${e.causeType},
      ${e.causeId}, ${e.description}, (select position from events where event_id = ${event.eventId}),
      ${new Date(e.createdAt)}
    from (select 1) as one left join b on true`
}

interface EntryRow {
  transaction_id: string
  user_id: string
  type: LedgerEntry["type"]
  status: LedgerEntry["status"]
  direction: "CREDIT" | "DEBIT"
  amount: number
  balance_before: number | null
  balance_after: number | null
  from_account: string
  to_account: string
  cause_type: string
  cause_id: string
  description: string
  position: number
  created_at: Date
}

const toEntry = (r: EntryRow): LedgerEntry => ({
  transactionId: r.transaction_id,
  userId: r.user_id,
  type: r.type,
  status: r.status,
  direction: r.direction,
  amount: r.amount,
  balanceBefore: r.balance_before,
  balanceAfter: r.balance_after,
  fromAccount: r.from_account,
  toAccount: r.to_account,
  causeType: r.cause_type,
  causeId: r.cause_id,
  description: r.description,
  position: r.position,
  createdAt: r.created_at.toISOString()
})

export const WalletQueriesPostgres = Layer.effect(
  WalletQueries,
  Effect.gen(function* () {
    const sql = yield* Pg
    /** Ledger movements, plus top-ups that have not settled (a settled one is its credit entry). */
    const userEntries = (userId: string) => sql`
      select transaction_id, user_id, type, status, direction, amount, balance_before, balance_after, from_account,
        to_account, cause_type, cause_id, description, position, created_at
      from ledger_entries where user_id = ${userId}
      union all
      select order_id, user_id, 'TOP_UP', case status when 'PENDING' then 'PENDING' when 'CANCELLED' then 'CANCELLED' else 'FAILED' end,
        'CREDIT', amount, null, null, 'gateway:midtrans', 'wallet:' || user_id, 'payment', order_id,
        'Top-up via ' || payment_method || ' (' || lower(status) || ')', position, created_at
      from payments where user_id = ${userId} and status <> 'SETTLED'`
    return WalletQueries.of({
      summary: (userId) =>
        Effect.promise(async () => {
          const [row] = await sql<Array<{ balance: number; total_top_up: number; total_spent: number }>>`
            select balance, total_top_up, total_spent from wallet_balances where user_id = ${userId}`
          return {
            userId,
            balance: row?.balance ?? 0,
            totalTopUp: row?.total_top_up ?? 0,
            totalSpent: row?.total_spent ?? 0
          } satisfies WalletSummary
        }),
      transactions: (userId, filter) =>
        Effect.promise(async () => {
          const entries = userEntries(userId)
          const where = sql`true
            ${filter.type === undefined ? sql`` : sql`and type = ${filter.type}`}
            ${filter.status === undefined ? sql`` : sql`and status = ${filter.status}`}`
          const [rows, [count]] = await Promise.all([
            sql<Array<EntryRow>>`select * from (${entries}) t where ${where}
              order by position desc limit ${filter.limit} offset ${(filter.page - 1) * filter.limit}`,
            sql<Array<{ total: number }>>`select count(*) as total from (${userEntries(userId)}) t where ${where}`
          ])
          return { items: rows.map(toEntry), total: count?.total ?? 0 }
        }),
      subscriptionTransactions: (userId, subscriptionId) =>
        Effect.promise(async () => {
          // Charge cause ids are "<sub>@<periodStart>" or "<sub>#<upgradeId>"; a refund's cause is its charge.
          const rows = await sql<Array<EntryRow>>`
            with charges as (
              select transaction_id from ledger_entries
              where user_id = ${userId} and type in ('SUBSCRIPTION', 'UPGRADE')
                and (cause_id like ${subscriptionId + "@%"} or cause_id like ${subscriptionId + "#%"})
            )
            select * from ledger_entries
            where user_id = ${userId}
              and (transaction_id in (select transaction_id from charges)
                or (type = 'REFUND' and cause_id in (select transaction_id from charges)))
            order by position desc`
          return rows.map(toEntry)
        }),
      allTransactions: (filter) =>
        Effect.promise(async () => {
          const where = sql`true
            ${filter.userId === undefined ? sql`` : sql`and user_id = ${filter.userId}`}
            ${filter.type === undefined ? sql`` : sql`and type = ${filter.type}`}
            ${filter.status === undefined ? sql`` : sql`and status = ${filter.status}`}`
          const [rows, [count]] = await Promise.all([
            sql<Array<EntryRow>>`select * from ledger_entries where ${where} order by position desc
              limit ${filter.limit} offset ${(filter.page - 1) * filter.limit}`,
            sql<Array<{ total: number }>>`select count(*) as total from ledger_entries where ${where}`
          ])
          return { items: rows.map(toEntry), total: count?.total ?? 0 }
        }),
      transaction: (userId, transactionId) =>
        Effect.promise(async () => {
          const [row] = await sql<Array<EntryRow>>`
            select * from (${userEntries(userId)}) t where transaction_id = ${transactionId}`
          return row && toEntry(row)
        }),
      allSummaries: Effect.promise(async () => {
        const rows = await sql<Array<{ user_id: string; balance: number; total_top_up: number; total_spent: number }>>`
          select user_id, balance, total_top_up, total_spent from wallet_balances`
        return rows.map((r) => ({
          userId: r.user_id,
          balance: r.balance,
          totalTopUp: r.total_top_up,
          totalSpent: r.total_spent
        }))
      }),
      accountTotals: Effect.promise(async () => {
        const rows = await sql<Array<{ account: string; total: number }>>`
          select account, sum(delta)::bigint as total from (
            select to_account as account, amount as delta from ledger_entries
            union all
            select from_account, -amount from ledger_entries
          ) movements group by account`
        return new Map(rows.map((r) => [r.account, r.total]))
      })
    })
  })
)
