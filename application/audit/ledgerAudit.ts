import { Clock, Effect } from "effect"
import type { RecordedEvent } from "../ports/eventStore.ts"
import { type ReadModels, LedgerSnapshots, type SnapshotPosition } from "../ports/ledgerSnapshot.ts"
import { canonicalEncode, GENESIS_HASH, hashEventWithMetadata } from "../shared/eventHash.ts"
import type { AccountBalances, AuditCheck, AuditProblem } from "./auditCheck.ts"
import { commerceCheck } from "./commerceCheck.ts"
import { invoiceCheck } from "./invoiceCheck.ts"
import { paymentCheck } from "./paymentCheck.ts"
import { walletCheck } from "./walletCheck.ts"

export type { AuditProblem } from "./auditCheck.ts"

/** Every kind of stream the audit understands; a new kind adds its check here. */
const auditChecks = (accounts: AccountBalances): ReadonlyArray<AuditCheck> => [
  walletCheck(accounts),
  paymentCheck(),
  commerceCheck(),
  invoiceCheck()
]

/** How many problems a report lists (the count is always complete). */
export const problemsListed = 20

/** The summary an auditor reads first; `accounts` (every balance) only when asked for. */
export interface AuditReport {
  readonly ok: boolean
  readonly verdict: "AUDIT OK" | "AUDIT FAILED"
  /** The snapshot the audit read; absent when a replay is fed events directly. */
  readonly consistentUpTo?: SnapshotPosition | undefined
  readonly eventsChecked: number
  readonly streamsChecked: number
  /** Streams per kind: the stream id up to its first dash (`wallet`, `payment`, `subscription`…). */
  readonly streamsByKind: Readonly<Record<string, number>>
  /** Counts from each check (wallets, payments, subscriptions, quotas…). */
  readonly checked: Readonly<Record<string, number>>
  /** Account balances by kind: every wallet together, each system account on its own. */
  readonly accountsByKind: Readonly<Record<string, { readonly accounts: number; readonly total: number }>>
  /** Sum over every account: 0 in a double-entry ledger. */
  readonly accountSum: number
  readonly problemCount: number
  /** The first problems in log order, each naming the event that caused it where there is one. */
  readonly problems: ReadonlyArray<AuditProblem>
  readonly seconds?: number | undefined
  readonly eventsPerSecond?: number | undefined
}

export interface AuditResult {
  readonly report: AuditReport
  /** Every account's replayed balance, sorted by account. */
  readonly accounts: Readonly<Record<string, number>>
}

interface StreamCursor {
  version: number
  hash: string
  broken: boolean
  readonly checks: ReadonlyArray<AuditCheck>
}

const kindOfStream = (streamId: string) => {
  const dash = streamId.indexOf("-")
  return dash < 0 ? streamId : streamId.startsWith("plan-quota-") ? "plan-quota" : streamId.slice(0, dash)
}

const kindOfAccount = (account: string) => (account.startsWith("wallet:") ? "wallet" : account)

/**
 * Replays the log in global order: verifies every hash chain, hands each verified event to the
 * checks that follow its stream, and at the end compares their state with the read models.
 * Incremental (`observe` per event) so the whole log never sits in memory.
 */
export class LedgerReplay {
  private readonly cursors = new Map<string, StreamCursor>()
  private readonly accounts: AccountBalances = new Map()
  private readonly checks = auditChecks(this.accounts)
  /** Arrays of checks shared by the streams they follow (one array per combination, not per stream). */
  private readonly checkSets = new Map<number, ReadonlyArray<AuditCheck>>()
  private readonly problems: Array<AuditProblem> = []
  private events = 0
  /** The last metadata object seen and its canonical JSON: the Postgres reader shares one object among events with equal metadata. */
  private metadata: unknown
  private metadataJson = ""

  observe(event: RecordedEvent): void {
    this.events++
    let cursor = this.cursors.get(event.streamId)
    if (cursor === undefined) {
      let mask = 0
      for (let i = 0; i < this.checks.length; i++) if (this.checks[i]!.follows(event.streamId)) mask |= 1 << i
      let checks = this.checkSets.get(mask)
      if (checks === undefined) {
        checks = this.checks.filter((_, i) => (mask & (1 << i)) !== 0)
        this.checkSets.set(mask, checks)
      }
      cursor = { version: 0, hash: GENESIS_HASH, broken: false, checks }
      this.cursors.set(event.streamId, cursor)
    }
    if (cursor.broken) return
    const chainProblem = event.version !== cursor.version + 1
      ? `stream version ${event.version} follows ${cursor.version} (gap, duplicate or reorder)`
      : event.prevHash !== cursor.hash
      ? "prev_hash does not link to the previous event of the stream"
      : hashEventWithMetadata(event, this.canonicalMetadata(event.metadata)) !== event.hash
      ? "hash does not match the event's contents (edited)"
      : undefined
    if (chainProblem !== undefined) {
      // Everything after a break is unverifiable: the stream is reported once, at the break.
      cursor.broken = true
      this.problems.push({ position: event.position, streamId: event.streamId, version: event.version, eventId: event.eventId, problem: chainProblem })
      return
    }
    cursor.version = event.version
    cursor.hash = event.hash
    for (const check of cursor.checks) check.observe(event, this.problems)
  }

  private canonicalMetadata(metadata: unknown): string {
    if (metadata !== this.metadata || this.metadataJson === "") {
      this.metadataJson = canonicalEncode(metadata)
      this.metadata = metadata
    }
    return this.metadataJson
  }

  /** Compares the replay with the read models and closes the report. */
  report(readModels: Partial<ReadModels>, consistentUpTo?: SnapshotPosition): AuditResult {
    const problems = [...this.problems]
    const models: ReadModels = {
      walletSummaries: [],
      accountTotals: new Map(),
      payments: [],
      plans: [],
      subscriptions: [],
      ...readModels
    }
    for (const check of this.checks) check.compare(models, problems)
    let accountSum = 0
    const accountsByKind: Record<string, { accounts: number; total: number }> = {}
    for (const [account, balance] of this.accounts) {
      accountSum += balance
      const kind = (accountsByKind[kindOfAccount(account)] ??= { accounts: 0, total: 0 })
      kind.accounts++
      kind.total += balance
    }
    if (accountSum !== 0) problems.push({ problem: `accounts sum to ${accountSum}, not 0` })
    const streamsByKind: Record<string, number> = {}
    for (const streamId of this.cursors.keys()) {
      const kind = kindOfStream(streamId)
      streamsByKind[kind] = (streamsByKind[kind] ?? 0) + 1
    }
    const ok = problems.length === 0
    return {
      report: {
        ok,
        verdict: ok ? "AUDIT OK" : "AUDIT FAILED",
        consistentUpTo,
        eventsChecked: this.events,
        streamsChecked: this.cursors.size,
        streamsByKind,
        checked: Object.assign({}, ...this.checks.map((c) => c.counts())),
        accountsByKind,
        accountSum,
        problemCount: problems.length,
        problems: problems.slice(0, problemsListed)
      },
      accounts: Object.fromEntries([...this.accounts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
  }
}

/**
 * `npm run audit` and `GET /api/admin/audit/ledger`: the whole log and the read models from one
 * snapshot, events streamed through a cursor, with the replay's rate.
 */
export const auditLedger = Effect.fn("Audit.auditLedger")(function*() {
  const started = yield* Clock.currentTimeMillis
  const result = yield* (yield* LedgerSnapshots).read((snapshot) =>
    Effect.gen(function*() {
      const replay = new LedgerReplay()
      yield* snapshot.forEachBatch({}, (events) => {
        for (const event of events) replay.observe(event)
      })
      return replay.report(yield* snapshot.readModels, snapshot.at)
    })
  )
  const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
  return {
    ...result,
    report: { ...result.report, seconds, eventsPerSecond: seconds > 0 ? Math.round(result.report.eventsChecked / seconds) : undefined }
  }
})
