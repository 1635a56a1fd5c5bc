import { Effect, Layer } from "effect"
import { Catalog } from "../../application/ports/catalog.ts"
import type { EventMetadata, RecordedEvent } from "../../application/ports/eventStore.ts"
import {
  type EventExport,
  type EventFilter,
  type LedgerSnapshot,
  LedgerSnapshots,
  type ReadModels,
  type SnapshotPosition
} from "../../application/ports/ledgerSnapshot.ts"
import { InvoiceQueries } from "../../application/ports/invoices.ts"
import { PaymentQueries } from "../../application/ports/paymentQueries.ts"
import { SubscriptionQueries } from "../../application/ports/subscriptionQueries.ts"
import { WalletQueries } from "../../application/ports/walletQueries.ts"
import { CatalogPostgres } from "./catalog.ts"
import { InvoiceQueriesPostgres } from "./invoices.ts"
import { Pg, type Sql, type Tx } from "./client.ts"
import { forEachPageOf } from "./eventPages.ts"
import { PaymentQueriesPostgres } from "./paymentReadModel.ts"
import { SubscriptionQueriesPostgres } from "./subscriptionReadModel.ts"
import { WalletQueriesPostgres } from "./walletReadModel.ts"

/** Rows per cursor fetch (export) and per batch handed to the replay: large enough to amortise, small enough to stay flat in memory. */
const batchRows = 5_000

/**
 * A REPEATABLE READ READ ONLY transaction on a reserved connection: every statement in it sees the
 * same snapshot, so the events and the read models agree whatever else is open on the server.
 */
const begin = async (sql: Sql): Promise<{ tx: Tx; at: SnapshotPosition }> => {
  const tx = (await sql.reserve()) as unknown as Tx
  try {
    const [, [row]] = await Promise.all([
      tx`begin isolation level repeatable read read only`,
      tx<Array<{ position: number; events: number; snapshot: string }>>`
        select coalesce(max(position), 0)::bigint as position, count(*)::bigint as events,
          pg_current_snapshot()::text as snapshot from events`
    ])
    return { tx, at: { position: row!.position, events: row!.events, snapshot: row!.snapshot } }
  } catch (error) {
    tx.release()
    throw error
  }
}

const end = async (tx: Tx) => {
  await tx`commit`.catch(() => undefined)
  tx.release()
}

/** Event rows with `recorded_at` already as the ISO text that is hashed (no Date per row). */
interface SnapshotRow {
  position: number
  stream_id: string
  stream_version: number
  event_id: string
  type: string
  data: unknown
  metadata: EventMetadata
  recorded_at: string
  prev_hash: string
  hash: string
}

/** The filter's events after a position, in position order. */
const selectEvents = (tx: Tx, filter: EventFilter, after: number) =>
  tx<Array<SnapshotRow>>`
    select position, stream_id, stream_version, event_id, type, data, metadata,
      to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as recorded_at, prev_hash, hash
    from events
    where position > ${after}
      ${filter.streamId === undefined ? tx`` : tx`and stream_id = ${filter.streamId}`}
      ${filter.streamPrefix === undefined ? tx`` : tx`and stream_id like ${filter.streamPrefix.replace(/[\\%_]/g, "\\$&") + "%"}`}
      ${filter.recordedFrom === undefined ? tx`` : tx`and recorded_at >= ${filter.recordedFrom}`}
      ${filter.recordedBefore === undefined ? tx`` : tx`and recorded_at < ${filter.recordedBefore}`}
    order by position`

const toEvent = (row: SnapshotRow): RecordedEvent => ({
  position: row.position,
  streamId: row.stream_id,
  version: row.stream_version,
  eventId: row.event_id,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  recordedAt: row.recorded_at,
  prevHash: row.prev_hash,
  hash: row.hash
})

/** The existing read-model adapters, built on the snapshot's connection so they read the same instant. */
const readModelsOf = (tx: Tx): Effect.Effect<ReadModels> =>
  Effect.gen(function* () {
    const wallets = yield* WalletQueries
    const payments = yield* PaymentQueries
    const catalog = yield* Catalog
    const subscriptions = yield* SubscriptionQueries
    const invoices = yield* InvoiceQueries
    return {
      walletSummaries: yield* wallets.allSummaries,
      accountTotals: yield* wallets.accountTotals,
      payments: yield* payments.all,
      plans: yield* catalog.allPlans,
      subscriptions: yield* subscriptions.allStates,
      billingDocuments: { rows: yield* invoices.ledgerRows, counters: yield* invoices.counters }
    }
  }).pipe(
    Effect.provide(
      Layer.mergeAll(
        WalletQueriesPostgres,
        PaymentQueriesPostgres,
        CatalogPostgres,
        SubscriptionQueriesPostgres,
        InvoiceQueriesPostgres
      ).pipe(Layer.provide(Layer.succeed(Pg, tx as unknown as Sql)))
    )
  )

const snapshotOf = (sql: Sql, tx: Tx, at: SnapshotPosition): LedgerSnapshot => ({
  at,
  forEachBatch: (filter, onBatch) =>
    Effect.promise(async () => {
      // Keyset pages (one snapshot, so pages cannot shift); the next page is requested before this
      // one is processed, so Postgres sends while Node verifies.
      const page = (after: number) =>
        tx<Array<SnapshotRow>>`${selectEvents(tx, filter, after)} limit ${batchRows}`.execute()
      let next = page(filter.afterPosition ?? 0)
      for (;;) {
        const rows = await next
        if (rows.length === batchRows) next = page(rows[rows.length - 1]!.position)
        const events = new Array<RecordedEvent>(rows.length)
        for (let i = 0; i < rows.length; i++) events[i] = toEvent(rows[i]!)
        onBatch(events)
        if (rows.length < batchRows) return
      }
    }),
  forEachPage: (onPage) => Effect.promise(() => forEachPageOf(sql, tx, onPage)),
  readModels: readModelsOf(tx)
})

/**
 * The events as NDJSON lines from one snapshot, for an HTTP body: the transaction stays open while
 * the client reads and ends when the body is finished or abandoned (`return`). How many events
 * match and how many are sent is known before the first line, so a limit never truncates silently.
 */
const exportEvents = async (sql: Sql, filter: EventFilter, limit: number | undefined): Promise<EventExport> => {
  const { tx, at } = await begin(sql)
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await end(tx)
  }
  try {
    const after = filter.afterPosition ?? 0
    const [{ total }] = await tx<
      [{ total: number }]
    >`select count(*)::bigint as total from (${selectEvents(tx, filter, after)}) e`
    const sent = limit === undefined ? total : Math.min(limit, total)
    const [last] =
      sent < total && sent > 0
        ? await tx<
            Array<{ position: number }>
          >`select position from (${selectEvents(tx, filter, after)}) e offset ${sent - 1} limit 1`
        : []
    const query =
      limit === undefined
        ? selectEvents(tx, filter, after)
        : tx<Array<SnapshotRow>>`${selectEvents(tx, filter, after)} limit ${limit}`
    const batches = query.cursor(batchRows)[Symbol.asyncIterator]()
    const lines: AsyncIterableIterator<string> = {
      [Symbol.asyncIterator]: () => lines,
      next: async () => {
        if (closed) return { done: true, value: undefined }
        try {
          const batch = await batches.next()
          if (batch.done) {
            await close()
            return { done: true, value: undefined }
          }
          let chunk = ""
          for (const row of batch.value) chunk += `${JSON.stringify(toEvent(row))}\n`
          return { done: false, value: chunk }
        } catch (error) {
          await close()
          throw error
        }
      },
      return: async () => {
        if (!closed) await batches.return?.()
        await close()
        return { done: true, value: undefined }
      }
    }
    return { at, total, sent, nextAfter: last?.position, lines }
  } catch (error) {
    await close()
    throw error
  }
}

export const LedgerSnapshotsPostgres = Layer.effect(
  LedgerSnapshots,
  Effect.map(Pg, (sql) =>
    LedgerSnapshots.of({
      read: (use) =>
        Effect.acquireUseRelease(
          Effect.promise(() => begin(sql)),
          ({ at, tx }) => use(snapshotOf(sql, tx, at)),
          ({ tx }) => Effect.promise(() => end(tx))
        ),
      exportEvents: (filter, limit) => Effect.promise(() => exportEvents(sql, filter, limit))
    })
  )
)
