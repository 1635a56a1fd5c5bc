import { Effect, Layer } from "effect"
import type postgres from "postgres"
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
import { EventCopyDecoder } from "./eventCopy.ts"
import { Pg, type Sql } from "./client.ts"
import { PaymentQueriesPostgres } from "./paymentReadModel.ts"
import { SubscriptionQueriesPostgres } from "./subscriptionReadModel.ts"
import { WalletQueriesPostgres } from "./walletReadModel.ts"

type Tx = postgres.ReservedSql<{ bigint: number }>

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
  Effect.gen(function*() {
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
      Layer.mergeAll(WalletQueriesPostgres, PaymentQueriesPostgres, CatalogPostgres, SubscriptionQueriesPostgres, InvoiceQueriesPostgres).pipe(
        Layer.provide(Layer.succeed(Pg, tx as unknown as Sql))
      )
    )
  )

/**
 * The filter as settings of this transaction, read back by `current_setting` in the COPY (COPY
 * takes no bind parameters; the values never become SQL text).
 */
const copyFilter = async (tx: Tx, filter: EventFilter): Promise<string> => {
  await tx`select set_config('minispod.after', ${String(filter.afterPosition ?? 0)}, true),
    set_config('minispod.stream_id', ${filter.streamId ?? ""}, true),
    set_config('minispod.stream_prefix', ${filter.streamPrefix === undefined ? "" : filter.streamPrefix.replace(/[\\%_]/g, "\\$&") + "%"}, true),
    set_config('minispod.recorded_from', ${filter.recordedFrom?.toISOString() ?? ""}, true),
    set_config('minispod.recorded_before', ${filter.recordedBefore?.toISOString() ?? ""}, true)`
  return [
    "position > current_setting('minispod.after')::bigint",
    ...(filter.streamId === undefined ? [] : ["stream_id = current_setting('minispod.stream_id')"]),
    ...(filter.streamPrefix === undefined ? [] : ["stream_id like current_setting('minispod.stream_prefix')"]),
    ...(filter.recordedFrom === undefined ? [] : ["recorded_at >= current_setting('minispod.recorded_from')::timestamptz"]),
    ...(filter.recordedBefore === undefined ? [] : ["recorded_at < current_setting('minispod.recorded_before')::timestamptz"])
  ].join(" and ")
}

/**
 * The filter's events in position order as one binary COPY: Postgres streams while Node decodes
 * and verifies, with no per-page round trips and no per-column parsing by postgres.js.
 */
const copyEvents = async (tx: Tx, filter: EventFilter, onEvent: (event: RecordedEvent) => void): Promise<void> => {
  const where = await copyFilter(tx, filter)
  const stream = await tx.unsafe(`copy (
    select position, stream_id, stream_version, event_id::text, type, data, metadata,
      to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), prev_hash, hash
    from events where ${where} order by position) to stdout (format binary)`).readable()
  const decoder = new EventCopyDecoder(onEvent)
  await new Promise<void>((resolve, reject) => {
    let failure: unknown
    // After a failure the rest is still read (and ignored): the connection must reach the end of
    // the COPY before the transaction can end.
    stream.on("data", (chunk: Buffer) => {
      if (failure !== undefined) return
      try {
        decoder.push(chunk)
      } catch (error) {
        failure = error
      }
    })
    stream.once("error", reject)
    stream.once("end", () => {
      if (failure !== undefined) return reject(failure)
      try {
        decoder.end()
        resolve()
      } catch (error) {
        reject(error)
      }
    })
  })
}

const snapshotOf = (tx: Tx, at: SnapshotPosition): LedgerSnapshot => ({
  at,
  forEachBatch: (filter, onBatch) =>
    Effect.promise(async () => {
      let batch: Array<RecordedEvent> = []
      await copyEvents(tx, filter, (event) => {
        batch.push(event)
        if (batch.length === batchRows) {
          onBatch(batch)
          batch = []
        }
      })
      if (batch.length > 0) onBatch(batch)
    }),
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
    const [{ total }] = await tx<[{ total: number }]>`select count(*)::bigint as total from (${selectEvents(tx, filter, after)}) e`
    const sent = limit === undefined ? total : Math.min(limit, total)
    const [last] = sent < total && sent > 0
      ? await tx<Array<{ position: number }>>`select position from (${selectEvents(tx, filter, after)}) e offset ${sent - 1} limit 1`
      : []
    const query = limit === undefined ? selectEvents(tx, filter, after) : tx<Array<SnapshotRow>>`${selectEvents(tx, filter, after)} limit ${limit}`
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
          ({ at, tx }) => use(snapshotOf(tx, at)),
          ({ tx }) => Effect.promise(() => end(tx))
        ),
      exportEvents: (filter, limit) => Effect.promise(() => exportEvents(sql, filter, limit))
    }))
)
