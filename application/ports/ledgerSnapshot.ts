import { Context, type Effect } from "effect"
import type { PlanView } from "./catalog.ts"
import type { RecordedEvent } from "./eventStore.ts"
import type { DocumentCounter, DocumentLedgerRow } from "./invoices.ts"
import type { PaymentView } from "./paymentQueries.ts"
import type { WalletSummary } from "./walletQueries.ts"

/** Where a snapshot stands: every event committed before it, and nothing else. */
export interface SnapshotPosition {
  /** Highest event position visible in the snapshot (0 for an empty log). */
  readonly position: number
  /** Number of events visible (positions may have gaps: rolled-back inserts consume them). */
  readonly events: number
  /** The database's own description of the snapshot (Postgres: `xmin:xmax:xip…`). */
  readonly snapshot: string
}

export interface EventFilter {
  readonly afterPosition?: number | undefined
  readonly streamId?: string | undefined
  readonly streamPrefix?: string | undefined
  /** recordedAt ≥ this instant. */
  readonly recordedFrom?: Date | undefined
  /** recordedAt < this instant. */
  readonly recordedBefore?: Date | undefined
}

/** The read models the audit compares with its replay, as of the same snapshot as the events. */
export interface ReadModels {
  readonly walletSummaries: ReadonlyArray<WalletSummary>
  /** Balance of every account as summed from the transaction list. */
  readonly accountTotals: ReadonlyMap<string, number>
  readonly payments: ReadonlyArray<PaymentView>
  readonly plans: ReadonlyArray<PlanView>
  readonly subscriptions: ReadonlyArray<{
    readonly id: string
    readonly planId: string
    readonly instanceStatus: string
  }>
  /** Invoices and credit notes with their counters; absent: not compared (a replay fed events directly). */
  readonly billingDocuments?:
    { readonly rows: ReadonlyArray<DocumentLedgerRow>; readonly counters: ReadonlyArray<DocumentCounter> } | undefined
}

/** One consistent, read-only view of the log and the read models. */
export interface LedgerSnapshot {
  readonly at: SnapshotPosition
  /** Streams matching events in position order, batch by batch (a cursor: the log never sits in memory). */
  readonly forEachBatch: (
    filter: EventFilter,
    onBatch: (events: ReadonlyArray<RecordedEvent>) => void
  ) => Effect.Effect<void>
  /**
   * Every event in position order, as pages of JSON text (`eventsOfPage` reads one), for the
   * audit: it parses them itself and may hand the text to other threads to re-hash. Later pages
   * are fetched while `onPage` runs; the next call waits for its promise.
   */
  readonly forEachPage: (onPage: (json: string) => Promise<void>) => Effect.Effect<void>
  readonly readModels: Effect.Effect<ReadModels>
}

/** An NDJSON export taken from one snapshot; the counts are known before the first line. */
export interface EventExport {
  readonly at: SnapshotPosition
  /** Events matching the filter in the snapshot. */
  readonly total: number
  /** Events in `lines` (less than `total` only when a limit cut the export). */
  readonly sent: number
  /** When cut: the position of the last event sent, to continue from. */
  readonly nextAfter: number | undefined
  /** One JSON-encoded RecordedEvent per line; the snapshot ends when they are read or `return` is called. */
  readonly lines: AsyncIterableIterator<string>
}

export interface LedgerSnapshotsService {
  /**
   * Runs `use` against one snapshot taken now: every committed event and every read model row as
   * of the same instant, whatever other transactions are open (unlike the commit-safe `readAll`,
   * whose horizon stops at the oldest open transaction anywhere on the server).
   */
  readonly read: <A, E, R>(use: (snapshot: LedgerSnapshot) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  readonly exportEvents: (filter: EventFilter, limit: number | undefined) => Effect.Effect<EventExport>
}

export class LedgerSnapshots extends Context.Tag("app/LedgerSnapshots")<LedgerSnapshots, LedgerSnapshotsService>() {}
