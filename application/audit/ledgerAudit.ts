import { Effect } from "effect"
import {
  emptyWallet,
  evolveWallet,
  isWalletStream,
  postTransfer,
  transferOf,
  userIdOfWalletStream,
  walletAccount,
  type WalletState
} from "../../domain/ledger/index.ts"
import { EventStore, type RecordedEvent } from "../ports/eventStore.ts"
import { PaymentQueries, type PaymentView } from "../ports/paymentQueries.ts"
import { WalletQueries, type WalletSummary } from "../ports/walletQueries.ts"
import { projectPaymentEvent } from "../payments/paymentProjection.ts"
import { isPaymentStream } from "../../domain/payment/index.ts"
import { emptyQuota, evolveQuota, isQuotaStream, planIdOfQuotaStream, QuotaEvent, type QuotaState } from "../../domain/quota/index.ts"
import { evolveSubscription, graceDays, isSubscriptionStream, noSubscription, SubscriptionEvent, type SubscriptionState } from "../../domain/subscription/index.ts"
import { Schema } from "effect"
import { Catalog, type PlanView } from "../ports/catalog.ts"
import { SubscriptionQueries } from "../ports/subscriptionQueries.ts"

const decodeQuota = Schema.decodeUnknownSync(QuotaEvent)
const decodeSubscription = Schema.decodeUnknownSync(SubscriptionEvent)

/** What the audit compares beside wallets and payments. */
export interface CommerceRows {
  readonly plans: ReadonlyArray<PlanView>
  readonly subscriptions: ReadonlyArray<{ readonly id: string; readonly planId: string; readonly instanceStatus: string }>
}
import { GENESIS_HASH, hashEvent } from "../shared/eventHash.ts"
import { decodeWalletEvent } from "../ledger/walletStream.ts"

export interface AuditProblem {
  readonly position?: number
  readonly streamId?: string
  readonly version?: number
  readonly eventId?: string
  readonly problem: string
}

export interface AuditReport {
  readonly ok: boolean
  readonly eventsChecked: number
  readonly streamsChecked: number
  readonly walletsChecked: number
  readonly paymentsChecked: number
  readonly accounts: Readonly<Record<string, number>>
  readonly accountSum: number
  readonly problems: ReadonlyArray<AuditProblem>
}

interface StreamCursor {
  version: number
  hash: string
  broken: boolean
}

/**
 * Replays the log in global order: verifies every hash chain, rebuilds every wallet with the
 * domain's evolve, re-checks the invariants on the way, and compares the result with the read
 * models. Incremental (`observe` per event) so the whole log never sits in memory.
 */
export class LedgerReplay {
  private readonly cursors = new Map<string, StreamCursor>()
  private readonly wallets = new Map<string, WalletState>()
  private readonly payments = new Map<string, PaymentView>()
  private readonly quotas = new Map<string, QuotaState>()
  private readonly subscriptions = new Map<string, SubscriptionState>()
  /** Subscriptions holding a slot, from the quota streams' own events. */
  private readonly slotHolders = new Set<string>()
  /** subscription + period start of every period charge: at most one each (invariant 5). */
  private readonly periodsCharged = new Set<string>()
  private readonly accounts = new Map<string, number>()
  private readonly problems: Array<AuditProblem> = []
  private events = 0

  observe(event: RecordedEvent): void {
    this.events++
    const at = { position: event.position, streamId: event.streamId, version: event.version, eventId: event.eventId }
    const cursor = this.cursors.get(event.streamId) ?? { version: 0, hash: GENESIS_HASH, broken: false }
    this.cursors.set(event.streamId, cursor)
    if (cursor.broken) return
    const chainProblem = event.version !== cursor.version + 1
      ? `stream version ${event.version} follows ${cursor.version} (gap, duplicate or reorder)`
      : event.prevHash !== cursor.hash
      ? "prev_hash does not link to the previous event of the stream"
      : hashEvent(event) !== event.hash
      ? "hash does not match the event's contents (edited)"
      : undefined
    if (chainProblem !== undefined) {
      cursor.broken = true
      this.problems.push({ ...at, problem: chainProblem })
      return
    }
    cursor.version = event.version
    cursor.hash = event.hash
    if (isWalletStream(event.streamId)) this.observeWalletEvent(event, at)
    if (isPaymentStream(event.streamId)) this.observePaymentEvent(event, at)
    try {
      if (isQuotaStream(event.streamId)) {
        const planId = planIdOfQuotaStream(event.streamId)
        this.quotas.set(planId, evolveQuota(this.quotas.get(planId) ?? emptyQuota, decodeQuota(event.data)))
      }
      if (isQuotaStream(event.streamId)) {
        const quotaEvent = decodeQuota(event.data)
        if (quotaEvent._tag === "QuotaSlotTaken") this.slotHolders.add(quotaEvent.subscriptionId)
        if (quotaEvent._tag === "QuotaSlotReleased") this.slotHolders.delete(quotaEvent.subscriptionId)
      }
      if (isSubscriptionStream(event.streamId)) {
        const id = event.streamId.slice("subscription-".length)
        const before = this.subscriptions.get(id) ?? noSubscription
        const subscriptionEvent = decodeSubscription(event.data)
        for (const problem of renewalProblems(before, subscriptionEvent)) this.problems.push({ ...at, problem })
        this.subscriptions.set(id, evolveSubscription(before, subscriptionEvent))
      }
    } catch {
      this.problems.push({ ...at, problem: `event does not decode (${event.type})` })
    }
  }

  private observePaymentEvent(event: RecordedEvent, at: Omit<AuditProblem, "problem">): void {
    const orderId = event.streamId.slice("payment-".length)
    try {
      this.payments.set(orderId, projectPaymentEvent(this.payments.get(orderId), event))
    } catch {
      this.problems.push({ ...at, problem: `event does not apply as a payment event (${event.type})` })
    }
  }

  private observeWalletEvent(event: RecordedEvent, at: Omit<AuditProblem, "problem">): void {
    const userId = userIdOfWalletStream(event.streamId)
    let walletEvent
    try {
      walletEvent = decodeWalletEvent(event)
    } catch {
      this.problems.push({ ...at, problem: `event data does not decode as a wallet event (${event.type})` })
      return
    }
    if (walletEvent._tag !== event.type) {
      this.problems.push({ ...at, problem: `type column ${event.type} differs from data ${walletEvent._tag}` })
    }
    const before = this.wallets.get(userId) ?? emptyWallet
    if (walletEvent._tag === "WalletCharged" && walletEvent.cause._tag === "SubscriptionPeriod") {
      const period = `${walletEvent.cause.subscriptionId}@${walletEvent.cause.periodStart}`
      if (this.periodsCharged.has(period)) this.problems.push({ ...at, problem: `period ${period} charged twice` })
      this.periodsCharged.add(period)
    }
    if (before.applied.has(walletEvent.reference)) {
      this.problems.push({ ...at, problem: `reference ${walletEvent.reference} applied twice` })
    }
    if (walletEvent._tag === "ChargeRefunded") {
      const charge = before.charges.get(walletEvent.chargeTransactionId)
      if (charge === undefined || charge.refunded + walletEvent.amount > charge.amount) {
        this.problems.push({ ...at, problem: `refund exceeds what is left of ${walletEvent.chargeTransactionId}` })
      }
    }
    const after = evolveWallet(before, walletEvent)
    if (after.balance < 0) this.problems.push({ ...at, problem: `wallet ${userId} goes below zero` })
    this.wallets.set(userId, after)
    postTransfer(this.accounts, transferOf(userId, walletEvent))
  }

  /** Compares the replay with the read models and closes the report. */
  report(
    summaries: ReadonlyArray<WalletSummary>,
    accountTotals: ReadonlyMap<string, number>,
    payments: ReadonlyArray<PaymentView> = [],
    commerce: CommerceRows = { plans: [], subscriptions: [] }
  ): AuditReport {
    const problems = [...this.problems]
    // Invariant 6: used ≤ total, and used = the subscriptions holding a slot; rows equal the replay.
    const holding = new Map<string, number>()
    for (const sub of this.subscriptions.values()) {
      if (sub.status === "ACTIVE" && sub.plan) holding.set(sub.plan.planId, (holding.get(sub.plan.planId) ?? 0) + 1)
    }
    for (const plan of commerce.plans) {
      const quota = this.quotas.get(plan.id) ?? emptyQuota
      if (quota.used !== plan.usedQuota) problems.push({ streamId: `plan-quota-${plan.id}`, problem: `plans.used_quota ${plan.usedQuota} differs from replay ${quota.used}` })
      if (quota.capacity !== undefined && quota.capacity !== plan.totalQuota) problems.push({ streamId: `plan-quota-${plan.id}`, problem: `plans.total_quota ${plan.totalQuota} differs from replay ${quota.capacity}` })
      if (quota.used > (quota.capacity ?? plan.totalQuota)) problems.push({ streamId: `plan-quota-${plan.id}`, problem: "more slots used than the plan has" })
      if (quota.used !== (holding.get(plan.id) ?? 0)) problems.push({ streamId: `plan-quota-${plan.id}`, problem: `${quota.used} slots used but ${holding.get(plan.id) ?? 0} subscriptions hold one` })
    }
    for (const [id, sub] of this.subscriptions) {
      const holds = this.slotHolders.has(id)
      if (sub.status === "SUSPENDED" && holds) problems.push({ streamId: `subscription-${id}`, problem: "suspended but still holds a quota slot" })
      if (sub.status === "ACTIVE" && !holds) problems.push({ streamId: `subscription-${id}`, problem: "active but holds no quota slot" })
    }
    const rows = new Map(commerce.subscriptions.map((r) => [r.id, r]))
    for (const [id, sub] of this.subscriptions) {
      const row = rows.get(id)
      if (row === undefined || row.planId !== sub.plan?.planId || row.instanceStatus !== sub.instanceStatus) {
        problems.push({ streamId: `subscription-${id}`, problem: `subscriptions row ${JSON.stringify(row ?? null)} differs from replay (${sub.plan?.planId}, ${sub.instanceStatus})` })
      }
    }
    const paymentRows = new Map(payments.map((p) => [p.orderId, p]))
    const paymentFacts = (p: PaymentView | undefined) =>
      p && { userId: p.userId, amount: p.amount, status: p.status, reversedAmount: p.reversedAmount, shortfall: p.shortfall }
    for (const orderId of new Set([...this.payments.keys(), ...paymentRows.keys()])) {
      const replayed = paymentFacts(this.payments.get(orderId))
      const row = paymentFacts(paymentRows.get(orderId))
      if (JSON.stringify(replayed) !== JSON.stringify(row)) {
        problems.push({ streamId: `payment-${orderId}`, problem: `payments row ${JSON.stringify(row ?? null)} differs from replay ${JSON.stringify(replayed ?? null)}` })
      }
    }
    const projected = new Map(summaries.map((s) => [s.userId, s]))
    for (const [userId, state] of this.wallets) {
      const row = projected.get(userId)
      const replayed = { balance: state.balance, totalTopUp: state.totalTopUp, totalSpent: state.totalSpent }
      if (
        row === undefined || row.balance !== replayed.balance || row.totalTopUp !== replayed.totalTopUp ||
        row.totalSpent !== replayed.totalSpent
      ) {
        problems.push({
          streamId: `wallet-${userId}`,
          problem: `projection ${JSON.stringify(row ?? null)} differs from replay ${JSON.stringify(replayed)}`
        })
      }
    }
    for (const row of summaries) {
      const hasBalance = row.balance !== 0 || row.totalTopUp !== 0 || row.totalSpent !== 0
      if (!this.wallets.has(row.userId) && hasBalance) {
        problems.push({ streamId: `wallet-${row.userId}`, problem: "projection row has no events behind it" })
      }
    }
    const allAccounts = new Set([...this.accounts.keys(), ...accountTotals.keys()])
    for (const account of allAccounts) {
      const replayed = this.accounts.get(account) ?? 0
      const listed = accountTotals.get(account) ?? 0
      if (replayed !== listed) {
        problems.push({ problem: `account ${account}: transaction list sums to ${listed}, replay to ${replayed}` })
      }
      if (account.startsWith("wallet:") && replayed < 0) problems.push({ problem: `account ${account} below zero` })
    }
    let accountSum = 0
    for (const value of this.accounts.values()) accountSum += value
    if (accountSum !== 0) problems.push({ problem: `accounts sum to ${accountSum}, not 0` })
    for (const [userId, state] of this.wallets) {
      if ((this.accounts.get(walletAccount(userId)) ?? 0) !== state.balance) {
        problems.push({ problem: `wallet ${userId}: transfers and state disagree` })
      }
    }
    return {
      ok: problems.length === 0,
      eventsChecked: this.events,
      streamsChecked: this.cursors.size,
      walletsChecked: this.wallets.size,
      paymentsChecked: this.payments.size,
      accounts: Object.fromEntries([...this.accounts].sort(([a], [b]) => a.localeCompare(b))),
      accountSum,
      problems
    }
  }
}

const graceMs = graceDays * 86_400_000

/**
 * The renewal rules, replayed: renewals continue from the period end (no gap, no free days),
 * grace lasts exactly 7 days and opens only once, and every grace ends in a renewal, a
 * suspension (not before its end), a cancellation, an expiry or an administrator's extension.
 */
const renewalProblems = (before: SubscriptionState, event: SubscriptionEvent): ReadonlyArray<string> => {
  switch (event._tag) {
    case "SubscriptionRenewed":
      return event.periodStart === before.periodEnd ? [] : [`renewal starts ${event.periodStart}, not at the period end ${before.periodEnd}`]
    case "GracePeriodStarted":
      return [
        ...(before.graceEndsAt !== undefined ? ["grace started while one is open"] : []),
        ...(event.periodStart !== before.periodEnd ? [`grace for ${event.periodStart}, not for the period end ${before.periodEnd}`] : []),
        ...(Date.parse(event.graceEndsAt) - Date.parse(event.periodStart) !== graceMs ? [`grace ends ${event.graceEndsAt}: not ${graceDays} days after ${event.periodStart}`] : [])
      ]
    case "SubscriptionSuspended":
      return before.graceEndsAt === undefined
        ? ["suspended without a grace period"]
        : event.at < before.graceEndsAt
        ? [`suspended at ${event.at}, before its grace ended at ${before.graceEndsAt}`]
        : []
    case "RenewalRetryFailed":
      return before.graceEndsAt === undefined ? ["renewal retry outside a grace period"] : []
    default:
      return []
  }
}

const batchSize = 5_000

/** `npm run audit` and `GET /api/admin/audit/ledger`: the whole log, batch by batch. */
export const auditLedger = Effect.fn("Audit.auditLedger")(function*() {
  const store = yield* EventStore
  const queries = yield* WalletQueries
  const replay = new LedgerReplay()
  let after = 0
  for (;;) {
    const batch = yield* store.readAll(after, batchSize)
    for (const event of batch) replay.observe(event)
    if (batch.length < batchSize) break
    after = batch[batch.length - 1]!.position
  }
  return replay.report(yield* queries.allSummaries, yield* queries.accountTotals, yield* (yield* PaymentQueries).all, {
    plans: yield* (yield* Catalog).allPlans,
    subscriptions: yield* (yield* SubscriptionQueries).allStates
  })
})
