import { Clock, Effect } from "effect"
import type { RecordedEvent } from "../ports/eventStore.ts"
import { PageHashes } from "../ports/pageHashes.ts"
import { type ReadModels, LedgerSnapshots, type SnapshotPosition } from "../ports/ledgerSnapshot.ts"
import { canonicalEncode, GENESIS_HASH, hashEventWithMetadata } from "../shared/eventHash.ts"
import { eventsOfPage } from "../shared/eventPage.ts"
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

  /**
   * One event in log order. `hashMatches`, when given, is whether the event's recomputed hash
   * equals its `hash` (worked out elsewhere, e.g. on another thread); otherwise it is computed here.
   */
  observe(event: RecordedEvent, hashMatches?: boolean): void {
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
    const chainProblem =
      event.version !== cursor.version + 1
        ? `stream version ${event.version} follows ${cursor.version} (gap, duplicate or reorder)`
        : event.prevHash !== cursor.hash
          ? "prev_hash does not link to the previous event of the stream"
          : !(hashMatches ?? hashEventWithMetadata(event, this.canonicalMetadata(event.metadata)) === event.hash)
            ? "hash does not match the event's contents (edited)"
            : undefined
    if (chainProblem !== undefined) {
      // Everything after a break is unverifiable: the stream is reported once, at the break.
      cursor.broken = true
      this.problems.push({
        position: event.position,
        streamId: event.streamId,
        version: event.version,
        eventId: event.eventId,
        problem: chainProblem
      })
      return
    }
    cursor.version = event.version
    cursor.hash = event.hash
    for (const check of cursor.checks) check.observe(event, this.problems)
  }

  /** A page of events in log order, with the indexes (ascending) of those whose hash does not match, when known. */
  observePage(events: ReadonlyArray<RecordedEvent>, mismatches?: ReadonlyArray<number>): void {
    if (mismatches === undefined) {
      for (const event of events) this.observe(event)
      return
    }
    let next = 0
    for (let index = 0; index < events.length; index++) {
      const matches = mismatches[next] !== index
      if (!matches) next++
      this.observe(events[index]!, matches)
    }
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
 * From this many events on, the audit hands each page to PageHashes (other threads) and checks
 * the previous page meanwhile; below, starting a thread costs more than it saves.
 */
export const offThreadFrom = 50_000

/**
 * `npm run audit` and `GET /api/admin/audit/ledger`: the whole log and the read models from one
 * snapshot, events streamed in pages, with the replay's rate. Three stages overlap: Postgres
 * builds page k + 1, a thread re-hashes page k, this thread checks page k - 1; the findings are
 * those of observing every event in order here.
 */
export const auditLedger = Effect.fn("Audit.auditLedger")(function* (
  options: { readonly offThreadFrom?: number } = {}
) {
  const started = yield* Clock.currentTimeMillis
  const hashes = yield* PageHashes
  const result = yield* (yield* LedgerSnapshots).read((snapshot) =>
    Effect.gen(function* () {
      const replay = new LedgerReplay()
      const offThread = snapshot.at.events >= (options.offThreadFrom ?? offThreadFrom)
      let previous:
        | { readonly events: ReadonlyArray<RecordedEvent>; readonly mismatches: Promise<ReadonlyArray<number>> }
        | undefined
      const checkPrevious = async () => {
        if (previous !== undefined) replay.observePage(previous.events, await previous.mismatches)
        previous = undefined
      }
      yield* snapshot.forEachPage(async (json) => {
        if (!offThread) return replay.observePage(eventsOfPage(json))
        const mismatches = hashes.mismatches(json)
        mismatches.catch(() => undefined) // awaited in turn below; a failure must not surface unhandled first
        const events = eventsOfPage(json)
        await checkPrevious()
        previous = { events, mismatches }
      })
      yield* Effect.promise(checkPrevious)
      return replay.report(yield* snapshot.readModels, snapshot.at)
    })
  )
  const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
  return {
    ...result,
    report: {
      ...result.report,
      seconds,
      eventsPerSecond: seconds > 0 ? Math.round(result.report.eventsChecked / seconds) : undefined
    }
  }
})
